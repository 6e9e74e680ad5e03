/**
 * Admission control's hold-time sensor: the recent mean seconds a connection
 * is held, as an exponentially weighted moving average. Cheap (no buffer),
 * follows a slowdown within a few dozen borrows; fed by the pool's `released`
 * events, read by the expected-wait estimate.
 */
export class HoldTimeMean {
  #mean = 0;
  #samples = 0;

  constructor(private readonly weight = 0.05) {}

  record(seconds: number): void {
    this.#samples += 1;
    // The first samples get full weight so the estimate starts from real data, not 0.
    const w = Math.max(this.weight, 1 / this.#samples);
    this.#mean += w * (seconds - this.#mean);
  }

  mean(): number {
    return this.#mean;
  }
}
