import { describe, expect, it } from 'vitest';
import { HoldTimeMean } from '../../../src/admission/hold-time-mean.js';

describe('HoldTimeMean', () => {
  it('reports 0 before any borrow', () => {
    expect(new HoldTimeMean().mean()).toBe(0);
  });

  it('starts from the real data: the first sample is the mean', () => {
    const sut = new HoldTimeMean(0.05);
    sut.record(0.2);
    expect(sut.mean()).toBeCloseTo(0.2, 12);
  });

  it('is the plain mean while there are fewer samples than 1 / weight', () => {
    const sut = new HoldTimeMean(0.05);
    for (const seconds of [0.1, 0.2, 0.3, 0.4]) sut.record(seconds);
    expect(sut.mean()).toBeCloseTo(0.25, 12);
  });

  it('follows a sustained slowdown', () => {
    const sut = new HoldTimeMean(0.05);
    for (let i = 0; i < 100; i++) sut.record(0.01);
    for (let i = 0; i < 100; i++) sut.record(1);
    expect(sut.mean()).toBeGreaterThan(0.99);
  });

  it('is not thrown far by one outlier after many samples', () => {
    const sut = new HoldTimeMean(0.05);
    for (let i = 0; i < 200; i++) sut.record(0.01);
    sut.record(10);
    expect(sut.mean()).toBeLessThan(0.52);
    expect(sut.mean()).toBeGreaterThan(0.01);
  });
});
