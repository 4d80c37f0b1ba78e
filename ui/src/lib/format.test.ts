import { describe, expect, it } from 'vitest';
import { formatCountdown, formatDuration, formatUtc, groupSecret, lockMessage, secondsLeft, shortHead } from './format';

describe('formatCountdown', () => {
  it.each([
    [0, '00:00'],
    [5, '00:05'],
    [59, '00:59'],
    [60, '01:00'],
    [65, '01:05'],
    [900, '15:00'],
    [3600, '60:00'],
    [-3, '00:00'],
    [4.2, '00:05'],
  ])('%s s → %s', (secs, text) => {
    expect(formatCountdown(secs)).toBe(text);
  });
});

describe('secondsLeft', () => {
  it('rounds up and never goes below zero', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 12_000)).toBe(0);
  });
});

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect(formatDuration(300)).toBe('5 minutes');
    expect(formatDuration(60)).toBe('1 minute');
    expect(formatDuration(3600)).toBe('1 hour');
    expect(formatDuration(43200)).toBe('12 hours');
    expect(formatDuration(90)).toBe('90 seconds');
  });
});

describe('lockMessage', () => {
  it('says why the vault was locked', () => {
    expect(lockMessage('idle', 300)).toBe('Locked after 5 minutes without activity.');
    expect(lockMessage('idle', 60)).toBe('Locked after 1 minute without activity.');
    expect(lockMessage('session_limit', 300, 43200)).toContain('12 hours');
    expect(lockMessage('os_lock')).toBe('Locked because this computer was locked.');
    expect(lockMessage('suspend')).toBe('Locked because this computer went to sleep.');
    expect(lockMessage('manual')).toBe('Vault locked.');
    expect(lockMessage('idle')).toBe('Locked after a period without activity.');
    expect(lockMessage('switch_user')).toMatch(/change of user/);
    expect(lockMessage('require_password')).toMatch(/needs the password and code/);
  });
});

describe('other helpers', () => {
  it('formats UTC', () => {
    expect(formatUtc(new Date('2025-05-01T12:03:22.456Z'))).toBe('2025-05-01 12:03:22 UTC');
  });
  it('shortens a chain head', () => {
    expect(shortHead('42:0123456789abcdef0123')).toBe('42:0123456789ab…');
    expect(shortHead('7:abc')).toBe('7:abc');
  });
  it('groups a secret', () => {
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(groupSecret('AB CD EF')).toBe('ABCD EF');
  });
});
