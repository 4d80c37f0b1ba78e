import { describe, expect, it } from 'vitest';
import { toForm, validateSettings } from './settingsForm';

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
