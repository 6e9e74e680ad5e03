import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { PoolFigures } from '../../../src/db/types.js';
import { Admission } from '../../../src/admission/policy.js';
import { defaultFigures } from '../support/fake-database.js';
import { memoryLogger } from '../support/memory-logger.js';

interface Knobs {
  figures: PoolFigures;
  meanHold: number;
  eventLoopDelayMs: number;
  heapRatio: number;
  now: number;
}

function setup(options: { enabled?: boolean; eventLoopDelayLimitMs?: number; heapRatioLimit?: number } = {}) {
  const knobs: Knobs = {
    figures: { ...defaultFigures, max: 10, waiting: 0, queueTimeoutSeconds: 5 },
    meanHold: 0.1,
    eventLoopDelayMs: 0,
    heapRatio: 0.1,
    now: 1_000_000,
  };
  const registry = new Registry();
  const log = memoryLogger('debug');
  const sut = new Admission({
    enabled: options.enabled ?? true,
    eventLoopDelayLimitMs: options.eventLoopDelayLimitMs ?? 1000,
    heapRatioLimit: options.heapRatioLimit ?? 0.95,
    figures: () => ({ ...knobs.figures }),
    meanHoldSeconds: () => knobs.meanHold,
    eventLoopDelayMs: () => knobs.eventLoopDelayMs,
    heapRatio: () => knobs.heapRatio,
    logger: log.logger,
    registry,
    now: () => knobs.now,
  });
  const shedCount = async (reason: string) => {
    const metric = await registry.getSingleMetric('orapool_shed_requests_total')!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value;
  };
  /** Make the expected wait (waiting + 1) * meanHold / max exceed or stay under the queue timeout. */
  const overload = () => {
    knobs.figures.waiting = 99; // (99 + 1) * 1 / 10 = 10 s > 5 s
    knobs.meanHold = 1;
  };
  const calm = () => {
    knobs.figures.waiting = 0;
  };
  return { sut, knobs, registry, log, shedCount, overload, calm };
}

describe('Admission.decide', () => {
  it('admits when nobody is waiting, however long connections are held', () => {
    const { sut, knobs } = setup();
    knobs.meanHold = 1000;
    expect(sut.decide()).toEqual({ admit: true });
    expect(sut.expectedWaitSeconds()).toBe(0);
  });

  it('admits while the expected wait stays within the queue timeout', () => {
    const { sut, knobs } = setup();
    knobs.figures.waiting = 49; // (49 + 1) * 1 / 10 = 5 s, exactly the timeout
    knobs.meanHold = 1;
    expect(sut.expectedWaitSeconds()).toBe(5);
    expect(sut.decide()).toEqual({ admit: true });
  });

  it('sheds with reason expected_wait and Retry-After = ceil(expected wait) once the wait exceeds the queue timeout', () => {
    const { sut, knobs } = setup();
    knobs.figures.waiting = 50; // (50 + 1) * 1 / 10 = 5.1 s > 5 s
    knobs.meanHold = 1;
    expect(sut.decide()).toEqual({ admit: false, reason: 'expected_wait', retryAfterSeconds: 6 });
  });

  it('does not shed on expected wait when admission control is disabled', () => {
    const { sut, overload } = setup({ enabled: false });
    overload();
    expect(sut.decide()).toEqual({ admit: true });
  });

  it('sheds with reason event_loop_delay while the event loop lags past the limit', () => {
    const { sut, knobs } = setup({ eventLoopDelayLimitMs: 200 });
    knobs.eventLoopDelayMs = 250;
    expect(sut.decide()).toEqual({ admit: false, reason: 'event_loop_delay', retryAfterSeconds: 1 });
  });

  it('never sheds on event loop delay when that guard is 0', () => {
    const { sut, knobs } = setup({ eventLoopDelayLimitMs: 0 });
    knobs.eventLoopDelayMs = 1e9;
    expect(sut.decide()).toEqual({ admit: true });
  });

  it('sheds with reason heap while the heap ratio is above the limit', () => {
    const { sut, knobs } = setup({ heapRatioLimit: 0.9 });
    knobs.heapRatio = 0.93;
    expect(sut.decide()).toEqual({ admit: false, reason: 'heap', retryAfterSeconds: 5 });
  });

  it('sheds only above the limits, as SHED_EVENT_LOOP_DELAY_MS and SHED_HEAP_RATIO say: exactly at them it admits', () => {
    const loop = setup({ eventLoopDelayLimitMs: 200 });
    loop.knobs.eventLoopDelayMs = 200;
    expect(loop.sut.decide()).toEqual({ admit: true });
    const heap = setup({ heapRatioLimit: 0.9 });
    heap.knobs.heapRatio = 0.9;
    expect(heap.sut.decide()).toEqual({ admit: true });
  });

  it('never sheds on heap when that guard is 0', () => {
    const { sut, knobs } = setup({ heapRatioLimit: 0 });
    knobs.heapRatio = 0.999;
    expect(sut.decide()).toEqual({ admit: true });
  });

  it('keeps the process guards on when admission control is disabled', () => {
    const { sut, knobs } = setup({ enabled: false, eventLoopDelayLimitMs: 100 });
    knobs.eventLoopDelayMs = 500;
    expect(sut.decide()).toMatchObject({ admit: false, reason: 'event_loop_delay' });
  });

  it('admits again once the overload passes', () => {
    const { sut, overload, calm } = setup();
    overload();
    expect(sut.decide().admit).toBe(false);
    calm();
    expect(sut.decide()).toEqual({ admit: true });
  });
});

describe('Admission.retryAfterSeconds', () => {
  it('is at least 1 second, and the expected wait rounded up under load', () => {
    const { sut, knobs } = setup();
    expect(sut.retryAfterSeconds()).toBe(1);
    knobs.figures.waiting = 24; // 25 * 1 / 10 = 2.5 s
    knobs.meanHold = 1;
    expect(sut.retryAfterSeconds()).toBe(3);
  });
});

describe('Admission metrics', () => {
  it('exports every shed reason at 0 before anything is shed', async () => {
    const { shedCount } = setup();
    expect(await shedCount('expected_wait')).toBe(0);
    expect(await shedCount('event_loop_delay')).toBe(0);
    expect(await shedCount('heap')).toBe(0);
  });

  it('counts each shed request under its reason and no admitted one', async () => {
    const { sut, knobs, overload, calm, shedCount } = setup();
    overload();
    sut.decide();
    sut.decide();
    sut.decide();
    calm();
    knobs.heapRatio = 0.99;
    sut.decide();
    knobs.heapRatio = 0.1;
    sut.decide();
    sut.decide();
    expect(await shedCount('expected_wait')).toBe(3);
    expect(await shedCount('heap')).toBe(1);
    expect(await shedCount('event_loop_delay')).toBe(0);
  });

  it('exposes the expected wait as a gauge read at scrape time', async () => {
    const { registry, knobs } = setup();
    knobs.figures.waiting = 19;
    knobs.meanHold = 0.5; // 20 * 0.5 / 10 = 1 s
    const text = await registry.metrics();
    expect(text).toMatch(/^orapool_admission_expected_wait_seconds 1$/m);
  });
});

describe('Admission shedding log', () => {
  it('writes exactly one "started" and one "stopped" line across a burst of sheds and admits', async () => {
    const { sut, knobs, log, overload, calm } = setup();
    overload();
    for (let i = 0; i < 50; i++) {
      sut.decide();
      knobs.now += 10;
    }
    calm();
    for (let i = 0; i < 200; i++) {
      sut.decide();
      knobs.now += 10;
    }
    await log.flush();
    const started = log.events('shedding_started');
    const stopped = log.events('shedding_stopped');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ level: 'warn', reason: 'expected_wait' });
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ level: 'info', shed: 50 });
    expect(log.entries()).toHaveLength(2);
  });

  it('does not report the end of shedding until admits have lasted at least one second', async () => {
    const { sut, knobs, log, overload, calm } = setup();
    overload();
    sut.decide();
    calm();
    knobs.now += 999;
    sut.decide();
    await log.flush();
    expect(log.events('shedding_stopped')).toHaveLength(0);
    knobs.now += 1;
    sut.decide();
    await log.flush();
    expect(log.events('shedding_stopped')).toHaveLength(1);
  });

  it('reports the end of shedding even when no request follows it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { sut, knobs, log, overload } = setup();
      overload();
      sut.decide();
      knobs.now += 400;
      sut.decide(); // shed again: the quiet second starts over
      await vi.advanceTimersByTimeAsync(1000);
      knobs.now += 999;
      await vi.advanceTimersByTimeAsync(1000);
      await log.flush();
      expect(log.events('shedding_stopped')).toHaveLength(0);
      knobs.now += 1;
      await vi.advanceTimersByTimeAsync(1000);
      await log.flush();
      expect(log.events('shedding_stopped')).toEqual([expect.objectContaining({ shed: 2, durationSeconds: 1.4 })]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('treats sheds separated by short admits as one episode', async () => {
    const { sut, knobs, log, overload, calm } = setup();
    for (let round = 0; round < 5; round++) {
      overload();
      sut.decide();
      calm();
      knobs.now += 500;
      sut.decide();
    }
    await log.flush();
    expect(log.events('shedding_started')).toHaveLength(1);
    expect(log.events('shedding_stopped')).toHaveLength(0);
  });

  it('starts a new episode, with a new line, after shedding stopped', async () => {
    const { sut, knobs, log, overload, calm } = setup();
    overload();
    sut.decide();
    calm();
    knobs.now += 2000;
    sut.decide();
    overload();
    sut.decide();
    await log.flush();
    expect(log.events('shedding_started')).toHaveLength(2);
    expect(log.events('shedding_stopped')).toHaveLength(1);
  });

  it('logs nothing while everything is admitted', async () => {
    const { sut, knobs, log } = setup();
    for (let i = 0; i < 20; i++) {
      sut.decide();
      knobs.now += 1000;
    }
    await log.flush();
    expect(log.entries()).toHaveLength(0);
  });
});

describe('Admission on the real clock (no `now` given)', () => {
  it('ends a shedding episode after a quiet second of wall time, naming its reason and size in the log', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      const log = memoryLogger('debug');
      let heapRatio = 0.99;
      const sut = new Admission({
        enabled: true,
        eventLoopDelayLimitMs: 0,
        heapRatioLimit: 0.9,
        figures: () => ({ ...defaultFigures }),
        meanHoldSeconds: () => 0,
        eventLoopDelayMs: () => 0,
        heapRatio: () => heapRatio,
        logger: log.logger,
        registry: new Registry(),
      });
      sut.decide();
      sut.decide();
      heapRatio = 0.1;
      await vi.advanceTimersByTimeAsync(1500);
      await log.flush();
      const [started] = log.events('shedding_started');
      const [stopped] = log.events('shedding_stopped');
      expect(started!.message).toBe('Load shedding started (heap)');
      expect(stopped).toMatchObject({ message: 'Load shedding stopped after 2 requests', shed: 2, durationSeconds: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Admission.setLimits (live reload)', () => {
  it('takes the new limits at the next decision: turned off, it admits what it shed; a lower event-loop limit sheds', () => {
    const { sut, knobs, overload } = setup();
    overload();
    expect(sut.decide()).toMatchObject({ admit: false, reason: 'expected_wait' });
    sut.setLimits({ enabled: false, eventLoopDelayLimitMs: 1000, heapRatioLimit: 0.95 });
    expect(sut.decide()).toEqual({ admit: true });
    knobs.eventLoopDelayMs = 300;
    sut.setLimits({ enabled: false, eventLoopDelayLimitMs: 200, heapRatioLimit: 0.95 });
    expect(sut.decide()).toMatchObject({ admit: false, reason: 'event_loop_delay' });
  });
});
