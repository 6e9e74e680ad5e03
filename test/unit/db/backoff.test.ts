import { describe, expect, it } from 'vitest';
import { backoffSeconds } from '../../../src/db/backoff.js';

const lowest = () => 0;
const highest = () => 1;

describe('backoffSeconds', () => {
  it('doubles the step with each attempt, starting from the base', () => {
    const fullSteps = [1, 2, 3, 4, 5].map((attempt) => backoffSeconds(attempt, 1000, highest));
    expect(fullSteps).toEqual([1, 2, 4, 8, 16]);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    for (const attempt of [6, 10, 50, 1000]) {
      expect(backoffSeconds(attempt, 30, highest)).toBe(30);
    }
  });

  it('draws each delay from half to all of the capped step', () => {
    expect(backoffSeconds(4, 30, lowest)).toBe(4);
    expect(backoffSeconds(4, 30, highest)).toBe(8);
    expect(backoffSeconds(4, 30, () => 0.5)).toBe(6);
    expect(backoffSeconds(20, 30, lowest)).toBe(15);
  });

  it('stays within [step/2, step] for any random draw', () => {
    const draws = Array.from({ length: 50 }, (_, i) => i / 49);
    for (const attempt of [1, 3, 7]) {
      const step = Math.min(30, 2 ** (attempt - 1));
      for (const draw of draws) {
        const delay = backoffSeconds(attempt, 30, () => draw);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });

  it('treats attempt 0 or below like the first attempt', () => {
    expect(backoffSeconds(0, 30, highest)).toBe(1);
    expect(backoffSeconds(-3, 30, highest)).toBe(1);
  });

  it('scales with the base step', () => {
    expect(backoffSeconds(3, 100, highest, 0.5)).toBe(2);
  });
});
