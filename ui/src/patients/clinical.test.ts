import { describe, expect, it } from 'vitest';
import { emptyRx, newestFirst, threadNotes, toNewPrescription, validateRx } from './clinical';
import { errorText } from './errors';
import { note, rx } from './fixtures';
import { permissionsFor } from './permissions';

describe('threadNotes', () => {
  it('orders notes oldest first and nests addenda under their note', () => {
    const notes = [
      note({ id: 'b', created_us: 20 }),
      note({ id: 'a2', addendum_to: 'a', created_us: 40 }),
      note({ id: 'a', created_us: 10 }),
      note({ id: 'a1', addendum_to: 'a', created_us: 30 }),
      note({ id: 'orphan', addendum_to: 'gone', created_us: 50 }),
    ];
    const t = threadNotes(notes);
    expect(t.map((x) => x.note.id)).toEqual(['a', 'b', 'orphan']);
    expect(t[0].addenda.map((x) => x.id)).toEqual(['a1', 'a2']);
    expect(t[1].addenda).toEqual([]);
  });
});

describe('prescriptions', () => {
  it('lists newest first', () => {
    expect(newestFirst([rx({ id: 'old', created_us: 1 }), rx({ id: 'new', created_us: 2 })]).map((r) => r.id)).toEqual([
      'new',
      'old',
    ]);
  });

  it('requires drug, strength, dose and frequency', () => {
    const e = validateRx(emptyRx());
    expect(Object.keys(e).sort()).toEqual(['dose', 'drug', 'frequency', 'strength']);
    expect(validateRx({ ...emptyRx(), drug: 'A', strength: 'B', dose: 'C', frequency: 'D' })).toEqual({});
  });

  it('sends trimmed values and null optionals', () => {
    expect(
      toNewPrescription({ drug: ' A ', strength: 'B', dose: 'C', frequency: 'D', duration: ' ', instructions: 'with food' }),
    ).toEqual({ drug: 'A', strength: 'B', dose: 'C', frequency: 'D', duration: null, instructions: 'with food', scans: [] });
    expect(
      toNewPrescription({ drug: 'A', strength: 'B', dose: 'C', frequency: 'D', duration: '', instructions: '' }, ['s-1'])
        .scans,
    ).toEqual(['s-1']);
  });
});

describe('errorText', () => {
  it('speaks calmly about forbidden and missing records', () => {
    expect(errorText({ code: 'forbidden', message: 'x' }, 'view clinical notes')).toBe(
      'Your role cannot view clinical notes.',
    );
    expect(errorText({ code: 'not_found', message: 'x' }, 'a')).toBe('This patient no longer exists.');
    expect(errorText({ code: 'invalid_input', message: "phone '1' is not valid" }, 'a')).toBe("Phone '1' is not valid");
    expect(errorText('bare', 'a')).toBe('Bare');
  });
});

describe('permissionsFor', () => {
  it('follows the roles matrix', () => {
    expect(permissionsFor('receptionist')).toEqual({
      writeDemographics: true,
      history: true,
      recordConsent: true,
      clinical: false,
    });
    expect(permissionsFor('clinician')).toEqual({
      writeDemographics: true,
      history: true,
      recordConsent: true,
      clinical: true,
    });
    expect(permissionsFor('admin')).toEqual({
      writeDemographics: false,
      history: false,
      recordConsent: false,
      clinical: false,
    });
  });
});
