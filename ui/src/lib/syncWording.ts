// The words the UI shows for the workstation's sync: the top bar's short label, the
// sentence behind it, relative times ("3 minutes ago", "in 20 seconds") and chain points.
// Pure functions of a SyncStatus and "now", so every state is tested from a table.

import type { ChainPoint, SyncState, SyncStatus } from './ipc';

/** Items waiting to be sent: audit events plus scan uploads and deletions. */
export function itemsWaiting(s: SyncStatus): number {
  return s.events_waiting + s.scans_waiting;
}

/** The top bar's label. */
export function indicatorLabel(s: SyncStatus): string {
  switch (s.state) {
    case 'synced':
      return 'Synced';
    case 'syncing':
      return 'Syncing…';
    case 'offline':
      return `Offline · ${itemsWaiting(s)} waiting`;
    case 'waiting':
      return `Retrying · ${itemsWaiting(s)} waiting`;
    case 'halted':
      return 'Sync stopped';
    case 'not_enrolled':
      return 'Not connected';
  }
}

/** The badge tone of each state (the icon and the words say it too, never colour alone). */
export const STATE_TONE: Record<SyncState, 'ok' | 'accent' | 'warn' | 'danger' | 'muted'> = {
  synced: 'ok',
  syncing: 'accent',
  offline: 'warn',
  waiting: 'warn',
  halted: 'danger',
  not_enrolled: 'muted',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "5 items" for the waiting count. */
export function itemsPhrase(n: number): string {
  return n === 1 ? '1 item' : `${n} items`;
}

/** A moment relative to now: "just now", "4 minutes ago", "in 30 seconds", "in 2 hours". */
export function relativeTime(us: number, nowMs: number): string {
  const deltaSecs = Math.round((us / 1000 - nowMs) / 1000);
  const abs = Math.abs(deltaSecs);
  if (deltaSecs <= 0 && abs < 45) return 'just now';
  if (deltaSecs > 0 && abs < 5) return 'in a few seconds';
  let amount: string;
  if (abs < 60) amount = plural(abs, 'second');
  else if (abs < 3600) amount = plural(Math.round(abs / 60), 'minute');
  else if (abs < 86400) amount = plural(Math.round(abs / 3600), 'hour');
  else amount = plural(Math.round(abs / 86400), 'day');
  return deltaSecs > 0 ? `in ${amount}` : `${amount} ago`;
}

/** The state in a sentence (the indicator's accessible name and the panel's first line). */
export function stateSentence(s: SyncStatus, nowMs: number): string {
  const n = itemsWaiting(s);
  const next = s.next_attempt_us !== null ? ` Next try ${relativeTime(s.next_attempt_us, nowMs)}.` : '';
  const last = s.last_success_us !== null ? relativeTime(s.last_success_us, nowMs) : null;
  switch (s.state) {
    case 'synced':
      return last
        ? `Synced with the clinic's server ${last}.`
        : "Synced with the clinic's server.";
    case 'syncing':
      return "Sending and receiving changes with the clinic's server now.";
    case 'offline':
      return `The clinic's server cannot be reached; ${itemsPhrase(n)} waiting to be sent.${next}`;
    case 'waiting':
      return `The clinic's server did not accept the last try; retrying, ${itemsPhrase(n)} waiting.${next}`;
    case 'halted':
      return 'Sync has stopped and needs an administrator. Work in the vault is kept and sent once it is resolved.';
    case 'not_enrolled':
      return 'This workstation is not connected to a sync server.';
  }
}

/** "seq 4812 · 9f2c41d0a7be…" (the first 12 hex digits of the hash). */
export function chainPoint(p: ChainPoint): string {
  const hash = p.hash.length > 12 ? `${p.hash.slice(0, 12)}…` : p.hash;
  return `seq ${p.seq} · ${hash}`;
}

/** Strips the spaces and line breaks a paste from a web page or an e-mail can add. */
export function cleanEnrollmentCode(raw: string): string {
  return raw.replace(/\s+/g, '');
}

export const ENROLL_PREFIX = 'cvenroll1:';

/** Null when the code can be sent, else what to fix. */
export function checkEnrollmentCode(code: string): string | null {
  if (code === '') return "Paste the enrollment code from the server's admin page.";
  if (!code.startsWith(ENROLL_PREFIX)) return `An enrollment code starts with ${ENROLL_PREFIX}`;
  return null;
}
