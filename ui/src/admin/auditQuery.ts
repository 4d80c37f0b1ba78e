// Turns the audit filter form into an AuditQuery (times as µs since the epoch).

import { ACTIONS, type ActionName } from '../lib/catalogue.generated';
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

/** The actions core records, offered as suggestions (the filter matches an action name
 *  exactly). Generated from the catalogue in crates/proto, so it cannot drift. */
export const KNOWN_ACTIONS: readonly ActionName[] = ACTIONS.map((a) => a.name);
