import { describe, expect, it } from 'vitest';
import {
  diffUpdate,
  emptyForm,
  formFromPatient,
  isE164,
  isEmailShape,
  isEmptyUpdate,
  normalizeAddress,
  normalizePhone,
  toNewPatient,
  validateField,
  validatePatient,
  type PatientFormValues,
} from './patientValues';
import { patient } from './fixtures';

const TODAY = '2024-06-01';

function values(over: Partial<PatientFormValues> = {}): PatientFormValues {
  return { ...emptyForm(), given: 'Jane', family: 'Doe', dob: '1980-03-12', ...over };
}

describe('validation', () => {
  it('accepts a minimal valid patient', () => {
    expect(validatePatient(values(), TODAY)).toEqual({});
  });

  it('requires given name, family name and date of birth', () => {
    const e = validatePatient(emptyForm(), TODAY);
    expect(e.given).toBe('Given name is required');
    expect(e.family).toBe('Family name is required');
    expect(e.dob).toBe('Date of birth is required');
    expect(e.phone).toBeUndefined();
    expect(e.email).toBeUndefined();
    expect(validatePatient(values({ given: '   ' }), TODAY).given).toBe('Given name is required');
  });

  it('rejects a date of birth in the future, before 1900 or not real', () => {
    expect(validateField('dob', values({ dob: '2024-06-02' }), TODAY)).toMatch(/future/);
    expect(validateField('dob', values({ dob: TODAY }), TODAY)).toBeUndefined();
    expect(validateField('dob', values({ dob: '1899-12-31' }), TODAY)).toMatch(/1900/);
    expect(validateField('dob', values({ dob: '2023-02-29' }), TODAY)).toMatch(/real date/);
  });

  it('checks phone numbers are international (E.164)', () => {
    expect(isE164('+44 7700 900123')).toBe(true);
    expect(isE164('+1 (555) 010-9999')).toBe(true);
    expect(isE164('07700 900123')).toBe(false);
    expect(isE164('+0 7700 900123')).toBe(false);
    expect(isE164('+44 77')).toBe(false);
    expect(isE164('+44 7700 9001x3')).toBe(false);
    expect(validateField('phone', values({ phone: '07700900123' }), TODAY)).toMatch(/international/);
    expect(validateField('phone', values({ phone: '' }), TODAY)).toBeUndefined();
  });

  it('checks the e-mail shape', () => {
    expect(isEmailShape('jane@example.org')).toBe(true);
    expect(isEmailShape('jane@localhost')).toBe(false);
    expect(isEmailShape('jane example.org')).toBe(false);
    expect(isEmailShape('a@b@c.org')).toBe(false);
    expect(isEmailShape('@example.org')).toBe(false);
    expect(validateField('email', values({ email: 'nope' }), TODAY)).toMatch(/name@example.org/);
  });

  it('limits name lengths like the core', () => {
    expect(validateField('family', values({ family: 'x'.repeat(101) }), TODAY)).toMatch(/too long/);
    expect(validateField('family', values({ family: 'x'.repeat(100) }), TODAY)).toBeUndefined();
  });
});

describe('what is sent', () => {
  it('trims, normalizes the phone, joins address lines and nulls empty optionals', () => {
    expect(
      toNewPatient(
        values({ given: ' Jane ', phone: '+44 7700 900123', address: '1 High Street\n\n Testville \n', sex: 'female' }),
      ),
    ).toEqual({
      given: 'Jane',
      family: 'Doe',
      dob: '1980-03-12',
      sex: 'female',
      phone: '+447700900123',
      email: null,
      address: '1 High Street, Testville',
    });
    expect(normalizePhone(' +44 (0)20-7946.0000 ')).toBe('+4402079460000');
    expect(normalizeAddress('a\r\nb')).toBe('a, b');
  });
});

describe('diffUpdate', () => {
  const p = patient();

  it('sends nothing when nothing changed (a reformatted phone is no change)', () => {
    const v = formFromPatient(p);
    expect(diffUpdate(p, v)).toEqual({});
    expect(isEmptyUpdate(diffUpdate(p, { ...v, phone: '+44 7700 900123', given: ' Jane ' }))).toBe(true);
  });

  it('sends only the changed fields', () => {
    const v = { ...formFromPatient(p), family: 'Smith', dob: '1980-03-13' };
    expect(diffUpdate(p, v)).toEqual({ family: 'Smith', dob: '1980-03-13' });
  });

  it('sends "" to clear an optional field', () => {
    const v = { ...formFromPatient(p), email: '', sex: '', address: '  ' };
    expect(diffUpdate(p, v)).toEqual({ email: '', sex: '', address: '' });
  });

  it('sets a field that was empty', () => {
    const bare = patient({ phone: null, email: null });
    const v = { ...formFromPatient(bare), phone: '+49 30 123456' };
    expect(diffUpdate(bare, v)).toEqual({ phone: '+4930123456' });
  });
});
