import { describe, expect, it } from 'vitest';
import { sampledHeapRatio } from '../../../src/admission/heap-sensor.js';

describe('sampledHeapRatio', () => {
  it('reads the real V8 heap: a ratio in (0, 1) that rises when the heap grows', () => {
    let now = 0;
    const sut = sampledHeapRatio(250, () => now);
    const before = sut();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(1);

    // About 80 MB of doubles on the V8 heap (Buffers would live outside it), kept alive past the read.
    const held = Array.from({ length: 10_000_000 }, (_, i) => i + 0.5);
    now += 250;
    const after = sut();
    expect(held.length).toBe(10_000_000);
    expect(after).toBeLessThan(1);
    expect(after).toBeGreaterThan(before);
  });

  it('samples at most once per interval: between samples it answers the last reading', () => {
    let now = 0;
    const sut = sampledHeapRatio(250, () => now);
    const first = sut();
    const held = Array.from({ length: 5_000_000 }, (_, i) => i + 0.5);
    now += 249;
    expect(sut()).toBe(first);
    now += 1;
    expect(sut()).not.toBe(first);
    expect(held.length).toBe(5_000_000);
  });
});
