/**
 * Whether this replica should get traffic, and why not. Fed by the
 * background database probe, by every real health round-trip, by the memory
 * watch and by shutdown; read by /readyz, /api/health and the metrics.
 * Reading it is free: /readyz never borrows a connection.
 */
export interface DatabaseState {
  up: boolean;
  /** Seconds since the last successful round-trip; null when there never was one. */
  lastSuccessAgeSeconds: number | null;
  lastRoundTripSeconds: number | null;
  /** Stable code of the last failure, when the last round-trip failed. */
  lastError: string | null;
}

export interface ReadinessStatus {
  ready: boolean;
  reasons: string[];
  database: DatabaseState;
}

export interface ReadinessOptions {
  poolCreated: () => boolean;
  /** Why the pool could not be created yet (the driver's error code), if known. */
  createError?: () => string | undefined;
  /** A success older than this no longer counts as "recent". */
  maxSuccessAgeSeconds: number;
  now?: () => number;
}

export class Readiness {
  #shuttingDown = false;
  #memoryPressure = false;
  #lastSuccessAt: number | null = null;
  #lastRoundTrip: number | null = null;
  #lastError: string | null = null;
  readonly #roundTripListeners: ((seconds: number) => void)[] = [];
  readonly #now: () => number;

  constructor(private readonly options: ReadinessOptions) {
    this.#now = options.now ?? (() => performance.now() / 1000);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  setMemoryPressure(on: boolean): void {
    this.#memoryPressure = on;
  }

  recordSuccess(roundTripSeconds: number): void {
    this.#lastSuccessAt = this.#now();
    this.#lastRoundTrip = roundTripSeconds;
    this.#lastError = null;
    for (const listener of this.#roundTripListeners) listener(roundTripSeconds);
  }

  /** Called with the seconds of every successful round-trip (the round-trip histogram). */
  onRoundTrip(listener: (seconds: number) => void): void {
    this.#roundTripListeners.push(listener);
  }

  recordFailure(code: string): void {
    this.#lastError = code;
  }

  /** Seconds since the last success, or Infinity. */
  successAge(): number {
    return this.#lastSuccessAt === null ? Number.POSITIVE_INFINITY : this.#now() - this.#lastSuccessAt;
  }

  database(): DatabaseState {
    const age = this.successAge();
    return {
      up: this.#lastError === null && age <= this.options.maxSuccessAgeSeconds,
      lastSuccessAgeSeconds: Number.isFinite(age) ? Number(age.toFixed(3)) : null,
      lastRoundTripSeconds: this.#lastRoundTrip,
      lastError: this.#lastError,
    };
  }

  status(): ReadinessStatus {
    const database = this.database();
    const reasons: string[] = [];
    if (this.#shuttingDown) reasons.push('shutting down');
    if (!this.options.poolCreated()) {
      const cause = this.options.createError?.();
      reasons.push(cause ? `database pool not initialized (last attempt: ${cause})` : 'database pool not initialized');
    }
    else if (this.#lastError !== null) reasons.push(`last database round-trip failed (${this.#lastError})`);
    else if (!database.up) reasons.push('no recent successful database round-trip');
    if (this.#memoryPressure) reasons.push('memory above MEMORY_HIGH_WATERMARK');
    return { ready: reasons.length === 0, reasons, database };
  }
}
