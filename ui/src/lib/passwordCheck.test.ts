import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import { PasswordChecker, isAcceptable, strengthLabel, type CheckState } from './passwordCheck';
import { checkPassword, type PolicyReport } from './ipc';
import { installIpc, named } from '../testing/ipcMock';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  clearMocks();
});

function policy(password: string): PolicyReport {
  return password.length >= 12
    ? { acceptable: true, score: 4, problems: [] }
    : { acceptable: false, score: 1, problems: ['Use at least 12 characters.'] };
}

describe('PasswordChecker', () => {
  it('waits for a pause in typing and asks once', async () => {
    const calls = installIpc({ check_password: (a) => policy(String(a.password)) });
    const states: CheckState[] = [];
    const checker = new PasswordChecker(checkPassword, (s) => states.push(s));
    checker.request('anna', 'c');
    checker.request('anna', 'co');
    checker.request('anna', 'correct horse battery');
    expect(states.at(-1)).toEqual({ status: 'checking' });
    await vi.advanceTimersByTimeAsync(249);
    expect(named(calls, 'check_password')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(named(calls, 'check_password')).toEqual([
      { cmd: 'check_password', args: { user: 'anna', password: 'correct horse battery' } },
    ]);
    const last = states.at(-1)!;
    expect(isAcceptable(last)).toBe(true);
  });

  it('ignores an answer for a password that has changed since', async () => {
    let release: (r: PolicyReport) => void = () => {};
    installIpc({
      check_password: (a) =>
        a.password === 'slow one'
          ? new Promise<PolicyReport>((r) => (release = r))
          : policy(String(a.password)),
    });
    const states: CheckState[] = [];
    const checker = new PasswordChecker(checkPassword, (s) => states.push(s));
    checker.request('anna', 'slow one');
    await vi.advanceTimersByTimeAsync(250);
    checker.request('anna', 'short');
    await vi.advanceTimersByTimeAsync(250);
    release({ acceptable: true, score: 4, problems: [] });
    await vi.advanceTimersByTimeAsync(0);
    const last = states.at(-1)!;
    expect(last.status).toBe('done');
    expect(isAcceptable(last)).toBe(false);
  });

  it('reports an empty password without asking', () => {
    const calls = installIpc({});
    const states: CheckState[] = [];
    new PasswordChecker(checkPassword, (s) => states.push(s)).request('anna', '');
    expect(states).toEqual([{ status: 'empty' }]);
    expect(calls).toHaveLength(0);
  });

  it('labels scores', () => {
    expect(strengthLabel(0)).toBe('Very weak');
    expect(strengthLabel(3)).toBe('Strong');
    expect(strengthLabel(9)).toBe('Very strong');
  });
});
