import type { Registry } from 'prom-client';
import type { Logger } from 'winston';
import type { PoolFigures } from '../db/types.js';
import { createAdmissionMetrics, type AdmissionMetrics, type ShedReason } from './metrics.js';

export type { ShedReason } from './metrics.js';

export interface AdmissionOptions {
  enabled: boolean;
  /** 0 disables the event-loop guard. */
  eventLoopDelayLimitMs: number;
  /** 0 disables the heap guard. */
  heapRatioLimit: number;
  figures: () => PoolFigures;
  /** Sensors: recent mean connection hold time (hold-time-mean.ts), event-loop delay p99, heap ratio. */
  meanHoldSeconds: () => number;
  eventLoopDelayMs: () => number;
  heapRatio: () => number;
  logger: Logger;
  registry: Registry;
  now?: () => number;
}

/** Shedding counts as over after this long without a shed request. */
const QUIET_MS = 1000;

export type AdmissionDecision = { admit: true } | { admit: false; reason: ShedReason; retryAfterSeconds: number };

/** Every admitted request gets this one object: nothing allocated on the common path. */
const ADMIT: AdmissionDecision = Object.freeze({ admit: true });

/**
 * Admission control: graceful rejection instead of queue overflow. Waiting past the point of usefulness is worse than a fast no:
 * when the expected wait for a connection (requests waiting x recent mean
 * hold time / pool max) already exceeds the queue timeout, the request would
 * time out anyway after holding a socket for DB_POOL_TIMEOUT seconds, so it
 * gets 503 now with a Retry-After derived from that wait. The process guards
 * (event-loop delay, heap) shed before the process itself degrades.
 */
export class Admission {
  #options: AdmissionOptions;
  readonly #now: () => number;
  readonly #metrics: AdmissionMetrics;
  #shedding: { since: number; last: number; count: number; reason: ShedReason } | undefined;
  #quietTimer: NodeJS.Timeout | undefined;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
    this.#metrics = createAdmissionMetrics(options.registry, () => this.expectedWaitSeconds());
  }

  /** Live settings (ADMISSION_CONTROL, SHED_*): the next decision uses them. */
  setLimits(limits: Pick<AdmissionOptions, 'enabled' | 'eventLoopDelayLimitMs' | 'heapRatioLimit'>): void {
    this.#options = { ...this.#options, ...limits };
  }

  expectedWaitSeconds(f: PoolFigures = this.#options.figures()): number {
    if (f.waiting === 0 || f.max === 0) return 0;
    // Each of the `max` connections frees up once per mean hold time; the
    // new request is served after the `waiting` ahead of it (Little's law).
    return ((f.waiting + 1) * this.#options.meanHoldSeconds()) / f.max;
  }

  /** Retry-After for a request the pool itself refused (queue timeout or full). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.expectedWaitSeconds()));
  }

  decide(): AdmissionDecision {
    const o = this.#options;
    let decision = ADMIT;
    if (o.eventLoopDelayLimitMs > 0 && o.eventLoopDelayMs() > o.eventLoopDelayLimitMs) {
      decision = { admit: false, reason: 'event_loop_delay', retryAfterSeconds: 1 };
    } else if (o.heapRatioLimit > 0 && o.heapRatio() > o.heapRatioLimit) {
      decision = { admit: false, reason: 'heap', retryAfterSeconds: 5 };
    } else if (o.enabled) {
      const figures = o.figures();
      const wait = this.expectedWaitSeconds(figures);
      if (wait > figures.queueTimeoutSeconds) decision = { admit: false, reason: 'expected_wait', retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
    }
    this.#track(decision);
    return decision;
  }

  /** One log line when shedding starts, one when it stops: never one per request. */
  #track(decision: AdmissionDecision): void {
    const now = this.#now();
    if (!decision.admit) {
      this.#metrics.shed(decision.reason);
      if (!this.#shedding) {
        this.#shedding = { since: now, last: now, count: 0, reason: decision.reason };
        this.#options.logger.warn(`Load shedding started (${decision.reason})`, {
          event: 'shedding_started',
          reason: decision.reason,
          expectedWaitSeconds: Number(this.expectedWaitSeconds().toFixed(3)),
        });
      }
      this.#shedding.count += 1;
      this.#shedding.last = now;
      // Traffic may stop altogether after an overload; the episode must still end in the log.
      this.#quietTimer ??= setTimeout(() => this.#onQuietTimer(), QUIET_MS).unref();
    } else if (this.#shedding && now - this.#shedding.last >= QUIET_MS) {
      this.#endShedding(now);
    }
  }

  /** When no request follows: end the episode once it has been quiet for QUIET_MS, else look again then. */
  #onQuietTimer(): void {
    this.#quietTimer = undefined;
    const episode = this.#shedding;
    if (!episode) return;
    const now = this.#now();
    const quietFor = now - episode.last;
    if (quietFor >= QUIET_MS) this.#endShedding(now);
    else this.#quietTimer = setTimeout(() => this.#onQuietTimer(), QUIET_MS - quietFor).unref();
  }

  #endShedding(now: number): void {
    const episode = this.#shedding!;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = undefined;
    this.#options.logger.info(`Load shedding stopped after ${episode.count} requests`, {
      event: 'shedding_stopped',
      shed: episode.count,
      durationSeconds: (now - episode.since) / 1000,
    });
    this.#shedding = undefined;
  }
}
