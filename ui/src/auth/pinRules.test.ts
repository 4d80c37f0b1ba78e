import { describe, expect, it } from 'vitest';
import { checkNewPin, isPinShaped, pinProblem } from './pinRules';

describe('PIN rules (as core checks them)', () => {
  it('accepts 6 to 12 digits that are not guessable', () => {
    for (const good of ['480137', ' 480137\n', '902114', '112358132134', '135791']) {
      expect(pinProblem(good), good).toBeNull();
    }
  });

  it('refuses the wrong length or anything but digits', () => {
    expect(pinProblem('')).toBe('Enter a PIN.');
    expect(pinProblem('12345')).toMatch(/6 to 12 digits/);
    expect(pinProblem('1234567890123')).toMatch(/6 to 12 digits/);
    expect(pinProblem('12a456')).toBe('Use digits only.');
    expect(pinProblem('١٢٣٤٥٦')).toBe('Use digits only.');
  });

  it('says which guessable pattern it is, runs wrapping past 9 and 0', () => {
    expect(pinProblem('000000')).toMatch(/one digit repeated/);
    expect(pinProblem('777777777')).toMatch(/one digit repeated/);
    expect(pinProblem('123456')).toMatch(/run up/);
    expect(pinProblem('890123')).toMatch(/run up/);
    expect(pinProblem('987654')).toMatch(/run down/);
    expect(pinProblem('210987')).toMatch(/run down/);
    // Almost a run is fine.
    expect(pinProblem('123457')).toBeNull();
  });

  it('checks the repeat after the rules', () => {
    expect(checkNewPin('123456', '123456')).toEqual({ pin: expect.stringMatching(/run up/) });
    expect(checkNewPin('480137', '480138')).toEqual({ confirm: 'The two PINs are not the same.' });
    expect(checkNewPin('480137', ' 480137')).toEqual({});
  });

  it('knows what quick unlock takes as an attempt', () => {
    expect(isPinShaped('123456')).toBe(true);
    expect(isPinShaped('12345')).toBe(false);
    expect(isPinShaped('12345x')).toBe(false);
  });
});
