// What the unlock screen says for each error code from unlock / first_login / recover_admin.

import { asIpcError } from '../lib/ipc';
import { errorMessage } from '../lib/errorWording';

export type UnlockProblem =
  | { kind: 'bad_credentials'; message: string }
  /** `retryAfterSecs` null: only an administrator (or the recovery key) can clear it. */
  | { kind: 'locked_out'; message: string; retryAfterSecs: number | null }
  | { kind: 'clock_error'; message: string; pcTimeUtc: string | null }
  | { kind: 'other'; code: string; message: string };

export const BAD_CREDENTIALS = 'Wrong user name, password or code.';
export const LOCKED_BY_ADMIN = 'Locked — an administrator must clear the lockout';
export const LOCKED_WAIT = 'Too many failed attempts. You can try again in';
export const CLOCK_BEHIND =
  "This PC's clock seems to be behind the time the vault last saw, so unlocking is paused. " +
  'Please set the correct date and time on this computer, then try again. If the clock is right ' +
  'now (it had run ahead earlier), an administrator can accept it: Use recovery key, then tick ' +
  '"This PC\'s clock is right".';

const FALLBACK: Record<string, string> = {
  vault_not_found: 'The vault could not be found. Ask your IT administrator to check where it is stored.',
  vault_too_new: 'This vault was made by a newer version of Clinic Vault. Please update the app.',
  corrupt: 'The vault failed an integrity check and cannot be opened. Contact your IT administrator.',
  internal: 'Something went wrong. Please try again.',
};

/** Maps any rejection of an unlock-type command to what the screen shows. */
export function unlockProblem(e: unknown): UnlockProblem {
  const err = asIpcError(e);
  switch (err.code) {
    case 'bad_credentials':
      return { kind: 'bad_credentials', message: BAD_CREDENTIALS };
    case 'locked_out': {
      const secs = typeof err.retry_after_secs === 'number' ? err.retry_after_secs : null;
      return { kind: 'locked_out', message: secs === null ? LOCKED_BY_ADMIN : LOCKED_WAIT, retryAfterSecs: secs };
    }
    case 'clock_error':
      return { kind: 'clock_error', message: CLOCK_BEHIND, pcTimeUtc: err.pc_time_utc ?? null };
    case 'bad_pin':
    case 'quick_unlock_unavailable':
    case 'quick_unlock_off':
    case 'full_unlock_required':
      return { kind: 'other', code: err.code, message: errorMessage(err) };
    default:
      return { kind: 'other', code: err.code, message: err.message || FALLBACK[err.code] || FALLBACK.internal };
  }
}

/** A code typed into the "6-digit code" field is exactly six digits (spaces ignored). */
export function normaliseCode(raw: string): string {
  return raw.replace(/\s+/g, '');
}

export function isSixDigitCode(raw: string): boolean {
  return /^\d{6}$/.test(normaliseCode(raw));
}
