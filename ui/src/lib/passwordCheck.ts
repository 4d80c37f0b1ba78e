// Live password feedback: asks the core policy (check_password) after the user pauses
// typing, and drops answers that arrive after the password has changed again.

import { asIpcError, type PolicyReport } from './ipc';

export type CheckState =
  | { status: 'empty' }
  | { status: 'checking' }
  | { status: 'done'; report: PolicyReport }
  | { status: 'error'; message: string };

export const CHECK_DELAY_MS = 250;

export class PasswordChecker {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;

  constructor(
    private readonly check: (user: string, password: string) => Promise<PolicyReport>,
    private readonly onState: (state: CheckState) => void,
    private readonly delayMs: number = CHECK_DELAY_MS,
  ) {}

  /** Call on every change of the user name or password. */
  request(user: string, password: string): void {
    this.cancel();
    const mySeq = ++this.seq;
    if (password === '') {
      this.onState({ status: 'empty' });
      return;
    }
    this.onState({ status: 'checking' });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check(user, password).then(
        (report) => {
          if (mySeq === this.seq) this.onState({ status: 'done', report });
        },
        (e: unknown) => {
          if (mySeq === this.seq) this.onState({ status: 'error', message: asIpcError(e).message });
        },
      );
    }, this.delayMs);
  }

  /** Stops a pending check and ignores any answer still on its way. */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.seq++;
  }
}

/** Words for zxcvbn's 0–4 score. */
export function strengthLabel(score: number): string {
  return ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'][Math.max(0, Math.min(4, score))];
}

/** True when the policy accepted exactly the password now typed. */
export function isAcceptable(state: CheckState): boolean {
  return state.status === 'done' && state.report.acceptable;
}
