import { describe, expect, it } from 'vitest';
import { toForm, toQuickForm, validateQuick, validateSettings } from './settingsForm';

describe('settings form', () => {
  it('shows seconds as minutes and hours', () => {
    expect(toForm({ idle_lock_secs: 300, session_limit_secs: 43200 })).toEqual({ idleMinutes: 5, sessionHours: 12 });
  });
  it('accepts the allowed ranges and converts back to seconds', () => {
    expect(validateSettings({ idleMinutes: 1, sessionHours: 24 })).toEqual({
      ok: true,
      settings: { idle_lock_secs: 60, session_limit_secs: 86400 },
    });
    expect(validateSettings({ idleMinutes: '60', sessionHours: '1' })).toMatchObject({ ok: true });
  });
  it('explains what is out of range', () => {
    const r = validateSettings({ idleMinutes: 0, sessionHours: 25 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.idleMinutes).toMatch(/1 to 60/);
      expect(r.errors.sessionHours).toMatch(/1 to 24/);
    }
    expect(validateSettings({ idleMinutes: 61, sessionHours: 12 })).toMatchObject({ ok: false });
    expect(validateSettings({ idleMinutes: 2.5, sessionHours: 12 })).toMatchObject({ ok: false });
    expect(validateSettings({ idleMinutes: null, sessionHours: 12 })).toMatchObject({ ok: false });
    expect(validateSettings({ idleMinutes: '', sessionHours: 12 })).toMatchObject({ ok: false });
  });
});

describe('quick unlock form', () => {
  it('splits the window into hours and minutes', () => {
    expect(toQuickForm({ allowed: true, pin_required: false, window_secs: 43200 })).toEqual({
      allowed: true,
      pinRequired: false,
      windowHours: 12,
      windowMinutes: 0,
    });
    expect(toQuickForm({ allowed: false, pin_required: false, window_secs: 5400 })).toMatchObject({ windowHours: 1, windowMinutes: 30 });
  });

  it('accepts 15 minutes to 24 hours and converts back to seconds', () => {
    expect(validateQuick({ allowed: true, pinRequired: true, windowHours: 0, windowMinutes: 15 })).toEqual({
      ok: true,
      settings: { allowed: true, pin_required: true, window_secs: 900 },
    });
    expect(validateQuick({ allowed: true, pinRequired: false, windowHours: '24', windowMinutes: '' })).toEqual({
      ok: true,
      settings: { allowed: true, pin_required: false, window_secs: 86400 },
    });
  });

  it('never requires a PIN while quick unlock is off', () => {
    expect(validateQuick({ allowed: false, pinRequired: true, windowHours: 1, windowMinutes: 0 })).toMatchObject({
      ok: true,
      settings: { allowed: false, pin_required: false },
    });
  });

  it('explains a window out of range or not a whole number', () => {
    expect(validateQuick({ allowed: true, pinRequired: false, windowHours: 0, windowMinutes: 14 })).toEqual({
      ok: false,
      errors: { window: 'Choose a time from 15 minutes to 24 hours.' },
    });
    expect(validateQuick({ allowed: true, pinRequired: false, windowHours: 24, windowMinutes: 1 })).toMatchObject({ ok: false });
    expect(validateQuick({ allowed: true, pinRequired: false, windowHours: 1.5, windowMinutes: 0 })).toEqual({
      ok: false,
      errors: { window: 'Enter whole hours (0–24) and minutes (0–59).' },
    });
    expect(validateQuick({ allowed: true, pinRequired: false, windowHours: 1, windowMinutes: 60 })).toMatchObject({ ok: false });
  });
});
