import type { Logger } from 'winston';
import { toDbError } from '../db/oracle-errors.js';
import { roundTrip } from '../db/round-trip.js';
import type { BorrowContext, Database } from '../db/types.js';
import type { Readiness } from './readiness.js';

/**
 * The stable code of a failed round-trip, for readiness and logs: the
 * driver's code when there is one (the most precise), else the db layer's
 * domain code, else INTERNAL (a bug, not the database).
 */
export function failureCode(error: unknown): string {
  const dbError = toDbError(error);
  return dbError?.driverCode ?? dbError?.code ?? 'INTERNAL';
}

/**
 * Background database probe feeding readiness, so /readyz costs nothing per
 * call. It skips its round-trip while real traffic keeps proving the database
 * answers, and never reads a busy pool (queue timeout or full) as a database
 * outage: under load every replica would otherwise drop out of the Service at
 * once, which is the outage.
 */
export class DbProbe {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #wasUp: boolean | undefined;

  constructor(
    private readonly db: Database,
    private readonly readiness: Readiness,
    private readonly logger: Logger,
    private readonly intervalSeconds: number,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.probe(), this.intervalSeconds * 1000);
    this.#timer.unref();
    // Probe as soon as the pool exists instead of waiting a whole interval.
    void this.db.whenCreated().then(() => this.probe());
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async probe(): Promise<void> {
    if (this.#running || !this.db.created) return;
    if (this.readiness.successAge() < this.intervalSeconds && this.readiness.database().lastError === null) return;
    this.#running = true;
    try {
      await probeRoundTrip(this.db, this.readiness, { route: 'background-probe' });
    } catch {
      // probeRoundTrip recorded it
    } finally {
      this.#running = false;
      this.#logTransition();
    }
  }

  #logTransition(): void {
    const db = this.readiness.database();
    if (this.#wasUp === db.up) return;
    if (db.up) this.logger.info('Database reachable', { event: 'database_up' });
    else this.logger.warn('Database unreachable', { event: 'database_down', error: db.lastError });
    this.#wasUp = db.up;
  }
}

/**
 * One real round-trip on a borrowed connection, recorded in readiness.
 * Shared by the probe and /api/health. Returns the round-trip seconds.
 *
 * Promise handlers rather than an async function: every /api/health request
 * waits here for its connection (about a second at 1000 users), and what it
 * holds meanwhile is promoted to V8's old generation; a suspended async
 * frame holds about half as much again as two handlers and their scope.
 */
export function probeRoundTrip(db: Database, readiness: Readiness, context: BorrowContext): Promise<number> {
  let borrow: Promise<number>;
  try {
    borrow = db.withConnection(roundTrip, context);
  } catch (error) {
    borrow = Promise.reject(error);
  }
  return borrow.then(
    (seconds) => {
      readiness.recordSuccess(seconds);
      return seconds;
    },
    (error: unknown) => {
      // A busy pool says nothing about the database: under load every replica
      // would otherwise turn unready at once, which is the outage. Nor does a
      // breaker refusal: no round-trip was tried (the failures that opened it
      // were recorded as they happened).
      const dbError = toDbError(error);
      if (dbError?.busy !== true && dbError?.facts.breakerOpen !== true) readiness.recordFailure(failureCode(error));
      throw error;
    },
  );
}
