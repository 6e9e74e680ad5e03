import { afterEach, describe, expect, it, vi } from 'vitest';
import { containerMemoryLimit, MemoryWatch, readMemory, usageRatio, type MemoryReading } from '../../../src/health/memory.js';
import { memoryLogger } from '../support/memory-logger.js';

const GiB = 1024 ** 3;
const V2 = '/sys/fs/cgroup/memory.max';
const V1 = '/sys/fs/cgroup/memory/memory.limit_in_bytes';

/** A readFile over a fixed set of files; anything else is ENOENT. */
function files(contents: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = contents[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

describe('containerMemoryLimit', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads the cgroup v2 limit', () => {
    expect(containerMemoryLimit(files({ [V2]: `${2 * GiB}\n` }))).toBe(2 * GiB);
  });

  it('reports no limit for cgroup v2 "max", without falling back to v1', () => {
    expect(containerMemoryLimit(files({ [V2]: 'max\n', [V1]: `${GiB}\n` }))).toBe(0);
  });

  it('reads the cgroup v1 limit when there is no v2 file', () => {
    expect(containerMemoryLimit(files({ [V1]: `${512 * 1024 * 1024}\n` }))).toBe(512 * 1024 * 1024);
  });

  it('reports no limit for cgroup v1 "unlimited" (a number near 2^63)', () => {
    expect(containerMemoryLimit(files({ [V1]: '9223372036854771712\n' }))).toBe(0);
  });

  it('falls back to process.constrainedMemory() when no cgroup file is readable', () => {
    const constrained = vi.spyOn(process as unknown as { constrainedMemory: () => number }, 'constrainedMemory');
    constrained.mockReturnValue(3 * GiB);
    expect(containerMemoryLimit(files({}))).toBe(3 * GiB);
  });

  it('reports no limit when neither cgroup nor the runtime knows one', () => {
    const constrained = vi.spyOn(process as unknown as { constrainedMemory: () => number | undefined }, 'constrainedMemory');
    constrained.mockReturnValue(undefined);
    expect(containerMemoryLimit(files({}))).toBe(0);
    constrained.mockReturnValue(2 ** 64);
    expect(containerMemoryLimit(files({}))).toBe(0);
  });

  it('ignores a cgroup file with garbage in it', () => {
    const constrained = vi.spyOn(process as unknown as { constrainedMemory: () => number | undefined }, 'constrainedMemory');
    constrained.mockReturnValue(undefined);
    expect(containerMemoryLimit(files({ [V2]: 'garbage' }))).toBe(0);
    expect(containerMemoryLimit(files({ [V2]: 'garbage', [V1]: `${GiB}` }))).toBe(GiB);
  });

  it('takes neither 0 nor a negative number for a limit', () => {
    const constrained = vi.spyOn(process as unknown as { constrainedMemory: () => number | undefined }, 'constrainedMemory');
    constrained.mockReturnValue(undefined);
    expect(containerMemoryLimit(files({ [V2]: '0', [V1]: `${GiB}` }))).toBe(GiB);
    expect(containerMemoryLimit(files({ [V2]: '-1' }))).toBe(0);
  });
});

describe('readMemory', () => {
  it("reads this process's V8 heap and RSS, beside the given container limit", () => {
    const reading = readMemory(3 * GiB);
    expect(reading.containerLimitBytes).toBe(3 * GiB);
    expect(reading.heapUsedBytes).toBeGreaterThan(0);
    expect(reading.heapUsedBytes).toBeLessThan(reading.heapLimitBytes);
    // RSS holds the heap and the rest of the process.
    expect(reading.rssBytes).toBeGreaterThan(reading.heapUsedBytes);
  });
});

describe('usageRatio', () => {
  it('is RSS over the container limit, and 0 when the limit is unknown', () => {
    const reading = { heapUsedBytes: 1, heapLimitBytes: 2, rssBytes: GiB / 2, containerLimitBytes: GiB };
    expect(usageRatio(reading)).toBe(0.5);
    expect(usageRatio({ ...reading, containerLimitBytes: 0 })).toBe(0);
  });
});

describe('MemoryWatch', () => {
  function setup(highWatermark = 0.9, lowWatermark = 0.8) {
    const log = memoryLogger('debug');
    const reading: MemoryReading = { heapUsedBytes: 10, heapLimitBytes: 100, rssBytes: 0, containerLimitBytes: 1000 };
    let reads = 0;
    const pressure: boolean[] = [];
    const sut = new MemoryWatch({
      read: () => {
        reads += 1;
        return { ...reading };
      },
      highWatermark,
      lowWatermark,
      onPressure: (on) => pressure.push(on),
      logger: log.logger,
    });
    const at = (ratio: number) => {
      reading.rssBytes = Math.round(ratio * reading.containerLimitBytes);
      sut.check();
    };
    return { sut, log, pressure, at, reads: () => reads };
  }

  it('signals pressure and warns once when RSS crosses the high watermark', async () => {
    const { sut, log, pressure, at } = setup();
    at(0.5);
    expect(pressure).toEqual([]);
    at(0.95);
    await log.flush();
    expect(pressure).toEqual([true]);
    expect(sut.underPressure).toBe(true);
    const warnings = log.entries().filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.event).toBe('memory_pressure_start');
    expect(warnings[0]?.message).toContain('(95.0% of the container limit)');
  });

  it('treats a reading exactly at the high watermark as pressure', () => {
    const { pressure, at } = setup();
    at(0.9);
    expect(pressure).toEqual([true]);
  });

  it('logs and signals nothing more while memory stays high', async () => {
    const { log, pressure, at } = setup();
    at(0.95);
    at(0.97);
    at(0.99);
    await log.flush();
    expect(pressure).toEqual([true]);
    expect(log.entries()).toHaveLength(1);
  });

  it('stays under pressure between the low and high watermarks (hysteresis)', async () => {
    const { sut, log, pressure, at } = setup();
    at(0.95);
    at(0.85);
    at(0.8);
    await log.flush();
    expect(sut.underPressure).toBe(true);
    expect(pressure).toEqual([true]);
    expect(log.events('memory_pressure_end')).toHaveLength(0);
  });

  it('recovers with one info line when memory drops below the low watermark', async () => {
    const { sut, log, pressure, at } = setup();
    at(0.95);
    at(0.7);
    at(0.6);
    await log.flush();
    expect(pressure).toEqual([true, false]);
    expect(sut.underPressure).toBe(false);
    const ends = log.events('memory_pressure_end');
    expect(ends).toHaveLength(1);
    expect(ends[0]?.level).toBe('info');
    expect(ends[0]?.message).toContain('(70.0%)');
  });

  it('does not signal recovery when memory was never high', () => {
    const { pressure, at } = setup();
    at(0.1);
    at(0.85);
    at(0.1);
    expect(pressure).toEqual([]);
  });

  it('enters pressure again after a recovery', () => {
    const { pressure, at } = setup();
    at(0.95);
    at(0.5);
    at(0.92);
    expect(pressure).toEqual([true, false, true]);
  });

  it('does nothing, not even read memory, when the high watermark is 0', async () => {
    const { log, pressure, at, reads } = setup(0, 0.8);
    at(0.99);
    await log.flush();
    expect(pressure).toEqual([]);
    expect(reads()).toBe(0);
    expect(log.entries()).toHaveLength(0);
  });

  it('never signals pressure when the container limit is unknown', () => {
    const log = memoryLogger();
    const pressure: boolean[] = [];
    const sut = new MemoryWatch({
      read: () => ({ heapUsedBytes: 1, heapLimitBytes: 2, rssBytes: 50 * GiB, containerLimitBytes: 0 }),
      highWatermark: 0.9,
      lowWatermark: 0.8,
      onPressure: (on) => pressure.push(on),
      logger: log.logger,
    });
    sut.check();
    expect(pressure).toEqual([]);
  });

  it('checks on its interval once started, and stops when stopped', () => {
    vi.useFakeTimers();
    try {
      const { sut, reads } = setup();
      sut.start(5);
      vi.advanceTimersByTime(15_000);
      expect(reads()).toBe(3);
      sut.stop();
      vi.advanceTimersByTime(15_000);
      expect(reads()).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes new watermarks live, and ends the pressure when the watch is turned off (nothing else would)', async () => {
    const { sut, log, pressure, at } = setup();
    at(0.85);
    expect(pressure).toEqual([]);
    sut.setWatermarks(0.8, 0.7);
    at(0.85);
    expect(pressure).toEqual([true]);
    sut.setWatermarks(0, 0.7);
    expect(pressure).toEqual([true, false]);
    expect(sut.underPressure).toBe(false);
    at(0.99);
    expect(pressure).toEqual([true, false]);
    await log.flush();
    expect(log.events('memory_pressure_end')).toHaveLength(1);
  });
});
