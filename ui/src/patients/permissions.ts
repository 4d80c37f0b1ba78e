import { PERMISSIONS, type PermissionName } from '../lib/catalogue.generated';
import type { Role } from '../lib/ipc';

/** Whether core's permission matrix (DESIGN §4, generated from `perms::allows`) grants
 *  `permission` to `role`. Core checks every call again; this only shapes the screens. */
export function allows(role: Role, permission: PermissionName): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** What each role may see and do on the patient screens. */
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
  return {
    writeDemographics: allows(role, 'demographics_write') && allows(role, 'demographics_archive'),
    history: allows(role, 'demographics_history'),
    recordConsent: allows(role, 'consent_record') && allows(role, 'consent_withdraw'),
    clinical: allows(role, 'clinical_read') && allows(role, 'clinical_write'),
  };
}
