// The PIN rules, mirroring core's `quick::pin` so the dialog can say what is wrong before
// anything is sent: 6–12 digits (spaces around ignored), not one digit repeated, not a
// run up or down (wrapping, so 890123 counts as a run). The core checks again.

export const PIN_MIN = 6;
export const PIN_MAX = 12;

export const PIN_RULES = [
  `${PIN_MIN} to ${PIN_MAX} digits`,
  'not one digit repeated (like 111111)',
  'not a run up or down (like 123456 or 987654)',
];

/** A PIN as core reads it: surrounding whitespace dropped. */
export function normalisePin(raw: string): string {
  return raw.trim();
}

/** Shaped like a PIN (what quick unlock accepts as an attempt). */
export function isPinShaped(raw: string): boolean {
  const pin = normalisePin(raw);
  return pin.length >= PIN_MIN && pin.length <= PIN_MAX && /^[0-9]+$/.test(pin);
}

/** Why a new PIN is refused, or null when it follows the rules. */
export function pinProblem(raw: string): string | null {
  const pin = normalisePin(raw);
  if (pin === '') return 'Enter a PIN.';
  if (!/^[0-9]+$/.test(pin)) return 'Use digits only.';
  if (pin.length < PIN_MIN || pin.length > PIN_MAX) return `A PIN is ${PIN_MIN} to ${PIN_MAX} digits.`;
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i += 1) steps.add((10 + pin.charCodeAt(i) - pin.charCodeAt(i - 1)) % 10);
  if (steps.size === 1) {
    const [step] = steps;
    if (step === 0) return 'That PIN is one digit repeated, which is guessed first. Choose another.';
    if (step === 1) return 'That PIN is a run up (like 123456), which is guessed first. Choose another.';
    if (step === 9) return 'That PIN is a run down (like 987654), which is guessed first. Choose another.';
  }
  return null;
}

/** Problems with the two fields of the set-PIN form (empty object: ready to send). */
export function checkNewPin(pin: string, confirm: string): { pin?: string; confirm?: string } {
  const problem = pinProblem(pin);
  if (problem) return { pin: problem };
  if (normalisePin(confirm) !== normalisePin(pin)) return { confirm: 'The two PINs are not the same.' };
  return {};
}
