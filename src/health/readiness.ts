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

/**
 * required: a failed or stale round-trip makes the replica not ready.
 * startup: the replica must reach the database once (pool created, one
 * round-trip succeeded); after that a database outage is reported but leaves
 * it ready, so a shared outage does not empty the Service and clients keep
 * getting orapool's fast 503 DATABASE_UNAVAILABLE with Retry-After.
 */
export type DatabaseReadiness = 'required' | 'startup';

export interface ReadinessStatus {
  ready: boolean;
  /** Why the replica is not ready; empty when it is. */
  reasons: string[];
  /** Database problems that, under READINESS_DATABASE=startup, do not make it unready. */
  notes: string[];
  database: DatabaseState;
}

export interface ReadinessOptions {
  poolCreated: () => boolean;
  /** Why the pool could not be created yet (the driver's error code), if known. */
  createError?: () => string | undefined;
  /** A success older than this no longer counts as "recent". */
  maxSuccessAgeSeconds: number;
  /** READINESS_DATABASE; required when not given. */
  databaseReadiness?: DatabaseReadiness;
  now?: () => number;
}

export class Readiness {
  #shuttingDown = false;
  #memoryPressure = false;
  #lastSuccessAt: number | null = null;
  #lastRoundTrip: number | null = null;
  #lastError: string | null = null;
  #everSucceeded = false;
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
    this.#everSucceeded = true;
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
    const notes: string[] = [];
    if (this.#shuttingDown) reasons.push('shutting down');
    if (!this.options.poolCreated()) {
      const cause = this.options.createError?.();
      reasons.push(cause ? `database pool not initialized (last attempt: ${cause})` : 'database pool not initialized');
    } else {
      const problem = this.#databaseProblem(database);
      // Under startup a replica that once reached the database stays ready: every replica shares the database,
      // so taking them all out of the Service would only turn fast 503s into connection errors.
      const tolerated = this.options.databaseReadiness === 'startup' && this.#everSucceeded;
      if (problem !== null) (tolerated ? notes : reasons).push(problem);
    }
    if (this.#memoryPressure) reasons.push('memory above MEMORY_HIGH_WATERMARK');
    return { ready: reasons.length === 0, reasons, notes, database };
  }

  #databaseProblem(database: DatabaseState): string | null {
    if (this.#lastError !== null) return `last database round-trip failed (${this.#lastError})`;
    if (!database.up) return 'no recent successful database round-trip';
    return null;
  }
}
