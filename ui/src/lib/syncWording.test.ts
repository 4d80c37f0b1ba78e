import { describe, expect, it } from 'vitest';
import { chainPoint, checkEnrollmentCode, cleanEnrollmentCode, indicatorLabel, relativeTime, stateSentence } from './syncWording';
import { HASH_A, syncStatusFixture } from '../testing/ipcMock';

const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);

describe('sync wording', () => {
  it.each([
    ['synced', 0, 0, 'Synced'],
    ['syncing', 3, 1, 'Syncing…'],
    ['offline', 5, 2, 'Offline · 7 waiting'],
    ['waiting', 1, 0, 'Retrying · 1 waiting'],
    ['halted', 9, 9, 'Sync stopped'],
    ['not_enrolled', 0, 0, 'Not connected'],
  ] as const)('labels %s (events %i, scans %i) as "%s"', (state, events_waiting, scans_waiting, label) => {
    expect(indicatorLabel(syncStatusFixture({ state, events_waiting, scans_waiting }))).toBe(label);
  });

  it('words relative times in the past and the future', () => {
    expect(relativeTime((NOW - 10_000) * 1000, NOW)).toBe('just now');
    expect(relativeTime((NOW - 3 * 60_000) * 1000, NOW)).toBe('3 minutes ago');
    expect(relativeTime((NOW - 2 * 3600_000) * 1000, NOW)).toBe('2 hours ago');
    expect(relativeTime((NOW + 30_000) * 1000, NOW)).toBe('in 30 seconds');
    expect(relativeTime((NOW + 60_000) * 1000, NOW)).toBe('in 1 minute');
  });

  it('says the state in a sentence with the count and the next try', () => {
    const s = syncStatusFixture({ state: 'offline', events_waiting: 4, scans_waiting: 1, next_attempt_us: (NOW + 120_000) * 1000 });
    expect(stateSentence(s, NOW)).toBe("The clinic's server cannot be reached; 5 items waiting to be sent. Next try in 2 minutes.");
    expect(stateSentence(syncStatusFixture({ last_success_us: (NOW - 5 * 60_000) * 1000 }), NOW)).toBe(
      "Synced with the clinic's server 5 minutes ago.",
    );
  });

  it('shows a chain point with the first 12 hex digits', () => {
    expect(chainPoint({ seq: 4812, hash: HASH_A })).toBe('seq 4812 · 9f2c41d0a7be…');
  });

  it('cleans and checks a pasted enrollment code', () => {
    expect(cleanEnrollmentCode('  cvenroll1:abc\n def \n')).toBe('cvenroll1:abcdef');
    expect(checkEnrollmentCode('')).toMatch(/Paste the enrollment code/);
    expect(checkEnrollmentCode('https://x')).toBe('An enrollment code starts with cvenroll1:');
    expect(checkEnrollmentCode('cvenroll1:abc')).toBeNull();
  });
});
