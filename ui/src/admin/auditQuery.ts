// Turns the audit filter form into an AuditQuery (times as µs since the epoch).

import type { AuditQuery } from '../lib/ipc';

export interface AuditFilters {
  actor: string;
  patient: string;
  action: string;
  /** <input type="datetime-local"> value ("YYYY-MM-DDTHH:mm[:ss]", local time) or "". */
  from: string;
  to: string;
  limit: number;
}

export const EMPTY_FILTERS: AuditFilters = { actor: '', patient: '', action: '', from: '', to: '', limit: 200 };

/** A datetime-local value as µs since the epoch (read as local time); null if empty or invalid. */
export function localInputToMicros(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  if (Number.isNaN(date.getTime())) return null;
  return date.getTime() * 1000;
}

export type QueryResult = { ok: true; query: AuditQuery } | { ok: false; error: string };

export function buildAuditQuery(f: AuditFilters): QueryResult {
  const since = f.from ? localInputToMicros(f.from) : null;
  const until = f.to ? localInputToMicros(f.to) : null;
  if (f.from && since === null) return { ok: false, error: 'The “From” time is not a valid date and time.' };
  if (f.to && until === null) return { ok: false, error: 'The “To” time is not a valid date and time.' };
  if (since !== null && until !== null && until <= since) {
    return { ok: false, error: '“To” must be later than “From”.' };
  }
  const text = (s: string) => (s.trim() === '' ? null : s.trim());
  return {
    ok: true,
    query: {
      actor: text(f.actor),
      patient: text(f.patient),
      action: text(f.action),
      since_us: since,
      until_us: until,
      limit: f.limit,
    },
  };
}

/** The actions core records (ARCHITECTURE.md, "Audit actions"), offered as suggestions:
 *  the filter matches an action name exactly. */
export const KNOWN_ACTIONS = [
  'patient.search', 'patient.view', 'patient.create', 'patient.update', 'patient.archive',
  'patient.history', 'note.view', 'note.create', 'note.addendum', 'note.void',
  'prescription.view', 'prescription.create', 'prescription.void', 'consent.view',
  'consent.grant', 'consent.withdraw', 'user.unlock', 'user.lock', 'user.lockout',
  'user.first_login', 'user.add', 'user.disable', 'user.enable', 'user.reset_totp',
  'user.clear_lockout', 'user.totp_confirm', 'recovery.use', 'recovery_key.rotate',
  'vault.create', 'vault.rekey', 'vault.verify', 'settings.update', 'audit.list',
] as const;
