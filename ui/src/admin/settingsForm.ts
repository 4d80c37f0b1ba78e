// The settings form works in minutes and hours; the core stores seconds.

import type { QuickUnlockSettings, Settings } from '../lib/ipc';

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

// ---------------------------------------------------------------------------- quick unlock

/** Quick unlock as the form shows it: the window split into hours and minutes. */
export interface QuickForm {
  allowed: boolean;
  pinRequired: boolean;
  windowHours: FieldValue;
  windowMinutes: FieldValue;
}

export interface QuickErrors {
  window?: string;
}

/** The window's bounds in core (seconds): 15 minutes to 24 hours. */
export const QUICK_WINDOW_MIN_SECS = 900;
export const QUICK_WINDOW_MAX_SECS = 86400;

export function toQuickForm(q: QuickUnlockSettings): QuickForm {
  const minutes = Math.round(q.window_secs / 60);
  return {
    allowed: q.allowed,
    pinRequired: q.pin_required,
    windowHours: Math.floor(minutes / 60),
    windowMinutes: minutes % 60,
  };
}

/** An empty minutes field counts as 0 (e.g. "12 hours"); an empty hours field too. */
function wholeOrZero(raw: FieldValue, max: number): number | null {
  if (raw === null || raw === undefined || String(raw).trim() === '') return 0;
  return wholeNumberIn(raw, 0, max);
}

export function validateQuick(
  f: QuickForm,
): { ok: true; settings: QuickUnlockSettings } | { ok: false; errors: QuickErrors } {
  const hours = wholeOrZero(f.windowHours, 24);
  const minutes = wholeOrZero(f.windowMinutes, 59);
  if (hours === null || minutes === null) {
    return { ok: false, errors: { window: 'Enter whole hours (0–24) and minutes (0–59).' } };
  }
  const secs = hours * 3600 + minutes * 60;
  if (secs < QUICK_WINDOW_MIN_SECS || secs > QUICK_WINDOW_MAX_SECS) {
    return { ok: false, errors: { window: 'Choose a time from 15 minutes to 24 hours.' } };
  }
  return {
    ok: true,
    // A PIN cannot be required while quick unlock is off.
    settings: { allowed: f.allowed, pin_required: f.allowed && f.pinRequired, window_secs: secs },
  };
}
