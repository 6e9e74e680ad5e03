import type { Logger } from 'winston';
import type { Database } from '../db/database.js';
import { driverCode, ErrorCode, AppError } from '../errors.js';
import type { Readiness } from './readiness.js';

/** Codes that say "the pool is busy", not "the database is down". */
const busyCodes = new Set(['NJS-040', 'NJS-076']);

/** The stable code of a failed round-trip, for readiness and logs. */
export function failureCode(error: unknown): string {
  if (error instanceof AppError) return error.code;
  return driverCode(error) ?? ErrorCode.INTERNAL;
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
      await roundTrip(this.db, this.readiness, { route: 'background-probe' });
    } catch {
      // roundTrip recorded it
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
 * One real round-trip (SELECT 1 FROM DUAL), recorded in readiness. Shared by
 * the probe and /api/health. Returns the round-trip seconds.
 */
export async function roundTrip(db: Database, readiness: Readiness, context: { route?: string; requestId?: string }): Promise<number> {
  try {
    const seconds = await db.withConnection(async (conn) => {
      const start = performance.now();
      await conn.execute('SELECT 1 FROM DUAL');
      return (performance.now() - start) / 1000;
    }, context);
    readiness.recordSuccess(seconds);
    return seconds;
  } catch (error) {
    const code = failureCode(error);
    if (!busyCodes.has(driverCode(error) ?? '')) readiness.recordFailure(code);
    throw error;
  }
}
