/**
 * Deadlines for things that almost always end in time: one per borrowed
 * connection (the slow-hold warning) and one per database call (the call
 * guard). A setTimeout each would create, list and clear a timer object on
 * every request; here an entry is a Map slot, and one timer, armed for the
 * earliest deadline, fires only when something may be due. There are never
 * more entries than connections borrowed, so a look at all of them is cheap.
 */
export class DeadlineWatch<T> {
  /** Each watched entry and when it is due, on the clock below (ms). */
  readonly #due = new Map<T, number>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly expired: (entry: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Watch entry: expired(entry) runs once, afterMs from now, unless it is cleared first. */
  watch(entry: T, afterMs: number): void {
    const at = this.now() + afterMs;
    this.#due.set(entry, at);
    // A timer already armed earlier serves this entry too: it re-arms when it fires.
    if (at < this.#timerAt) this.#arm(at);
  }

  clear(entry: T): void {
    this.#due.delete(entry);
  }

  /** Entries watched now (for tests and the leak check). */
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
    for (const [entry, at] of this.#due) {
      if (at <= now) due.push(entry);
      else next = Math.min(next, at);
    }
    for (const entry of due) this.#due.delete(entry);
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
    for (const entry of due) this.expired(entry);
  };
}
