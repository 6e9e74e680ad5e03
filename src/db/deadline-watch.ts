import { Link, LinkedList } from './linked-list.js';

/** One watched deadline: what watch() returns and clear() takes. */
export class Deadline<T> extends Link {
  constructor(
    readonly entry: T,
    /** When it is due, on the watch's clock (ms). */
    readonly at: number,
  ) {
    super();
  }
}

/**
 * Deadlines for things that almost always end in time: one per borrowed
 * connection (the slow-hold warning) and one per database call (the call
 * guard). A setTimeout each would create, list and clear a timer object on
 * every request; here a deadline is one small object in a list
 * (linked-list.ts says why not a Map), and one timer, armed for the earliest
 * deadline, fires only when something may be due. There are never more
 * deadlines than connections borrowed, so a look at all of them is cheap.
 */
export class DeadlineWatch<T> {
  readonly #due = new LinkedList<Deadline<T>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly expired: (entry: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Watch entry: expired(entry) runs once, afterMs from now, unless its deadline is cleared first. */
  watch(entry: T, afterMs: number): Deadline<T> {
    const deadline = this.#due.push(new Deadline(entry, this.now() + afterMs));
    // A timer already armed earlier serves this deadline too: it re-arms when it fires.
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
    return deadline;
  }

  /** Forget a deadline; one that already expired or was cleared (or none) is ignored. */
  clear(deadline: Deadline<T> | undefined): void {
    if (deadline) this.#due.remove(deadline);
  }

  /** Deadlines watched now (for tests and the leak check). */
  get size(): number {
    return this.#due.size;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // Never keeps the process alive: a deadline is a warning or a bound, not work to wait for.
    this.#timer = setTimeout(this.#fire, Math.max(0, at - this.now())).unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: T[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const deadline of this.#due.snapshot()) {
      if (deadline.at <= now) {
        this.#due.remove(deadline);
        due.push(deadline.entry);
      } else next = Math.min(next, deadline.at);
    }
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
    for (const entry of due) this.expired(entry);
  };
}
