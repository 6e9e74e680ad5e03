// How many statements may execute at once, like CPUs: the rest wait in FIFO
// order, so throughput saturates at capacity / latency as on a busy database.

export class Capacity {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** `limit` undefined or Infinity means no limit. */
  constructor(private readonly limit = Infinity) {
    if (!(limit >= 1)) throw new RangeError(`capacity must be >= 1, got ${limit}`);
  }

  /** Resolves when a slot is ours; rejects if `signal` aborts first (the slot is then not taken). */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}
