// Small formatting helpers shared by the screens: countdowns, durations, times, lock reasons.

import type { LockReason } from './ipc';

/** Seconds as mm:ss (minutes may pass 59: 3600 → "60:00"). Negative counts as 0. */
export function formatCountdown(totalSecs: number): string {
  const secs = Math.max(0, Math.ceil(totalSecs));
  const mm = Math.floor(secs / 60);
  const ss = secs % 60;
  return `${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

/** Whole seconds left until `untilMs` (rounded up, never negative). */
export function secondsLeft(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A duration in seconds as "5 minutes", "1 hour", "90 seconds". */
export function formatDuration(secs: number): string {
  if (secs >= 3600 && secs % 3600 === 0) return plural(secs / 3600, 'hour');
  if (secs >= 60 && secs % 60 === 0) return plural(secs / 60, 'minute');
  return plural(secs, 'second');
}

/** The calm sentence shown on the unlock screen after a lock. */
export function lockMessage(
  reason: LockReason | string,
  idleLockSecs: number | null = null,
  sessionLimitSecs: number | null = null,
): string {
  switch (reason) {
    case 'idle':
      return idleLockSecs
        ? `Locked after ${formatDuration(idleLockSecs)} without activity.`
        : 'Locked after a period without activity.';
    case 'session_limit':
      return sessionLimitSecs
        ? `Locked because the session reached its limit of ${formatDuration(sessionLimitSecs)}.`
        : 'Locked because the session reached its time limit.';
    case 'os_lock':
      return 'Locked because this computer was locked.';
    case 'suspend':
      return 'Locked because this computer went to sleep.';
    case 'switch_user':
      return 'Locked for a change of user. Choose your name to unlock.';
    case 'require_password':
      return 'Locked. The PIN was cleared: the next unlock needs the password and code.';
    default:
      return 'Vault locked.';
  }
}

/** A moment as local date and time, e.g. "1 May 2025, 14:03:22" (locale dependent). */
export function formatLocal(date: Date): string {
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A moment in UTC, "2025-05-01 12:03:22 UTC". */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Microseconds since the epoch as a Date. */
export function fromMicros(us: number): Date {
  return new Date(Math.floor(us / 1000));
}

/** "SEQ:HASH" with the hash cut to its first `n` characters. */
export function shortHead(head: string, n = 12): string {
  const i = head.indexOf(':');
  if (i < 0) return head.slice(0, n);
  const hash = head.slice(i + 1);
  return `${head.slice(0, i)}:${hash.length > n ? `${hash.slice(0, n)}…` : hash}`;
}

/** Splits a secret into groups for reading aloud or typing ("ABCD EFGH …"). */
export function groupSecret(secret: string, size = 4): string {
  const clean = secret.replace(/\s+/g, '');
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups.join(' ');
}
