import { asIpcError } from '../lib/ipc';

/**
 * What to tell the user when a call fails: `forbidden` → "Your role cannot {action}.",
 * `not_found` → that the patient no longer exists (or `notFound`), anything else → the
 * core's own message.
 */
export function errorText(e: unknown, action: string, notFound = 'This patient no longer exists.'): string {
  const err = asIpcError(e);
  if (err.code === 'forbidden') return `Your role cannot ${action}.`;
  if (err.code === 'not_found') return notFound;
  const m = err.message.trim();
  if (m === '') return 'Something went wrong.';
  return m.charAt(0).toUpperCase() + m.slice(1);
}
