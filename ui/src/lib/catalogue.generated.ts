// Generated from the action catalogue (crates/proto/src/actions.rs) and the permission
// matrix (crates/core/src/perms.rs) by crates/core/tests/catalogue.rs. Do not edit:
// run `UPDATE_GENERATED=1 cargo test -p clinic-vault-core --test catalogue`.

/** Every audit action core records: wire name, resource type, alert level. */
export const ACTIONS = [
  { name: 'vault.create', resource: 'vault', level: 'routine' },
  { name: 'vault.rekey_begin', resource: 'vault', level: 'routine' },
  { name: 'vault.rekey', resource: 'vault', level: 'routine' },
  { name: 'vault.verify', resource: 'vault', level: 'routine' },
  { name: 'recovery_key.create', resource: 'vault', level: 'routine' },
  { name: 'recovery_key.rotate', resource: 'vault', level: 'routine' },
  { name: 'recovery_key.clear_lockout', resource: 'vault', level: 'routine' },
  { name: 'recovery.use', resource: 'user', level: 'routine' },
  { name: 'vault.clock_accept', resource: 'vault', level: 'alert' },
  { name: 'user.unlock', resource: 'user', level: 'routine' },
  { name: 'user.lock', resource: 'user', level: 'routine' },
  { name: 'user.lockout', resource: 'user', level: 'routine' },
  { name: 'user.first_login', resource: 'user', level: 'routine' },
  { name: 'user.add', resource: 'user', level: 'alert' },
  { name: 'user.disable', resource: 'user', level: 'routine' },
  { name: 'user.enable', resource: 'user', level: 'alert' },
  { name: 'user.reset_totp', resource: 'user', level: 'routine' },
  { name: 'user.clear_lockout', resource: 'user', level: 'routine' },
  { name: 'user.password_change', resource: 'user', level: 'routine' },
  { name: 'user.totp_enroll', resource: 'user', level: 'routine' },
  { name: 'user.totp_confirm', resource: 'user', level: 'routine' },
  { name: 'user.whoami', resource: 'user', level: 'routine' },
  { name: 'user.list', resource: 'user', level: 'routine' },
  { name: 'user.count_admins', resource: 'user', level: 'routine' },
  { name: 'audit.list', resource: 'audit', level: 'routine' },
  { name: 'audit.head', resource: 'audit', level: 'routine' },
  { name: 'audit.verify', resource: 'audit', level: 'routine' },
  { name: 'audit.redact', resource: 'audit', level: 'alert' },
  { name: 'journal.quarantine', resource: 'journal', level: 'routine' },
  { name: 'journal.attempt', resource: 'user', level: 'routine' },
  { name: 'journal.lockout', resource: 'user', level: 'routine' },
  { name: 'settings.read', resource: 'settings', level: 'routine' },
  { name: 'settings.update', resource: 'settings', level: 'routine' },
  { name: 'patient.search', resource: 'patient', level: 'routine' },
  { name: 'patient.view', resource: 'patient', level: 'routine' },
  { name: 'patient.create', resource: 'patient', level: 'routine' },
  { name: 'patient.update', resource: 'patient', level: 'routine' },
  { name: 'patient.archive', resource: 'patient', level: 'routine' },
  { name: 'patient.history', resource: 'patient', level: 'routine' },
  { name: 'note.view', resource: 'note', level: 'routine' },
  { name: 'note.create', resource: 'note', level: 'routine' },
  { name: 'note.addendum', resource: 'note', level: 'routine' },
  { name: 'note.void', resource: 'note', level: 'routine' },
  { name: 'prescription.view', resource: 'prescription', level: 'routine' },
  { name: 'prescription.create', resource: 'prescription', level: 'routine' },
  { name: 'prescription.void', resource: 'prescription', level: 'routine' },
  { name: 'consent.view', resource: 'consent', level: 'routine' },
  { name: 'consent.grant', resource: 'consent', level: 'routine' },
  { name: 'consent.withdraw', resource: 'consent', level: 'routine' },
  { name: 'scan.list', resource: 'scan', level: 'routine' },
  { name: 'scan.import', resource: 'scan', level: 'routine' },
  { name: 'scan.thumbnail', resource: 'scan', level: 'routine' },
  { name: 'scan.export', resource: 'scan', level: 'routine' },
  { name: 'scan.verify', resource: 'scan', level: 'routine' },
] as const;

/** An audit action's wire name. */
export type ActionName = (typeof ACTIONS)[number]['name'];

/** DESIGN §4: the roles each permission is granted to (core's `perms::allows`). */
export const PERMISSIONS = {
  demographics_read: ['receptionist', 'clinician', 'admin'],
  demographics_write: ['receptionist', 'clinician'],
  demographics_archive: ['receptionist', 'clinician'],
  demographics_history: ['receptionist', 'clinician'],
  clinical_read: ['clinician'],
  clinical_write: ['clinician'],
  clinical_history: ['clinician'],
  scan_import: ['receptionist', 'clinician'],
  scan_view: ['clinician'],
  consent_read: ['receptionist', 'clinician', 'admin'],
  consent_record: ['receptionist', 'clinician'],
  consent_withdraw: ['receptionist', 'clinician'],
  gdpr_log: ['receptionist', 'clinician', 'admin'],
  gdpr_fulfil: ['admin'],
  manage_users: ['admin'],
  manage_settings: ['admin'],
  rotate_keys: ['admin'],
  audit_review: ['admin'],
} as const;

/** A permission's name. */
export type PermissionName = keyof typeof PERMISSIONS;
