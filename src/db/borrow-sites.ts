/**
 * When to record where connections are borrowed.
 *
 * A stack capture (`new Error()`) costs several microseconds and GC work on
 * every borrow: about a tenth of the service's throughput at thousands of
 * requests per second, to diagnose something that almost never happens. So
 * stacks are off in the healthy steady state and switched on for a while
 * after the first slow hold. A leak is repetitive: its next occurrence is
 * logged with the full borrow site.
 */
export class BorrowSiteCapture {
  #until = Number.NEGATIVE_INFINITY;

  readonly #windowMs: number;
  readonly #now: () => number;
  /** DB_BORROW_SITES=always: every borrow, so the first slow hold names its borrower too (a live setting). */
  always: boolean;

  constructor(options: { windowMs?: number; now?: () => number; always?: boolean } = {}) {
    this.#windowMs = options.windowMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
    this.always = options.always ?? false;
  }

  get active(): boolean {
    return this.always || this.#now() < this.#until;
  }

  /** The borrow site if stacks are being recorded now. Call before the first await. */
  capture(): Error | undefined {
    return this.active ? new Error('borrowed here') : undefined;
  }

  /** A slow hold was seen: record stacks for the next windowMs. */
  slowHoldSeen(): void {
    this.#until = this.#now() + this.#windowMs;
  }
}
