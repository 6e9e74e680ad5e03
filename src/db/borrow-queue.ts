import type { DbError } from './db-error.js';
import { DeadlineWatch, type Deadline } from './deadline-watch.js';
import { Link, LinkedList } from './linked-list.js';
import { poolClosedError, queueFullError, queueTimeoutError } from './queue-errors.js';

/** The live pool settings the queue obeys (Config['pool']: a reload applies to the next borrow). */
export interface BorrowQueueLimits {
  max: number;
  queueMax: number;
  queueTimeoutSeconds: number;
}

/** A connection held at least this long is handed over at once; after a shorter hold, at the end of the turn. */
export const PROMPT_HANDOFF_MS = 20;

/** A borrow waiting in line, with its DB_POOL_TIMEOUT deadline. */
class Waiter<C> extends Link {
  timeout: Deadline<Waiter<C>> | undefined;

  constructor(
    readonly resolve: (conn: C) => void,
    readonly reject: (error: unknown) => void,
  ) {
    super();
  }
}

/**
 * The WAIT queue, kept by orapool rather than by the driver: the driver is
 * asked for a connection only when one of DB_POOL_MAX is free, so its own
 * queue stays empty. Owning the queue gives
 * - first come, first served: a newcomer queues behind everyone waiting
 *   (oracledb frees a slot at once but wakes its queue a setImmediate later,
 *   so a newcomer in between took the slot ahead of the queue);
 * - a handoff that fits the load: a connection held for a slow statement
 *   goes to the first in line at once, not after everything else the event
 *   loop has to do this turn, which at a fixed statement latency kept every
 *   session's round-trip in step with the slowest answer of its batch; after
 *   a quick one the handoffs wait for the end of the turn, so the batch's
 *   next round-trips go out together, as the driver's own queue sends them
 *   (one wakeup on each side for the batch, not one per request: at
 *   statement latency 0 handing over at once cost a third more CPU per
 *   request, docs/performance.md);
 * - waits that can be withdrawn: the shutdown refuses them (refuseWaiting),
 *   which the driver's queue cannot do, with no wrapper around each borrow;
 * - the driver's own answers: DB_POOL_QUEUE_MAX and DB_POOL_TIMEOUT end a
 *   wait with the codes the driver gives (queue-errors.ts).
 */
export class BorrowQueue<C> {
  /** Waiters in arrival order (a list: the one that times out leaves from the middle). */
  readonly #queue = new LinkedList<Waiter<C>>();
  readonly #timeouts: DeadlineWatch<Waiter<C>>;
  /** Connections asked of the driver and not yet given back: at most limits().max. */
  #out = 0;
  /** Of those, the ones the driver has not answered yet. */
  #acquiring = 0;
  #refusing = false;
  #dispatchQueued = false;

  constructor(
    private readonly acquire: () => Promise<C>,
    private readonly limits: () => BorrowQueueLimits,
    now?: () => number,
  ) {
    this.#timeouts = new DeadlineWatch((waiter) => {
      this.#queue.remove(waiter);
      waiter.reject(queueTimeoutError(Math.round(this.limits().queueTimeoutSeconds * 1000)));
    }, now);
  }

  /** Borrows not answered yet: queued, or asked of the driver (the pool's `waiting` figure). */
  get waiting(): number {
    return this.#queue.size + this.#acquiring;
  }

  /** Whether the shutdown refused the waits (refuseWaiting()). */
  get refusing(): boolean {
    return this.#refusing;
  }

  /** What a borrow arriving now hears without waiting: nothing (it may go or queue), a full queue, or closing. */
  refusal(): DbError | undefined {
    return this.#wouldWait() ? this.#refusalToWait() : undefined;
  }

  /** A connection now, or in turn once one is given back; refused as refusal() says. */
  borrow(): Promise<C> {
    // A free slot and nobody ahead: straight to the driver, with nothing allocated to wait with.
    if (!this.#wouldWait()) return this.#ask();
    const refused = this.#refusalToWait();
    if (refused) return Promise.reject(refused);
    return new Promise<C>((resolve, reject) => {
      const waiter = this.#queue.push(new Waiter(resolve, reject));
      const { queueTimeoutSeconds } = this.limits();
      if (queueTimeoutSeconds > 0) waiter.timeout = this.#timeouts.watch(waiter, queueTimeoutSeconds * 1000);
    });
  }

  /** A borrowed connection went back to the driver (or was dropped) after heldMs: its slot goes to the first in line. */
  released(heldMs = Number.POSITIVE_INFINITY): void {
    this.#out -= 1;
    if (heldMs >= PROMPT_HANDOFF_MS) return this.dispatch();
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    setImmediate(() => {
      this.#dispatchQueued = false;
      this.dispatch();
    });
  }

  /** Hand free slots to the queue in order; after released(), and after a reload that raised DB_POOL_MAX. */
  dispatch(): void {
    while (this.#queue.size > 0 && this.#out < this.limits().max) {
      const waiter = this.#queue.shift()!;
      this.#timeouts.clear(waiter.timeout);
      this.#ask().then(waiter.resolve, waiter.reject);
    }
  }

  /** Answer every queued borrow with POOL_CLOSED, and every later one that would wait. Returns how many were queued. */
  refuseWaiting(): number {
    this.#refusing = true;
    return this.rejectAll(poolClosedError());
  }

  /** Answer every queued borrow with error (the pool closed under them). */
  rejectAll(error: DbError): number {
    const waiters = this.#queue.drain();
    for (const waiter of waiters) {
      this.#timeouts.clear(waiter.timeout);
      waiter.reject(error);
    }
    return waiters.length;
  }

  /** Why a borrow that would wait may not: the shutdown refuses waits, or the queue is full. */
  #refusalToWait(): DbError | undefined {
    if (this.#refusing) return poolClosedError();
    const { queueMax } = this.limits();
    return this.#queue.size >= queueMax ? queueFullError(queueMax) : undefined;
  }

  /** Someone is queued already (first come, first served), or every slot is out. */
  #wouldWait(): boolean {
    return this.#queue.size > 0 || this.#out >= this.limits().max;
  }

  /** Ask the driver for one of the free slots. */
  #ask(): Promise<C> {
    this.#out += 1;
    this.#acquiring += 1;
    let asked: Promise<C>;
    try {
      asked = this.acquire();
    } catch (error) {
      asked = Promise.reject(error);
    }
    return asked.then(this.#got, this.#lost);
  }

  readonly #got = (conn: C): C => {
    this.#acquiring -= 1;
    return conn;
  };

  readonly #lost = (error: unknown): never => {
    // No connection came: the slot is free again, for the next in line.
    this.#acquiring -= 1;
    this.#out -= 1;
    this.dispatch();
    throw error;
  };
}
