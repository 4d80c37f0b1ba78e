import { describe, expect, it } from 'vitest';
import { buildAuditQuery, EMPTY_FILTERS, localInputToMicros } from './auditQuery';

describe('localInputToMicros', () => {
  it('reads a datetime-local value as local time, in µs', () => {
    const expected = new Date(2025, 4, 1, 14, 30, 0).getTime() * 1000;
    expect(localInputToMicros('2025-05-01T14:30')).toBe(expected);
    expect(localInputToMicros('2025-05-01T14:30:15')).toBe(expected + 15_000_000);
  });
  it('refuses anything else', () => {
    expect(localInputToMicros('')).toBeNull();
    expect(localInputToMicros('yesterday')).toBeNull();
  });
});

describe('buildAuditQuery', () => {
  it('turns empty fields into nulls', () => {
    expect(buildAuditQuery(EMPTY_FILTERS)).toEqual({
      ok: true,
      query: { actor: null, patient: null, action: null, since_us: null, until_us: null, limit: 200 },
    });
  });
  it('trims text and converts times', () => {
    const r = buildAuditQuery({ ...EMPTY_FILTERS, actor: ' rita ', action: 'unlock', from: '2025-05-01T00:00', to: '2025-05-02T00:00' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.query.actor).toBe('rita');
      expect(r.query.action).toBe('unlock');
      expect(r.query.until_us! - r.query.since_us!).toBe(86_400_000_000);
    }
  });
  it('refuses a range that ends before it starts', () => {
    const r = buildAuditQuery({ ...EMPTY_FILTERS, from: '2025-05-02T00:00', to: '2025-05-01T00:00' });
    expect(r).toEqual({ ok: false, error: '“To” must be later than “From”.' });
  });
});
