import oracledb from 'oracledb';
import type { Logger } from 'winston';
import type { Config } from '../config/load.js';
import { backoffSeconds } from './backoff.js';
import { BorrowSiteCapture } from './borrow-sites.js';
import { BorrowQueue } from './borrow-queue.js';
import { connectTarget } from './connect-target.js';
import { describeCreateFailure, readinessReason, stoppedMessage, type CreateFailure } from './create-failure.js';
import { driverServerType, ServerTypeMismatch } from './server-type-check.js';
import { acquireFailureCause, DbError, DbErrorCode } from './db-error.js';
import { poolClosedError } from './queue-errors.js';
import { applyConnectionClass, poolAttributes } from './pool-attributes.js';
import { boundedRoundTrip } from './round-trip.js';
import type { BorrowContext, Database, DbConnection, PoolFigures, PoolObserver } from './types.js';
import { borrowWatches, withConnection, type BorrowOptions, type RawConnection } from './with-connection.js';
import { asRawConnection } from './raw-connection.js';
import { poolSizeMessage } from './pool-size-message.js';
import { poolSizeChanged, reconfigureDriver } from './resize.js';
import { poolFigures } from './pool-figures.js';
import { reportServerMode } from './connect-data.js';

export interface OraclePoolDeps {
  config: Config;
  logger: Logger;
  observer: PoolObserver;
  random?: () => number;
}

/**
 * The oracledb pool, with WAIT semantics: when all DB_POOL_MAX connections
 * are busy, a borrow queues (up to DB_POOL_QUEUE_MAX requests) for up to
 * DB_POOL_TIMEOUT seconds instead of failing at once, first come, first
 * served (borrow-queue.ts).
 *
 * Creation is retried in the background with capped, jittered backoff, so a
 * database that is down at startup leaves the HTTP server up and not ready
 * rather than crash-looping the pod. In thin mode createPool() returns before
 * any session exists, so an attempt only counts once a connection was really
 * borrowed and used.
 */
export class OraclePool implements Database {
  #config: Config;
  readonly #logger: Logger;
  readonly #observer: PoolObserver;
  readonly #random: () => number;
  readonly #borrowSites: BorrowSiteCapture;
  /** Fixed for the pool's life: built once, not per request. */
  readonly #borrowOptions: BorrowOptions;
  #pool: oracledb.Pool | undefined;
  #closing = false;
  /** The WAIT queue (borrow-queue.ts): the driver is asked only for free slots. */
  readonly #queue: BorrowQueue<RawConnection>;
  #retryTimer: NodeJS.Timeout | undefined;
  #wakeRetry: (() => void) | undefined;
  #created: Promise<void>;
  #lastCreateError: CreateFailure | undefined;
  #resolveCreated!: () => void;
  #reconfiguring: Promise<void> | undefined;

  constructor(deps: OraclePoolDeps) {
    this.#config = deps.config;
    this.#logger = deps.logger;
    this.#observer = deps.observer;
    this.#random = deps.random ?? Math.random;
    this.#borrowSites = new BorrowSiteCapture({ always: deps.config.pool.borrowSites === 'always' });
    this.#queue = new BorrowQueue(() => {
      const pool = this.#pool;
      return pool ? pool.getConnection().then(asRawConnection) : Promise.reject(poolClosedError());
    }, () => this.#config.pool);
    this.#borrowOptions = {
      getConnection: () => this.#queue.borrow(),
      returned: (heldMs) => this.#queue.released(heldMs),
      observer: this.#observer,
      logger: this.#logger,
      outFormatArray: oracledb.OUT_FORMAT_ARRAY,
      callTimeoutMs: Math.round(deps.config.db.callTimeoutSeconds * 1000),
      slowHoldSeconds: deps.config.pool.slowHoldSeconds,
      borrowSites: this.#borrowSites,
      watches: borrowWatches(),
    };
    this.#created = new Promise((resolve) => {
      this.#resolveCreated = resolve;
    });
  }

  get created(): boolean {
    return this.#pool !== undefined;
  }

  /**
   * Why the pool does not exist yet, for readiness: the driver code of the
   * last failed attempt (never its free text, which stays in the log).
   */
  get lastCreateError(): string | undefined {
    return this.#pool || !this.#lastCreateError ? undefined : readinessReason(this.#lastCreateError);
  }

  whenCreated(): Promise<void> {
    return this.#created;
  }

  /** Start creating the pool in the background; never throws. */
  start(): void {
    void this.#createLoop();
  }

  async #createLoop(): Promise<void> {
    for (let attempt = 1; !this.#closing; attempt++) {
      const createdWith = this.#config;
      const pool = await this.#tryCreate();
      if (pool) {
        if (this.#closing) {
          await pool.close(0).catch(() => {});
          return;
        }
        // Reloads while the attempt ran (or during this catch-up): the pool takes the settings it missed.
        for (let applied = createdWith; this.#config !== applied; ) {
          applied = this.#config;
          await reconfigureDriver(pool, applied).catch((error: unknown) => {
            this.#logger.warn('The new pool refused the reloaded settings; it keeps those it was created with', { event: 'pool_reconfigure_failed', error: String(error) });
            this.#config = applied = createdWith;
          });
        }
        this.#pool = pool;
        this.#resolveCreated();
        this.#logStartup();
        return;
      }
      this.#observer.createFailed();
      const failure = this.#lastCreateError;
      if (failure?.stopRetrying) {
        this.#logger.error(stoppedMessage(failure), { event: 'pool_create_stopped', attempt, database: connectTarget(this.#config.db.connectString), error: failure });
        return;
      }
      const delay = backoffSeconds(attempt, this.#config.db.retryMaxDelaySeconds, this.#random);
      const reason = failure?.code ? failure.code + (failure.cause ? ` caused by ${failure.cause}` : '') : (failure?.message ?? 'unknown error');
      this.#logger.warn(`Database unreachable (${reason}); pool creation attempt ${attempt} failed, retrying in ${delay.toFixed(1)}s`, {
        event: 'pool_create_retry',
        attempt,
        retryInSeconds: Number(delay.toFixed(2)),
        database: connectTarget(this.#config.db.connectString),
        error: failure,
      });
      await new Promise<void>((resolve) => {
        this.#wakeRetry = resolve;
        this.#retryTimer = setTimeout(resolve, delay * 1000);
      });
    }
  }

  async #tryCreate(): Promise<oracledb.Pool | undefined> {
    const { db } = this.#config;
    let pool: oracledb.Pool | undefined;
    try {
      applyConnectionClass(oracledb, this.#config);
      pool = await oracledb.createPool(poolAttributes(this.#config));
      // A TNS alias's entry decides the server type, and orapool cannot see it before this.
      const resolved = driverServerType(pool);
      if (resolved && resolved !== db.server.type) throw new ServerTypeMismatch(db.server.type, resolved);
      // The real proof: a session exists and answers.
      const conn = await pool.getConnection();
      try {
        await boundedRoundTrip(conn, Math.round(db.callTimeoutSeconds * 1000));
      } finally {
        await conn.close().catch(() => {});
      }
      return pool;
    } catch (error) {
      this.#lastCreateError = describeCreateFailure(error, [db.connectString, poolAttributes(this.#config).connectString ?? ''], {
        walletLocation: db.walletLocation,
        walletPassword: db.walletPassword !== undefined,
        configDir: db.configDir,
      });
      await pool?.close(0).catch(() => {});
      return undefined;
    }
  }

  #logStartup(): void {
    this.#logger.info(poolSizeMessage('Database pool initialized', this.#config), { event: 'pool_initialized', thin: oracledb.thin, ...this.#config.pool, database: reportServerMode(this.#config.db.server) });
  }

  figures(): PoolFigures {
    return poolFigures(this.#pool, this.#config.pool, this.#queue.waiting);
  }

  withConnection<T>(fn: (conn: DbConnection) => Promise<T>, context?: BorrowContext): Promise<T> {
    const pool = this.#pool;
    if (!pool) {
      // Once close() began, a borrow fails as the driver's own closed pool would
      // fail it (so the client hears "shutting down", not "database unavailable").
      const error = this.#closing
        ? poolClosedError()
        : DbError.fast(DbErrorCode.DATABASE_UNAVAILABLE, 'database pool is not initialized yet', {
            // Creation is retried with backoff capped at DB_RETRY_MAX_DELAY: half of it is the mean wait.
            retryInSeconds: Math.ceil(this.#config.db.retryMaxDelaySeconds / 2),
          });
      this.#observer.connectionRequested();
      this.#observer.acquireFailed(this.#closing ? 'pool_closed' : 'database_unavailable', 0);
      return Promise.reject(error);
    }
    return withConnection(this.#borrowOptions, fn, context);
  }

  /** A borrow refused before it would wait (full queue, or waits refused), answered and counted as that borrow without its machinery. */
  refusal(): DbError | undefined {
    const error = this.#pool && this.#queue.refusal();
    if (error) {
      this.#observer.connectionRequested();
      this.#observer.acquireFailed(acquireFailureCause(error), 0);
    }
    return error;
  }

  /**
   * Apply a reloaded configuration's live settings (resize.ts): the driver's
   * first, since only it can refuse, and a refusal leaves everything as it
   * was. Borrows read this.#config on every call, so they see the new
   * sizes at once. Before the pool exists, creation simply uses them.
   */
  async reconfigure(next: Config): Promise<void> {
    const previous = this.#config;
    const pool = this.#pool;
    // close() waits for it: the driver refuses to close a pool while it reconfigures.
    if (pool && !this.#closing) await (this.#reconfiguring = reconfigureDriver(pool, next)).finally(() => (this.#reconfiguring = undefined));
    this.#config = next;
    // A larger DB_POOL_MAX serves the queue at once.
    this.#queue.dispatch();
    this.#borrowOptions.slowHoldSeconds = next.pool.slowHoldSeconds;
    this.#borrowSites.always = next.pool.borrowSites === 'always';
    if (poolSizeChanged(previous, next)) {
      this.#logger.info(poolSizeMessage('Database pool resized', next), { event: 'pool_resized', created: pool !== undefined, ...next.pool });
    }
  }

  /**
   * Answer every request still waiting for a connection, and every later one
   * that would wait, with POOL_CLOSED (borrow-queue.ts); borrowed connections
   * are not touched. Returns how many were waiting.
   */
  refuseWaiting(): number {
    return this.#queue.refusing ? 0 : this.#queue.refuseWaiting();
  }

  async close(drainSeconds: number): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    this.#wakeRetry?.();
    this.#resolveCreated();
    const pool = this.#pool;
    this.#pool = undefined;
    // Nothing will be given back to them now.
    this.#queue.rejectAll(poolClosedError());
    if (!pool) return;
    await this.#reconfiguring?.catch(() => {});
    const busy = pool.connectionsInUse;
    this.#logger.info(`Closing database pool (drain up to ${drainSeconds}s, ${busy} in use)`, { event: 'pool_closing', inUse: busy });
    // oracledb waits up to drainTime for borrowed connections, then closes
    // every session (each logs off, so the database frees its processes).
    await pool.close(drainSeconds);
    this.#logger.info('Database pool closed', { event: 'pool_closed' });
  }
}
