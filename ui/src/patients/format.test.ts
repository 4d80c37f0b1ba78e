import { describe, expect, it } from 'vitest';
import {
  ageOn,
  fieldLabel,
  formatAge,
  formatDate,
  formatDateTime,
  formatDob,
  givenByLabel,
  historyValue,
  matchedLabel,
  orDash,
  parseYmd,
  purposeLabel,
  sexLabel,
  todayYmd,
} from './format';

const us = (d: Date) => d.getTime() * 1000;

describe('dates', () => {
  it('parses only real YYYY-MM-DD dates', () => {
    expect(parseYmd('2000-02-29')).toEqual({ y: 2000, m: 2, d: 29 });
    expect(parseYmd('1900-02-29')).toBeNull();
    expect(parseYmd('2023-04-31')).toBeNull();
    expect(parseYmd('2023-13-01')).toBeNull();
    expect(parseYmd('12/03/1980')).toBeNull();
    expect(parseYmd('')).toBeNull();
  });

  it('formats a date unambiguously', () => {
    expect(formatDate('1980-03-12')).toBe('12 Mar 1980');
    expect(formatDate('2001-12-01')).toBe('1 Dec 2001');
    expect(formatDate('garbage')).toBe('garbage');
  });

  it('gives today in local time', () => {
    expect(todayYmd(new Date(2024, 0, 5, 23, 59))).toBe('2024-01-05');
    expect(todayYmd(new Date(2024, 11, 31, 0, 1))).toBe('2024-12-31');
  });
});

describe('age', () => {
  it('counts whole years, turning on the birthday', () => {
    expect(formatAge('1980-03-12', '2024-03-11')).toBe('43 y');
    expect(formatAge('1980-03-12', '2024-03-12')).toBe('44 y');
  });

  it('uses months under two years and days under a month', () => {
    expect(formatAge('2023-01-15', '2024-06-20')).toBe('17 mo');
    expect(formatAge('2024-06-01', '2024-06-20')).toBe('19 d');
    expect(formatAge('2024-06-20', '2024-06-20')).toBe('0 d');
  });

  it('handles leap-day and month-end birthdays', () => {
    expect(ageOn('2000-02-29', '2023-02-28')?.years).toBe(23);
    expect(ageOn('2000-02-29', '2023-02-27')?.years).toBe(22);
    expect(ageOn('2024-01-31', '2024-02-29')?.months).toBe(1);
  });

  it('gives nothing for a future or invalid date', () => {
    expect(formatAge('2030-01-01', '2024-01-01')).toBe('');
    expect(formatAge('nope', '2024-01-01')).toBe('');
  });

  it('formats a date of birth with the age', () => {
    expect(formatDob('1980-03-12', '2024-06-01')).toBe('12 Mar 1980 (44 y)');
    expect(formatDob('2030-03-12', '2024-06-01')).toBe('12 Mar 2030');
  });
});

describe('times', () => {
  it('formats µs since the epoch in local time', () => {
    expect(formatDateTime(us(new Date(2024, 2, 12, 14, 5, 59)))).toBe('12 Mar 2024, 14:05');
    expect(formatDateTime(us(new Date(1999, 11, 31, 9, 0)) + 999)).toBe('31 Dec 1999, 09:00');
  });

  it('gives nothing for a nonsense time', () => {
    expect(formatDateTime(Number.NaN)).toBe('');
  });
});

describe('labels', () => {
  it('labels sex, matches, fields, purposes and who gave consent', () => {
    expect(sexLabel('female')).toBe('Female');
    expect(sexLabel(null)).toBe('—');
    expect(matchedLabel('dob')).toBe('Matched on date of birth');
    expect(matchedLabel('mrn')).toBe('Matched on MRN');
    expect(fieldLabel('email')).toBe('E-mail');
    expect(purposeLabel('data_processing')).toBe('Data processing');
    expect(givenByLabel('patient')).toBe('Patient');
    expect(givenByLabel('representative: Maria Rossi (mother)')).toBe('Representative: Maria Rossi (mother)');
    expect(orDash('')).toBe('—');
    expect(orDash('x')).toBe('x');
  });

  it('makes history values readable', () => {
    expect(historyValue('dob', '1980-03-12')).toBe('12 Mar 1980');
    expect(historyValue('archived', 'true')).toBe('Yes');
    expect(historyValue('sex', 'male')).toBe('Male');
    expect(historyValue('phone', null)).toBe('—');
  });
});
