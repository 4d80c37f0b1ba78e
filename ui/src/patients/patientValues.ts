// The add/edit patient form's logic: values as typed, validation that mirrors the core's
// rules (so most mistakes are caught before a round trip), and what to send.

import type { NewPatient, Patient, PatientUpdate } from '../lib/ipc';
import { parseYmd } from './format';

export interface PatientFormValues {
  given: string;
  family: string;
  /** YYYY-MM-DD from <input type=date>, or '' */
  dob: string;
  /** '' (not recorded), female, male, other, unknown */
  sex: string;
  phone: string;
  email: string;
  address: string;
}

export type PatientField = keyof PatientFormValues;
export type FieldErrors = Partial<Record<PatientField, string>>;

export const FIELD_ORDER: PatientField[] = ['given', 'family', 'dob', 'sex', 'phone', 'email', 'address'];

export const SEX_OPTIONS: { value: string; label: string }[] = [
  { value: '', label: '—' },
  { value: 'female', label: 'Female' },
  { value: 'male', label: 'Male' },
  { value: 'other', label: 'Other' },
  { value: 'unknown', label: 'Unknown' },
];

const MAX_NAME = 100;
const MAX_ADDRESS = 500;

export function emptyForm(): PatientFormValues {
  return { given: '', family: '', dob: '', sex: '', phone: '', email: '', address: '' };
}

export function formFromPatient(p: Patient): PatientFormValues {
  return {
    given: p.given,
    family: p.family,
    dob: p.dob,
    sex: p.sex ?? '',
    phone: p.phone ?? '',
    email: p.email ?? '',
    address: p.address ?? '',
  };
}

/** `+44 7700 900123` → `+447700900123` (spaces, dots, dashes and parentheses removed, as the core does). */
export function normalizePhone(value: string): string {
  return value.trim().replace(/[\s.\-()]/g, '');
}

/** E.164: `+`, then 8–15 digits, not starting with 0. */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(normalizePhone(value));
}

/** One name@domain.tld, no spaces. */
export function isEmailShape(value: string): boolean {
  const v = value.trim();
  if (v.length > 254 || /\s/.test(v)) return false;
  const at = v.indexOf('@');
  if (at <= 0 || at !== v.lastIndexOf('@')) return false;
  const domain = v.slice(at + 1);
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => l !== '' && !l.startsWith('-') && !l.endsWith('-'));
}

/** The address is stored on one line: typed line breaks become ", ". */
export function normalizeAddress(value: string): string {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(', ');
}

function hasControl(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(value);
}

/** The error for one field, or undefined. `today` is `YYYY-MM-DD`. */
export function validateField(field: PatientField, v: PatientFormValues, today: string): string | undefined {
  switch (field) {
    case 'given':
    case 'family': {
      const label = field === 'given' ? 'Given name' : 'Family name';
      const s = v[field].trim();
      if (s === '') return `${label} is required`;
      if (hasControl(s)) return `${label} may not contain tabs or line breaks`;
      if ([...s].length > MAX_NAME) return `${label} is too long (at most ${MAX_NAME} characters)`;
      return undefined;
    }
    case 'dob': {
      const s = v.dob.trim();
      if (s === '') return 'Date of birth is required';
      const p = parseYmd(s);
      if (!p) return 'Enter a real date';
      if (s > today) return 'Date of birth cannot be in the future';
      if (p.y < 1900) return 'Date of birth cannot be before 1900';
      return undefined;
    }
    case 'sex':
      return ['', 'female', 'male', 'other', 'unknown'].includes(v.sex) ? undefined : 'Choose an option';
    case 'phone':
      if (v.phone.trim() === '') return undefined;
      return isE164(v.phone)
        ? undefined
        : 'Use international format: +, country code, number (e.g. +44 7700 900123)';
    case 'email':
      if (v.email.trim() === '') return undefined;
      return isEmailShape(v.email) ? undefined : 'Enter an address like name@example.org';
    case 'address': {
      const a = normalizeAddress(v.address);
      if ([...a].length > MAX_ADDRESS) return `Address is too long (at most ${MAX_ADDRESS} characters)`;
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v.address)) return 'Address may not contain tabs';
      return undefined;
    }
  }
}

export function validatePatient(v: PatientFormValues, today: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of FIELD_ORDER) {
    const e = validateField(f, v, today);
    if (e) errors[f] = e;
  }
  return errors;
}

function optional(value: string): string | null {
  const s = value.trim();
  return s === '' ? null : s;
}

/** The values as the core expects a new patient. */
export function toNewPatient(v: PatientFormValues): NewPatient {
  const phone = normalizePhone(v.phone);
  const address = normalizeAddress(v.address);
  return {
    given: v.given.trim(),
    family: v.family.trim(),
    dob: v.dob.trim(),
    sex: v.sex === '' ? null : v.sex,
    phone: phone === '' ? null : phone,
    email: optional(v.email),
    address: address === '' ? null : address,
  };
}

/** Only the fields that differ from `original`; a cleared optional field is sent as "". */
export function diffUpdate(original: Patient, v: PatientFormValues): PatientUpdate {
  const next = toNewPatient(v);
  const update: PatientUpdate = {};
  if (next.given !== original.given) update.given = next.given;
  if (next.family !== original.family) update.family = next.family;
  if (next.dob !== original.dob) update.dob = next.dob;
  const opt = ['sex', 'phone', 'email', 'address'] as const;
  for (const f of opt) {
    const before = original[f] ?? null;
    const after = next[f];
    const beforeCmp = f === 'phone' && before !== null ? normalizePhone(before) : before;
    if ((beforeCmp ?? '') !== (after ?? '')) update[f] = after ?? '';
  }
  return update;
}

export function isEmptyUpdate(u: PatientUpdate): boolean {
  return Object.keys(u).length === 0;
}
