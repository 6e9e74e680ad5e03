import type { Logger } from 'winston';
import { Link, LinkedList } from './linked-list.js';

/**
 * The database circuit breaker's states: closed (requests go to the pool),
 * open (the database is known down: requests are refused at once), half-open
 * (one trial request is finding out whether it answers again).
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The value of orapool_database_breaker_state for each state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, 'half-open': 2 };

/**
 * What a finished borrow says about the database: it answered (a result, or
 * an error the database itself sent), it is down (oracle-errors.ts
 * isDatabaseDownError), or nothing (a busy pool, a bug in the handler).
 */
export type Evidence = 'answered' | 'down' | 'none';

/** What the breaker lets a new request do. */
export type Verdict = 'pass' | 'trial' | 'refuse';

export interface BreakerOptions {
  /** Consecutive "down" outcomes of requests that open the breaker (DB_BREAKER_FAILURES). */
  failureThreshold: number;
  /** Seconds the breaker stays open before one trial request may pass (DB_BREAKER_OPEN_SECONDS). */
  openSeconds: number;
  logger: Logger;
  /** Called on every state change (the metrics listen). */
  onTransition?: (to: BreakerState) => void;
  /** Seconds on a monotonic clock; injected by tests. */
  now?: () => number;
}

/**
 * Opens when the database is known down: failureThreshold consecutive
 * round-trips or borrows that failed for a database-down reason, or one
 * failed background probe. While open, requests are refused at once instead
 * of queueing behind sessions that will only time out; the requests already
 * waiting for a connection are released (onNextOpen). After openSeconds, one
 * trial request passes; the database answering it (or the background probe)
 * closes the breaker. A busy pool is no evidence either way: queue timeouts
 * under slow but healthy statements never open it.
 */
export class Breaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  /** When the breaker last opened (or a trial failed), on the injected clock. */
  #openedAt = 0;
  /** When the current outage began, for the breaker_closed line. */
  #outageStartedAt = 0;
  #trialInFlight = false;
  readonly #onOpen = new LinkedList<OpenListener>();
  readonly #now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.#now = options.now ?? (() => performance.now() / 1000);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether a new request may go to the pool, as the single trial, or not at all. */
  admit(): Verdict {
    if (this.#state === 'closed') return 'pass';
    if (this.refusing()) return 'refuse';
    if (this.#state === 'open') this.#transition('half-open');
    this.#trialInFlight = true;
    return 'trial';
  }

  /** Whether admit() would refuse now; unlike admit(), it never claims the trial. */
  refusing(): boolean {
    if (this.#state === 'closed') return false;
    return this.#trialInFlight || (this.#state === 'open' && this.#now() - this.#openedAt < this.options.openSeconds);
  }

  /** Seconds a refused client should wait: until the next trial, at least 1. */
  retryAfterSeconds(): number {
    const left = this.#state === 'open' ? this.#openedAt + this.options.openSeconds - this.#now() : this.options.openSeconds;
    return Math.max(1, Math.ceil(left));
  }

  /** The outcome of a request's borrow; `trial` when admit() said so. */
  record(evidence: Evidence, trial: boolean): void {
    if (trial) this.#trialInFlight = false;
    // Only the trial (or the probe) closes an open breaker: a request admitted
    // before it opened may still answer on a session it already held, which
    // says nothing of new connections (a listener refusing them, say).
    if (evidence === 'answered') return trial || this.#state === 'closed' ? this.#answered(trial ? 'trial' : 'request') : undefined;
    if (evidence === 'none') return;
    if (this.#state === 'closed') {
      this.#failures += 1;
      if (this.#failures >= this.options.failureThreshold) this.#open('requests');
    } else if (trial) {
      this.#open('trial');
    }
  }

  /** The outcome of a background probe: it alone is enough to open or close. */
  recordProbe(evidence: Evidence): void {
    if (evidence === 'answered') this.#answered('probe');
    else if (evidence === 'down' && this.#state !== 'open') this.#open('probe');
  }

  #answered(by: 'trial' | 'probe' | 'request'): void {
    this.#failures = 0;
    if (this.#state !== 'closed') this.#close(by);
  }

  /**
   * Call `listener` once when the breaker next opens; returns the way to
   * unsubscribe. How a request waiting for a connection is released.
   */
  onNextOpen(listener: () => void): () => void {
    const link = this.#onOpen.push(new OpenListener(listener));
    return () => this.#onOpen.remove(link);
  }

  #open(by: 'requests' | 'probe' | 'trial'): void {
    const reopened = this.#state !== 'closed';
    this.#openedAt = this.#now();
    const failures = this.#failures;
    this.#failures = 0;
    this.#transition('open');
    if (!reopened) {
      this.#outageStartedAt = this.#openedAt;
      this.options.logger.warn(
        `Database circuit breaker opened (${by === 'probe' ? 'the background probe failed' : `${failures} consecutive requests failed`}): ` +
          `requests are refused at once (DATABASE_UNAVAILABLE); a trial in ${this.options.openSeconds}s`,
        { event: 'breaker_opened', by, failures, openSeconds: this.options.openSeconds },
      );
    }
    for (const listener of this.#onOpen.drain()) listener.release();
  }

  #close(by: 'trial' | 'probe' | 'request'): void {
    const openForSeconds = Number((this.#now() - this.#outageStartedAt).toFixed(3));
    this.#trialInFlight = false;
    this.#transition('closed');
    this.options.logger.info(`Database circuit breaker closed: the database answered (${by}) after ${openForSeconds}s`, {
      event: 'breaker_closed',
      by,
      openForSeconds,
    });
  }

  #transition(to: BreakerState): void {
    if (this.#state === to) return;
    this.#state = to;
    this.options.onTransition?.(to);
  }
}

/** A borrow waiting for a connection, to release if the breaker opens first (linked-list.ts says why not a Set). */
class OpenListener extends Link {
  constructor(readonly release: () => void) {
    super();
  }
}
