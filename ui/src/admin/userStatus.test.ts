import { describe, expect, it } from 'vitest';
import type { UserSummary } from '../lib/ipc';
import { canClearLockout, userBadges } from './userStatus';

function user(over: Partial<UserSummary> = {}): UserSummary {
  return { name: 'rita', role: 'receptionist', enabled: true, password: 'set', totp: 'confirmed', failed_attempts: 0, locked_out: false, ...over };
}

const labels = (u: UserSummary) => userBadges(u).map((b) => b.label);

describe('userBadges', () => {
  it('shows Active for a user with nothing pending', () => {
    expect(labels(user())).toEqual(['Active']);
  });
  it('lists every pending state', () => {
    expect(labels(user({ password: 'one_time', totp: 'none' }))).toEqual(['First login pending']);
    expect(labels(user({ totp: 'pending' }))).toEqual(['Authenticator pending']);
    expect(labels(user({ totp: 'reset' }))).toEqual(['Authenticator reset']);
    expect(labels(user({ failed_attempts: 1 }))).toEqual(['1 failed attempt']);
    expect(labels(user({ failed_attempts: 3 }))).toEqual(['3 failed attempts']);
    expect(labels(user({ locked_out: true, failed_attempts: 20 }))).toEqual(['Locked out']);
    expect(labels(user({ enabled: false, password: 'one_time' }))).toEqual(['Disabled']);
  });
  it('marks lockouts as danger', () => {
    expect(userBadges(user({ locked_out: true }))[0].tone).toBe('danger');
  });
});

describe('canClearLockout', () => {
  it('only with a lockout or failed attempts', () => {
    expect(canClearLockout(user())).toBe(false);
    expect(canClearLockout(user({ failed_attempts: 2 }))).toBe(true);
    expect(canClearLockout(user({ locked_out: true }))).toBe(true);
  });
});
