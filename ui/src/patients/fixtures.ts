// Test data (fictional) shared by the patient tests.
import type { Consent, Note, Patient, Prescription, SearchHit } from '../lib/ipc';

export function patient(over: Partial<Patient> = {}): Patient {
  return {
    id: 'p-1',
    mrn: 'CLIN-000123',
    given: 'Jane',
    family: 'Doe',
    dob: '1980-03-12',
    sex: 'female',
    phone: '+447700900123',
    email: 'jane@example.org',
    address: '1 High Street, Testville',
    archived: false,
    created_us: 1_700_000_000_000_000,
    created_by: 'rita',
    updated_us: 1_700_000_100_000_000,
    updated_by: 'rita',
    version: 1,
    hlc: '0',
    ...over,
  };
}

export function hit(over: Partial<Patient> = {}, matched = 'family'): SearchHit {
  return { matched, patient: patient(over) };
}

export function note(over: Partial<Note> = {}): Note {
  return {
    id: 'n-1',
    patient_id: 'p-1',
    addendum_to: null,
    author: 'dr.kim',
    created_us: 1_700_000_000_000_000,
    text: 'Seen today.',
    void: null,
    ...over,
  };
}

export function rx(over: Partial<Prescription> = {}): Prescription {
  return {
    id: 'rx-1',
    patient_id: 'p-1',
    prescriber: 'dr.kim',
    date: '2024-03-12',
    created_us: 1_700_000_000_000_000,
    drug: 'Amoxicillin',
    strength: '500 mg',
    dose: '1 capsule',
    frequency: 'three times a day',
    duration: '7 days',
    instructions: null,
    scans: [],
    void: null,
    ...over,
  };
}

export function consent(over: Partial<Consent> = {}): Consent {
  return {
    id: 'c-1',
    patient_id: 'p-1',
    purpose: 'treatment',
    status: 'granted',
    decided_us: 1_700_000_000_000_000,
    given_by: 'patient',
    recorded_by: 'rita',
    current: true,
    ...over,
  };
}
