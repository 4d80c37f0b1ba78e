import { describe, expect, it } from 'vitest';
import { BAD_CREDENTIALS, LOCKED_BY_ADMIN, isSixDigitCode, unlockProblem } from './unlockErrors';

describe('unlockProblem', () => {
  it('maps bad_credentials to one sentence that does not say which part was wrong', () => {
    expect(unlockProblem({ code: 'bad_credentials', message: 'wrong code' })).toEqual({
      kind: 'bad_credentials',
      message: BAD_CREDENTIALS,
    });
    expect(BAD_CREDENTIALS).toBe('Wrong user name, password or code.');
  });

  it('keeps the retry delay of a timed lockout', () => {
    const p = unlockProblem({ code: 'locked_out', message: 'x', retry_after_secs: 60 });
    expect(p).toMatchObject({ kind: 'locked_out', retryAfterSecs: 60 });
  });

  it('says an administrator must clear a lockout without a delay', () => {
    const p = unlockProblem({ code: 'locked_out', message: 'x', retry_after_secs: null });
    expect(p).toEqual({ kind: 'locked_out', message: LOCKED_BY_ADMIN, retryAfterSecs: null });
    expect(unlockProblem({ code: 'locked_out', message: 'x' })).toMatchObject({ retryAfterSecs: null });
  });

  it('carries the PC time of a clock error', () => {
    const p = unlockProblem({ code: 'clock_error', message: 'x', pc_time_utc: '2025-01-01T10:00:00Z' });
    expect(p).toMatchObject({ kind: 'clock_error', pcTimeUtc: '2025-01-01T10:00:00Z' });
    expect(p.message).toMatch(/clock/);
  });

  it('passes other codes through with their message', () => {
    expect(unlockProblem({ code: 'vault_too_new', message: 'Update the app.' })).toEqual({
      kind: 'other',
      code: 'vault_too_new',
      message: 'Update the app.',
    });
    expect(unlockProblem('boom')).toMatchObject({ kind: 'other', code: 'internal', message: 'boom' });
    expect(unlockProblem({ code: 'corrupt', message: '' }).message).toMatch(/integrity/);
  });
});

describe('isSixDigitCode', () => {
  it('accepts exactly six digits, spaces ignored', () => {
    expect(isSixDigitCode('123456')).toBe(true);
    expect(isSixDigitCode('123 456')).toBe(true);
    expect(isSixDigitCode('12345')).toBe(false);
    expect(isSixDigitCode('12345a')).toBe(false);
    expect(isSixDigitCode('1234567')).toBe(false);
  });

  it('words the quick-unlock codes, keeping the attempts the core counted', () => {
    expect(unlockProblem({ code: 'bad_pin', message: 'Wrong PIN: 2 attempts left.' })).toEqual({
      kind: 'other',
      code: 'bad_pin',
      message: 'Wrong PIN: 2 attempts left.',
    });
    expect(unlockProblem({ code: 'bad_pin', message: '' })).toMatchObject({ message: 'Wrong PIN.' });
    expect(unlockProblem({ code: 'full_unlock_required', message: 'needs the key' })).toMatchObject({
      message: 'This needs a full unlock with your password and code: lock and unlock again with them.',
    });
    expect(unlockProblem({ code: 'quick_unlock_unavailable', message: '' }).message).toMatch(/password/);
  });
});
