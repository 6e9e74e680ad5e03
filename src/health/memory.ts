import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'winston';

export interface MemoryReading {
  heapUsedBytes: number;
  heapLimitBytes: number;
  rssBytes: number;
  /** The container's memory limit; 0 when there is none or it is unknown. */
  containerLimitBytes: number;
}

/** Anything at or above this is "no limit" (cgroup v1 reports ~2^63 for unlimited). */
const UNLIMITED = 2 ** 60;

/**
 * The container memory limit: cgroup v2 memory.max, else cgroup v1
 * memory.limit_in_bytes, else process.constrainedMemory() (Node >= 19.6).
 * Read once at startup: limits do not change under a running container.
 */
export function containerMemoryLimit(readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): number {
  const candidates = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];
  for (const path of candidates) {
    try {
      const text = readFile(path).trim();
      if (text === 'max') return 0;
      const value = Number(text);
      if (Number.isFinite(value) && value > 0) return value >= UNLIMITED ? 0 : value;
    } catch {
      // not this cgroup version
    }
  }
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < UNLIMITED ? constrained : 0;
}

export function readMemory(containerLimitBytes: number): MemoryReading {
  const heap = getHeapStatistics();
  return {
    heapUsedBytes: heap.used_heap_size,
    heapLimitBytes: heap.heap_size_limit,
    rssBytes: process.memoryUsage.rss(),
    containerLimitBytes,
  };
}

export function usageRatio(reading: MemoryReading): number {
  return reading.containerLimitBytes > 0 ? reading.rssBytes / reading.containerLimitBytes : 0;
}

export interface MemoryWatchOptions {
  read: () => MemoryReading;
  highWatermark: number;
  lowWatermark: number;
  onPressure: (on: boolean) => void;
  logger: Logger;
}

/** How often the watch reads memory: often enough to turn readiness before the OOM killer, cheap enough to ignore. */
export const MEMORY_CHECK_INTERVAL_SECONDS = 5;

/**
 * Memory watermarks: above the high
 * watermark readiness turns 503 so traffic moves to other replicas before the
 * OOM killer ends this one; it recovers only below the low watermark
 * (hysteresis, so readiness does not flap around one value). One log line
 * per crossing, not one per check.
 */
export class MemoryWatch {
  #pressure = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(private options: MemoryWatchOptions) {}

  /**
   * Live watermarks (MEMORY_*_WATERMARK). Turning the watch off (0) while
   * under pressure ends the pressure: nothing would ever end it otherwise.
   */
  setWatermarks(highWatermark: number, lowWatermark: number): void {
    this.options = { ...this.options, highWatermark, lowWatermark };
    if (highWatermark <= 0 && this.#pressure) {
      this.#pressure = false;
      this.options.logger.info('Memory watermark disabled; readiness restored', { event: 'memory_pressure_end', highWatermark });
      this.options.onPressure(false);
    }
  }

  get underPressure(): boolean {
    return this.#pressure;
  }

  check(): void {
    const { highWatermark, lowWatermark } = this.options;
    if (highWatermark <= 0) return;
    const reading = this.options.read();
    const ratio = usageRatio(reading);
    if (!this.#pressure && ratio >= highWatermark) {
      this.#pressure = true;
      this.options.logger.warn(`Memory above high watermark (${(ratio * 100).toFixed(1)}% of the container limit); readiness off`, {
        event: 'memory_pressure_start',
        rssBytes: reading.rssBytes,
        containerLimitBytes: reading.containerLimitBytes,
        highWatermark,
      });
      this.options.onPressure(true);
    } else if (this.#pressure && ratio < lowWatermark) {
      this.#pressure = false;
      this.options.logger.info(`Memory back below low watermark (${(ratio * 100).toFixed(1)}%); readiness restored`, {
        event: 'memory_pressure_end',
        rssBytes: reading.rssBytes,
        lowWatermark,
      });
      this.options.onPressure(false);
    }
  }

  start(intervalSeconds = MEMORY_CHECK_INTERVAL_SECONDS): void {
    this.#timer = setInterval(() => this.check(), intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
