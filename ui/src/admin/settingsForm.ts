// The settings form works in minutes and hours; the core stores seconds.

import type { Settings } from '../lib/ipc';

/** Values as an <input type="number"> binds them: a number, or null/undefined when empty
 *  or not a number; strings are accepted too. */
export type FieldValue = string | number | null | undefined;

export interface SettingsForm {
  idleMinutes: FieldValue;
  sessionHours: FieldValue;
}

export interface SettingsErrors {
  idleMinutes?: string;
  sessionHours?: string;
}

export function toForm(s: Settings): SettingsForm {
  return {
    idleMinutes: Math.round(s.idle_lock_secs / 60),
    sessionHours: Math.round(s.session_limit_secs / 3600),
  };
}

function wholeNumberIn(raw: FieldValue, min: number, max: number): number | null {
  if (raw === null || raw === undefined) return null;
  const t = String(raw).trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

export function validateSettings(
  f: SettingsForm,
): { ok: true; settings: Settings } | { ok: false; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const idle = wholeNumberIn(f.idleMinutes, 1, 60);
  const hours = wholeNumberIn(f.sessionHours, 1, 24);
  if (idle === null) errors.idleMinutes = 'Enter a whole number of minutes from 1 to 60.';
  if (hours === null) errors.sessionHours = 'Enter a whole number of hours from 1 to 24.';
  if (idle === null || hours === null) return { ok: false, errors };
  return { ok: true, settings: { idle_lock_secs: idle * 60, session_limit_secs: hours * 3600 } };
}
