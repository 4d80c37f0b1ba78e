// The one module that talks to the Rust shell. Components import these functions and
// types; nothing else calls `invoke` or `listen`. The types mirror the Rust structs that
// src-tauri/src/commands.rs returns (src-tauri/tests/contract.rs checks that every
// command named here is registered and granted to the main window).

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

// ---------------------------------------------------------------------------- errors

/** Every failed command rejects with this shape (core's error codes). */
export interface IpcError {
  /** bad_credentials, locked_out, clock_error, forbidden, not_found, invalid_input,
   *  conflict, vault_not_found, vault_too_new, corrupt, internal, locked (no session),
   *  enrollment_expired (a first login's or recovery's setup page timed out),
   *  bad_pin (wrong PIN; the message says how many attempts are left),
   *  quick_unlock_unavailable (a PIN cannot be used now: the message says why),
   *  quick_unlock_off (an admin turned quick unlock off), full_unlock_required (a PIN
   *  session lacks the private key a few admin actions need). */
  code: string;
  /** A sentence for the user. */
  message: string;
  /** With locked_out: seconds until the next attempt is allowed (absent: until an admin clears it). */
  retry_after_secs?: number | null;
  /** With clock_error: this PC's time (UTC, ISO 8601), to show next to the explanation. */
  pc_time_utc?: string | null;
  /** With invalid_input: the field that broke a rule (core's name: `dob`, `phone`, …). */
  field?: string | null;
}

/** Narrows an unknown rejection to an IpcError (a bare string becomes `internal`). */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as Record<string, unknown>;
    return {
      code: String(o.code),
      message: String(o.message),
      retry_after_secs: (o.retry_after_secs as number | null | undefined) ?? null,
      pc_time_utc: (o.pc_time_utc as string | null | undefined) ?? null,
      ...(typeof o.field === 'string' ? { field: o.field } : {}),
    };
  }
  return { code: 'internal', message: typeof e === 'string' ? e : 'Something went wrong.' };
}

// ---------------------------------------------------------------------------- session

export type Role = 'receptionist' | 'clinician' | 'admin';

/** Why the vault was locked (the `session-locked` event). */
export type LockReason =
  | 'manual'
  | 'idle'
  | 'session_limit'
  | 'os_lock'
  | 'suspend'
  /** "Lock and require password": the user's PIN was wiped. */
  | 'require_password'
  /** "Switch user": locked so the next person can unlock. */
  | 'switch_user';

/** The vault's quick-unlock settings (readable by any role, changed by admins). */
export interface QuickUnlockSettings {
  /** Staff may set a PIN and come back with it after a lock. */
  allowed: boolean;
  /** Everyone must set a PIN after a password unlock (only with `allowed`). */
  pin_required: boolean;
  /** How long after a password unlock a PIN still works, 900–86400 seconds. */
  window_secs: number;
}

/** A user who can unlock with their PIN on this PC now. */
export interface ArmedUser {
  user: string;
  /** Wrong PINs left before the PIN is wiped. */
  attempts_left: number;
}

export interface SessionInfo {
  user: string;
  role: Role;
  /** Idle auto-lock after this many seconds without input. */
  idle_lock_secs: number;
  /** Absolute session limit, seconds from unlock. */
  session_limit_secs: number;
  /** For admins: how many enabled admins exist (the UI reminds until there are 2). Null for others. */
  enabled_admins: number | null;
  /** This user set a PIN in this session (it arms at the next lock). */
  has_pin: boolean;
  /** This session was opened with a PIN: it holds no private key, so a few admin actions
   *  answer `full_unlock_required`. */
  pin_session: boolean;
  /** The vault's quick-unlock settings. */
  quick_unlock: QuickUnlockSettings;
}

export interface AppStatus {
  /** `none`: no vault yet (first run). `present`: a vault exists. */
  vault: 'none' | 'present';
  /** Where the vault lives (for the IT admin). */
  vault_dir: string;
  /** User names that can be picked on the unlock screen (from the key slots). */
  users: string[];
  /** Users who can unlock with their PIN now, in name order (listed first when unlocking). */
  quick_users: ArmedUser[];
  /** The unlocked session, if any (e.g. after a UI reload). */
  session: SessionInfo | null;
  /** This PC's time, UTC ISO 8601. */
  pc_time_utc: string;
  /** App version. */
  version: string;
  /** A local sync server the run script started, whose enrollment code the app holds
   *  (`enrollDevice({ offered: true })` uses it); null otherwise. */
  offered_server: string | null;
}

/** A TOTP enrollment: shown once, removed from the page when dismissed. */
export interface Enrollment {
  /** otpauth:// URI (also typed into an authenticator by hand if the QR cannot be scanned). */
  totp_uri: string;
  /** The QR code of the URI as SVG markup generated by the shell. */
  qr_svg: string;
  /** The base32 secret, for manual entry. */
  secret: string;
}

export interface CreatedVault {
  session: SessionInfo;
  enrollment: Enrollment;
  /** Shown once with an explicit "I have stored it" step. */
  recovery_key: string;
}

export interface UnlockResult {
  session: SessionInfo;
  /** Set when the code typed was a TOTP reset code: enroll again, then confirm_totp. */
  enrollment: Enrollment | null;
}

export interface PolicyReport {
  acceptable: boolean;
  /** zxcvbn 0–4. */
  score: number;
  problems: string[];
}

export const appStatus = () => invoke<AppStatus>('app_status');
/** Live password feedback from the core policy (the CLI uses the same one). */
export const checkPassword = (user: string, password: string) =>
  invoke<PolicyReport>('check_password', { user, password });
export const createVault = (admin: string, password: string) =>
  invoke<CreatedVault>('create_vault', { admin, password });
/** Confirms a pending TOTP enrollment with a code from the authenticator. */
export const confirmTotp = (code: string) => invoke<SessionInfo>('confirm_totp', { code });
export const unlock = (user: string, password: string, code: string) =>
  invoke<UnlockResult>('unlock', { user, password, code });
/** First login of a new user: returns the enrollment; then `finishEnrollment(code)`. */
export const firstLogin = (user: string, oneTimePassword: string, newPassword: string) =>
  invoke<Enrollment>('first_login', { user, oneTimePassword, newPassword });
/** An admin's recovery: returns the enrollment; then `finishEnrollment(code)`. */
/** `acceptClock`: the PC's clock is right although the vault saw a later time (a clock
 *  that had run ahead was corrected); accepted and audited with both times. */
export const recoverAdmin = (admin: string, recoveryKey: string, newPassword: string, acceptClock = false) =>
  invoke<Enrollment>('recover_admin', { admin, recoveryKey, newPassword, acceptClock });
/** Unlocks with the password given to firstLogin/recoverAdmin (held in Rust) and the new code. */
export const finishEnrollment = (code: string) =>
  invoke<SessionInfo>('finish_enrollment', { code });
/** Abandons a started first login or recovery (forgets the password held in Rust). */
export const cancelEnrollment = () => invoke<void>('cancel_enrollment');
/** Locks; the user's PIN, if set, stays armed ("step away", also "Switch user"). */
/** Locks; `switch_user` when another user is about to unlock (the audit trail says so).
 *  Either way a PIN this user set stays armed. */
export const lock = (reason?: 'switch_user') => invoke<void>('lock', reason ? { reason } : {});
/** Locks and wipes this user's PIN: the next unlock needs the password and code. */
export const lockRequirePassword = () => invoke<void>('lock_require_password');
/** Sets this user's PIN (6–12 digits, not guessable); it arms at the next lock.
 *  Rejects with `invalid_input` (field `pin`), `quick_unlock_off` or `quick_unlock_unavailable`. */
export const setPin = (pin: string) => invoke<SessionInfo>('set_pin', { pin });
/** Unlocks an armed user with their PIN. Rejects with `bad_pin`, `quick_unlock_unavailable`
 *  or `invalid_input`; after any failure re-read `appStatus` for `quick_users`. */
export const quickUnlock = (user: string, pin: string) => invoke<SessionInfo>('quick_unlock', { user, pin });
/** Real user input (keys, pointer, scroll), throttled by the caller; resets the idle timer. */
export const reportActivity = () => invoke<void>('report_activity');
export const sessionInfo = () => invoke<SessionInfo>('session_info');
/** Copies text to the clipboard; the shell clears it again at lock if it still holds it. */
export const copyText = (text: string) => invoke<void>('copy_text', { text });

/** The shell locked the vault (idle, session limit, OS lock, suspend, or another window). */
export function onLocked(handler: (reason: LockReason) => void): Promise<UnlistenFn> {
  return listen<LockReason>('session-locked', (event) => handler(event.payload));
}

/** A first login's or recovery's setup page waited longer than the idle timeout; the
 *  shell has forgotten the new password (the `enrollment-expired` event). */
export interface ExpiredEnrollment {
  /** Who was enrolling (preselected on the unlock screen). */
  user: string;
  kind: 'first_login' | 'recovery';
  idle_lock_secs: number;
  /** What the unlock screen says. */
  message: string;
}

/** The shell closed an unattended setup page: drop the QR code and the setup key. */
export function onEnrollmentExpired(handler: (expired: ExpiredEnrollment) => void): Promise<UnlistenFn> {
  return listen<ExpiredEnrollment>('enrollment-expired', (event) => handler(event.payload));
}

// ---------------------------------------------------------------------------- patients

export interface NewPatient {
  given: string;
  family: string;
  /** YYYY-MM-DD */
  dob: string;
  /** female, male, other, unknown */
  sex: string | null;
  /** E.164, e.g. +447700900123 */
  phone: string | null;
  email: string | null;
  address: string | null;
}

/** Fields to change: absent/null leaves a field, "" clears an optional one. */
export interface PatientUpdate {
  given?: string | null;
  family?: string | null;
  dob?: string | null;
  sex?: string | null;
  phone?: string | null;
  email?: string | null;
  address?: string | null;
}

export interface Patient {
  id: string;
  mrn: string;
  given: string;
  family: string;
  dob: string;
  sex: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  archived: boolean;
  created_us: number;
  created_by: string;
  updated_us: number;
  updated_by: string;
  version: number;
  hlc: string;
}

export interface PatientRef {
  id: string;
  mrn: string;
}

export interface SearchHit {
  /** mrn, dob, family, given or phone */
  matched: string;
  patient: Patient;
}

export interface HistoryEntry {
  changed_us: number;
  changed_by: string;
  field: string;
  before: string | null;
  after: string | null;
}

export interface Void {
  voided_us: number;
  voided_by: string;
  reason: string;
}

export interface Note {
  id: string;
  patient_id: string;
  addendum_to: string | null;
  author: string;
  created_us: number;
  text: string;
  void: Void | null;
}

export interface NewPrescription {
  drug: string;
  strength: string;
  dose: string;
  frequency: string;
  duration: string | null;
  instructions: string | null;
  /** The scans it was written from (the patient's own). */
  scans: string[];
}

export interface Prescription extends NewPrescription {
  id: string;
  patient_id: string;
  prescriber: string;
  /** YYYY-MM-DD */
  date: string;
  created_us: number;
  void: Void | null;
}

export type ConsentPurpose = 'treatment' | 'data_processing' | 'reminders' | 'research';

export interface Consent {
  id: string;
  patient_id: string;
  purpose: ConsentPurpose;
  status: 'granted' | 'withdrawn';
  decided_us: number;
  given_by: string;
  recorded_by: string;
  current: boolean;
}

export const searchPatients = (query: string, includeArchived = false, limit = 50) =>
  invoke<SearchHit[]>('search_patients', { query, includeArchived, limit });
export const showPatient = (id: string) => invoke<Patient>('show_patient', { id });
/** Adds a patient; a likely duplicate rejects with `conflict` unless `force`. */
export const addPatient = (patient: NewPatient, force = false) =>
  invoke<PatientRef>('add_patient', { patient, force });
export const updatePatient = (id: string, update: PatientUpdate) =>
  invoke<Patient>('update_patient', { id, update });
export const archivePatient = (id: string) => invoke<void>('archive_patient', { id });
export const patientHistory = (id: string) => invoke<HistoryEntry[]>('patient_history', { id });
export const listConsents = (patientId: string) =>
  invoke<Consent[]>('list_consents', { patientId });
export const grantConsent = (patientId: string, purpose: ConsentPurpose, givenBy: string | null) =>
  invoke<Consent>('grant_consent', { patientId, purpose, givenBy });
export const withdrawConsent = (patientId: string, purpose: ConsentPurpose) =>
  invoke<Consent>('withdraw_consent', { patientId, purpose });
export const listNotes = (patientId: string) => invoke<Note[]>('list_notes', { patientId });
export const addNote = (patientId: string, text: string) =>
  invoke<Note>('add_note', { patientId, text });
export const addAddendum = (noteId: string, text: string) =>
  invoke<Note>('add_addendum', { noteId, text });
export const voidNote = (noteId: string, reason: string) =>
  invoke<void>('void_note', { noteId, reason });
export const listPrescriptions = (patientId: string) =>
  invoke<Prescription[]>('list_prescriptions', { patientId });
export const addPrescription = (patientId: string, rx: NewPrescription) =>
  invoke<Prescription>('add_prescription', { patientId, rx });
export const voidPrescription = (rxId: string, reason: string) =>
  invoke<void>('void_prescription', { rxId, reason });

// ---------------------------------------------------------------------------- admin

export interface UserSummary {
  name: string;
  role: Role;
  enabled: boolean;
  /** one_time until first login, then set */
  password: string;
  /** none, pending, confirmed, reset */
  totp: string;
  failed_attempts: number;
  locked_out: boolean;
}

/** A user just added or re-enabled: the one-time password is shown once. */
export interface AddedUser {
  user: string;
  role: Role;
  one_time_password: string;
  expires_us: number;
}

export interface AuditEvent {
  id: string;
  time_us: number;
  device_id: string;
  seq: number;
  actor: string;
  role: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  patient_id: string | null;
  /** success, failure, denied */
  outcome: string;
  changed_fields: string[];
  /** 2 for a v2 event (its hash covers its local detail); absent for v1 events. */
  format?: number;
  /** v2: hex digest of the salted local detail and search hits. */
  detail_digest?: string;
}

export interface ListedEvent {
  seq: number;
  prev_hash: string;
  hash: string;
  event: AuditEvent;
  detail?: unknown;
  /** Patients the event's search showed (local). */
  search_hits?: string[];
  /** Hex salt of a v2 event's detail digest (local); gone after a redaction. */
  salt?: string;
  /** The audit.redact event that removed this event's local detail. */
  redacted_by?: number;
}

export interface AuditQuery {
  actor?: string | null;
  action?: string | null;
  patient?: string | null;
  /** Inclusive lower bound, µs since the epoch. */
  since_us?: number | null;
  /** Exclusive upper bound, µs since the epoch. */
  until_us?: number | null;
  /** Newest N (default 200). */
  limit?: number | null;
}

export interface VerifyReport {
  pages: number;
  audit: {
    n_events: number;
    n_v1_events: number;
    n_v2_events: number;
    n_redacted: number;
    head: string;
  };
}

export interface Settings {
  /** 60–3600 */
  idle_lock_secs: number;
  /** 3600–86400 */
  session_limit_secs: number;
}

export const listUsers = () => invoke<UserSummary[]>('list_users');
export const addUser = (name: string, role: Role) => invoke<AddedUser>('add_user', { name, role });
/** What disabling asks next: an admin may know the recovery key, which still works. */
export interface Disabled {
  rotate_recovery_key: boolean;
}
export const disableUser = (name: string) => invoke<Disabled>('disable_user', { name });
export const enableUser = (name: string) => invoke<AddedUser>('enable_user', { name });
/** Returns the TOTP reset code to hand to the user (shown once). */
export const resetTotp = (name: string) => invoke<string>('reset_totp', { name });
export const clearLockout = (name: string) => invoke<void>('clear_lockout', { name });
/** Rotates the data key (re-encrypts the vault). */
export const rotateDataKey = () => invoke<void>('rotate_data_key');
/** Returns the new recovery key (shown once). */
export const rotateRecoveryKey = () => invoke<string>('rotate_recovery_key');
/** Clears the recovery key's failed-attempt counter. */
export const clearRecoveryLockout = () => invoke<void>('clear_recovery_lockout');
export const auditList = (query: AuditQuery) => invoke<ListedEvent[]>('audit_list', { query });
/** Authenticates every page and verifies the audit chain. */
export const verifyVault = () => invoke<VerifyReport>('verify_vault');
/** Resets another user's password (and authenticator): the one-time password is shown once. */
export const resetPassword = (name: string) => invoke<AddedUser>('reset_password', { name });
/** Changes another user's role; returns the role they had. */
export const changeRole = (name: string, role: Role) => invoke<Role>('change_role', { name, role });
export const getSettings = () => invoke<Settings>('get_settings');
export const setSettings = (settings: Settings) => invoke<Settings>('set_settings', { settings });
export const getQuickUnlockSettings = () => invoke<QuickUnlockSettings>('get_quick_unlock_settings');
/** Admins only; a change disarms every PIN on this PC (everyone uses their password next). */
export const setQuickUnlockSettings = (settings: QuickUnlockSettings) =>
  invoke<QuickUnlockSettings>('set_quick_unlock_settings', { settings });

// ---------------------------------------------------------------------------- scans

export type ScanKind = 'jpeg' | 'png' | 'tiff' | 'pdf';

/** A stored scan as a list shows it: what it is, never its content. */
export interface ScanSummary {
  id: string;
  patient_id: string;
  kind: ScanKind;
  pages: number;
  width: number;
  height: number;
  /** EXIF orientation of the original (1–8; 1 is upright). */
  orientation: number;
  /** Size of the stripped file, bytes. */
  bytes: number;
  /** What stripping removed (exif, xmp, comment, …). */
  removed: string[];
  imported_us: number;
  imported_by: string;
  /** `thumbnail` for a role that may view scans; `icon` otherwise. */
  preview: 'thumbnail' | 'icon';
  /** Prescriptions written from it. */
  prescriptions: string[];
}

/** A scan open in the viewer. */
export interface OpenedScan {
  scan_id: string;
  /** This opening's number: its page URLs are never served again once it closes. */
  opening: number;
  kind: ScanKind;
  pages: number;
  orientation: number;
  /** The first page's size in pixels, as stored (0 for a PDF). */
  width: number;
  height: number;
  /** A large photo's screen rendition (the page halved until it fits 2048 pixels): shown
   *  first, the page itself only when zoomed past it. Null when there is none. */
  screen: { width: number; height: number } | null;
}

/** A scanner SANE can reach. */
export interface ScanDevice {
  name: string;
  vendor: string;
  model: string;
  kind: string;
}

export type ColourMode = 'color' | 'gray' | 'lineart';

/** Pages scanned at the desk, waiting to be imported as one scan. */
export interface AcquiredPages {
  patient_id: string;
  pages: number;
}

export const listScans = (patientId: string) =>
  invoke<ScanSummary[]>('list_scans', { patientId });
/** Where the page uploads a file to import (the app's `cvupload:` scheme). */
export const SCAN_UPLOAD_URL = 'cvupload://localhost/scan';

let uploadKey: Promise<string> | null = null;

/** One file's bytes (read by the page from a file picker or a drop), POSTed to the app's
 *  upload scheme with the run's key: the app gets them owned, not as a borrowed IPC body,
 *  so a large PDF needs one copy less. Rejects with an IpcError like a command. */
export async function importScan(patientId: string, bytes: Uint8Array<ArrayBuffer>): Promise<ScanSummary> {
  uploadKey ??= invoke<string>('scan_upload_key').catch((e) => {
    uploadKey = null;
    throw e;
  });
  const key = await uploadKey;
  let res: Response;
  try {
    res = await fetch(SCAN_UPLOAD_URL, {
      method: 'POST',
      body: bytes,
      headers: { 'patient-id': patientId, 'upload-key': key, 'content-type': 'application/octet-stream' },
    });
  } catch {
    throw { code: 'internal', message: 'The file could not be handed to the app.' } satisfies IpcError;
  }
  const answer: unknown = await res.json().catch(() => null);
  if (!res.ok) throw asIpcError(answer ?? `The app answered ${res.status}.`);
  return answer as ScanSummary;
}
export const openScan = (scanId: string) => invoke<OpenedScan>('open_scan', { scanId });
export const closeScan = () => invoke<void>('close_scan');
export const scanDevices = () => invoke<ScanDevice[]>('scan_devices');
export const acquirePage = (patientId: string, device: string | null, dpi: number, mode: ColourMode) =>
  invoke<AcquiredPages>('acquire_page', { patientId, device, dpi, mode });
export const importAcquired = (patientId: string) =>
  invoke<ScanSummary>('import_acquired', { patientId });
export const discardAcquired = () => invoke<void>('discard_acquired');

/** A decrypted copy saved outside the vault. */
export interface ExportedCopy {
  /** The file written (absolute). */
  path: string;
  /** Its folder (the user's Downloads folder, or the one the IT admin set). */
  folder: string;
  bytes: number;
}

/** Saves a copy of the scan open in the viewer into the Downloads folder (audited). */
export const exportScan = (scanId: string, opening: number) =>
  invoke<ExportedCopy>('export_scan', { scanId, opening });

/** Files dropped on the window from the desktop (the `files-dropped` event). The paths
 *  stay in the shell: the page imports them by `token` and index. */
export interface DroppedFiles {
  token: string;
  /** The files' names, in the drop's order. */
  names: string[];
  /** Where they landed, from the window's top left (GTK's pixels, which are CSS pixels
   *  at the app's zoom). */
  x: number;
  y: number;
}
/** A drop happened on the window while unlocked. */
export function onFilesDropped(handler: (dropped: DroppedFiles) => void): Promise<UnlistenFn> {
  return listen<DroppedFiles>('files-dropped', (event) => handler(event.payload));
}
/** Files are dragged over the window (`{x, y}`), or left it (`null`). */
export function onFilesHover(handler: (at: { x: number; y: number } | null) => void): Promise<UnlistenFn> {
  return listen<{ x: number; y: number } | null>('files-hover', (event) => handler(event.payload));
}
/** Imports file `index` of a drop as a scan of the patient. */
export const importDropped = (token: string, index: number, patientId: string) =>
  invoke<ScanSummary>('import_dropped', { token, index, patientId });
/** Forgets a drop that lands nowhere. */
export const forgetDropped = () => invoke<void>('forget_dropped');

/** Image URLs of the app's `cvscan:` scheme (answered only while unlocked). */
export const scanImage = {
  thumbnail: (scanId: string) => `cvscan://localhost/thumb/${encodeURIComponent(scanId)}`,
  page: (scanId: string, opening: number, page: number) =>
    `cvscan://localhost/page/${encodeURIComponent(scanId)}/${opening}/${page}`,
  screen: (scanId: string, opening: number) =>
    `cvscan://localhost/screen/${encodeURIComponent(scanId)}/${opening}`,
  acquired: (patientId: string, page: number, pages: number) =>
    // `pages` makes each new scan's previews new URLs (nothing is cached: no-store).
    `cvscan://localhost/acquired/${encodeURIComponent(patientId)}/${page}?of=${pages}`,
};

// ---------------------------------------------------------------------------- sync

/** Where the workstation's sync with the clinic's server stands.
 *  `waiting`: backing off after a failure that is not "offline" (e.g. 429/5xx).
 *  `halted`: stopped until an admin acts (chain cut or rewritten, the server lost data,
 *  this device was revoked or refused). */
export type SyncState = 'not_enrolled' | 'synced' | 'syncing' | 'waiting' | 'offline' | 'halted';

export interface SyncError {
  code: string;
  /** Plain words written by the shell: shown as is. */
  message: string;
  at_us: number;
}

/** A point of the audit chain. */
export interface ChainPoint {
  seq: number;
  /** 64 hex digits. */
  hash: string;
}

export interface SyncStatus {
  state: SyncState;
  /** Null when not enrolled. */
  server_url: string | null;
  /** The name the server's admin gave this PC's token. */
  workstation: string | null;
  device_id: string;
  /** Audit events not yet acknowledged by the server. */
  events_waiting: number;
  /** Scan uploads and deletions waiting. */
  scans_waiting: number;
  /** µs since the epoch, UTC. */
  last_success_us: number | null;
  /** When the worker tries again (offline, waiting), else null. */
  next_attempt_us: number | null;
  /** Cleared by a successful sync. */
  last_error: SyncError | null;
  local_head: ChainPoint;
  /** The server's signed receipt kept in the vault. */
  anchor: (ChainPoint & { server_time_us: number }) | null;
}

/** How an admin enrolls this workstation: the one `cvenroll1:` code the server's admin
 *  page shows, or its address and a token, or the code the run script handed the app. */
export type EnrollRequest = { code: string } | { url: string; token: string } | { offered: true };

/** Any role. */
export const syncStatus = () => invoke<SyncStatus>('sync_status');
/** Any role; wakes the sync worker and returns at once. */
export const syncNow = () => invoke<SyncStatus>('sync_now');
/** Admins only; enrolling again replaces this workstation's registration. */
export const enrollDevice = (req: EnrollRequest) => invoke<SyncStatus>('enroll_device', { req });
/** Admins only; the PC stops syncing (audited). What is queued stays in the vault. */
export const forgetServer = () => invoke<SyncStatus>('forget_server');

/** The sync status changed (also after every sync cycle). */
export function onSyncStatus(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  return listen<SyncStatus>('sync-status', (event) => handler(event.payload));
}
