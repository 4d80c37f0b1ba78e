import { describe, expect, it } from 'vitest';
import { allows, permissionsFor } from './permissions';

describe('permissionsFor (from the generated matrix)', () => {
  it('gives the front desk demographics and consents but no clinical content', () => {
    expect(permissionsFor('receptionist')).toEqual({
      writeDemographics: true,
      history: true,
      recordConsent: true,
      clinical: false,
    });
  });

  it('gives a clinician everything on the patient screens', () => {
    expect(permissionsFor('clinician')).toEqual({
      writeDemographics: true,
      history: true,
      recordConsent: true,
      clinical: true,
    });
  });

  it('keeps the admin to reading demographics and consents', () => {
    expect(permissionsFor('admin')).toEqual({
      writeDemographics: false,
      history: false,
      recordConsent: false,
      clinical: false,
    });
    expect(allows('admin', 'demographics_read')).toBe(true);
    expect(allows('admin', 'consent_read')).toBe(true);
    expect(allows('admin', 'audit_review')).toBe(true);
    expect(allows('clinician', 'audit_review')).toBe(false);
  });
});
