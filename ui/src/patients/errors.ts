import { asIpcError } from '../lib/ipc';
import { errorMessage } from '../lib/errorWording';

/**
 * What to tell the user when a call fails: `forbidden` → "Your role cannot {action}.",
 * `not_found` → that the patient no longer exists (or `notFound`), the quick-unlock codes
 * → the shell's wording (lib/errorWording), anything else → the core's own message.
 */
export function errorText(e: unknown, action: string, notFound = 'This patient no longer exists.'): string {
  const err = asIpcError(e);
  if (err.code === 'forbidden') return `Your role cannot ${action}.`;
  if (err.code === 'not_found') return notFound;
  return errorMessage(err);
}
