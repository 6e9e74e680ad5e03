import { afterEach, describe, expect, it } from 'vitest';
import { createEventLoopDelaySensor } from '../../../src/admission/event-loop-sensor.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keep the event loop busy for `ms`: nothing else runs meanwhile, exactly what a CPU-bound handler does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('createEventLoopDelaySensor', () => {
  it('reports a 200 ms block of the event loop as a p99 delay of about 200 ms (milliseconds, not ns or s)', async () => {
    const sut = createEventLoopDelaySensor(0.2);
    stop = sut.stop;
    await sleep(50);
    const blockMs = 200;
    blockEventLoop(blockMs);
    // The block lands in the window that ends next or in the one after; watch both.
    let seen = 0;
    for (let i = 0; i < 12 && seen < blockMs * 0.9; i++) {
      await sleep(50);
      seen = Math.max(seen, sut.p99Ms());
    }
    // The histogram's timer (10 ms resolution) was due at most 10 ms into the block, so it saw at least 190 ms.
    expect(seen).toBeGreaterThanOrEqual(blockMs - 10 - 1);
    // And not a unit off: nanoseconds would read 2e8, microseconds 2e5.
    expect(seen).toBeLessThan(blockMs * 3);
  });

  it('reads a small delay on an idle loop', async () => {
    const sut = createEventLoopDelaySensor(0.1);
    stop = sut.stop;
    await sleep(350);
    expect(sut.p99Ms()).toBeGreaterThanOrEqual(0);
    expect(sut.p99Ms()).toBeLessThan(100);
  });

  it('stops measuring once stopped: a later block does not show', async () => {
    const sut = createEventLoopDelaySensor(0.05);
    sut.stop();
    blockEventLoop(120);
    await sleep(200);
    expect(sut.p99Ms()).toBe(0);
  });
});
