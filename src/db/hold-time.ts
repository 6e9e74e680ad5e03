/**
 * Recent mean connection hold time, as an exponentially weighted moving
 * average: cheap (no buffer), follows a slowdown within a few dozen borrows,
 * and feeds admission control's expected-wait estimate.
 */
export class HoldTimeTracker {
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
