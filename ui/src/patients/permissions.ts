import type { Role } from '../lib/ipc';

/** What each role may see and do on the patient screens (DESIGN §4). */
export interface PatientPermissions {
  /** Add, edit and archive demographics. */
  writeDemographics: boolean;
  /** See the demographics change history. */
  history: boolean;
  /** Record and withdraw consents. */
  recordConsent: boolean;
  /** Read and write clinical notes and prescriptions. */
  clinical: boolean;
}

export function permissionsFor(role: Role): PatientPermissions {
  const staff = role === 'receptionist' || role === 'clinician';
  return {
    writeDemographics: staff,
    history: staff,
    recordConsent: staff,
    clinical: role === 'clinician',
  };
}
