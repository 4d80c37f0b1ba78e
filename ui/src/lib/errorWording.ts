// The shell's sentences for the quick-unlock error codes, shared by every place that
// words an IpcError (unlock screen, admin views, patients). Codes whose core message
// carries data (attempts left, why a PIN cannot be used) keep that message.

import { asIpcError, type IpcError } from './ipc';

export const FULL_UNLOCK_REQUIRED =
  'This needs a full unlock with your password and code: lock and unlock again with them.';
export const QUICK_UNLOCK_OFF = 'Quick unlock with a PIN is turned off for this clinic.';
export const QUICK_UNLOCK_UNAVAILABLE =
  'Quick unlock cannot be used now: unlock with your password and the code from your authenticator.';
export const BAD_PIN = 'Wrong PIN.';

/** Our own sentence for a code, or null when the core's message is the one to show. */
const OWN: Record<string, string> = {
  full_unlock_required: FULL_UNLOCK_REQUIRED,
  quick_unlock_off: QUICK_UNLOCK_OFF,
};

/** Used only when the core sent no message. */
const FALLBACK: Record<string, string> = {
  bad_pin: BAD_PIN,
  quick_unlock_unavailable: QUICK_UNLOCK_UNAVAILABLE,
};

/** What to show for an error: our wording for the quick-unlock codes, else the core's message. */
export function errorMessage(e: unknown): string {
  const err: IpcError = asIpcError(e);
  const own = OWN[err.code];
  if (own) return own;
  const m = err.message.trim();
  if (m !== '') return m.charAt(0).toUpperCase() + m.slice(1);
  return FALLBACK[err.code] ?? 'Something went wrong.';
}
