import { describe, expect, it } from 'vitest';
import { formatAge, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
  });

  it('refuses zero, missing units, negatives, fractions and other units', () => {
    for (const bad of ['0d', '30', '-1h', '1.5h', '2w', 'h', '', '1h30m'])
      expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('formatAge', () => {
  it('is compact at every scale', () => {
    expect(formatAge(-5_000)).toBe('0s');
    expect(formatAge(59_999)).toBe('59s');
    expect(formatAge(12 * 60_000)).toBe('12m');
    expect(formatAge(3 * 3_600_000)).toBe('3h');
    expect(formatAge(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m');
    expect(formatAge(2 * 86_400_000 + 4 * 3_600_000)).toBe('2d 4h');
  });
});
