import type { Breaker, Evidence } from './breaker.js';
import { DbError, DbErrorCode } from './db-error.js';
import { isDatabaseDownError } from './oracle-errors.js';
import type { BorrowContext, Database, DbConnection, PoolFigures, PoolObserver } from './types.js';

/** What a finished borrow says about the database (breaker.ts Evidence). */
export function evidenceOf(error: unknown): Evidence {
  if (isDatabaseDownError(error)) return 'down';
  // An ORA- error was sent by the database, so it answered (a SQL error, a killed session);
  // a busy pool, a client-side NJS- error or a bug in the handler says nothing about it.
  const code = error instanceof DbError ? error.driverCode : undefined;
  return code?.startsWith('ORA-') ? 'answered' : 'none';
}

/** The answer while the breaker is open: DATABASE_UNAVAILABLE, to retry when the next trial may pass. */
export function breakerOpenError(retryInSeconds: number): DbError {
  return DbError.fast(DbErrorCode.DATABASE_UNAVAILABLE, 'database unavailable: circuit breaker open', { retryInSeconds, breakerOpen: true });
}

/**
 * The Database with a circuit breaker in front (breaker.ts): a decorator, so
 * the pool knows nothing of it and DB_BREAKER_ENABLED=false simply leaves it
 * out. Every borrow's outcome is evidence for the breaker; while it is open,
 * borrows are refused at once, and a borrow still waiting for a connection
 * when it opens is released with the same answer. The driver cannot withdraw
 * a queued request, so a connection it hands out later to a released borrow
 * goes straight back unused. A borrow that already holds a connection is
 * left alone: its round-trip is bounded by DB_CALL_TIMEOUT.
 */
export class BreakerDatabase implements Database {
  constructor(
    private readonly inner: Database,
    private readonly breaker: Breaker,
    private readonly observer?: Pick<PoolObserver, 'connectionRequested' | 'acquireFailed'>,
  ) {}

  get created(): boolean {
    return this.inner.created;
  }

  figures(): PoolFigures {
    return this.inner.figures();
  }

  whenCreated(): Promise<void> {
    return this.inner.whenCreated();
  }

  close(drainSeconds: number): Promise<void> {
    return this.inner.close(drainSeconds);
  }

  refusal(): Error | undefined {
    // Open: the database is down, whatever the queue says. Else the pool's own refusal (a full queue).
    if (!this.breaker.refusing()) return this.inner.refusal?.();
    this.observer?.connectionRequested();
    this.observer?.acquireFailed('database_unavailable', 0);
    return breakerOpenError(this.breaker.retryAfterSeconds());
  }

  withConnection<T>(fn: (conn: DbConnection) => Promise<T>, context?: BorrowContext): Promise<T> {
    const verdict = this.breaker.admit();
    if (verdict === 'refuse') {
      this.observer?.connectionRequested();
      this.observer?.acquireFailed('database_unavailable', 0);
      return Promise.reject(breakerOpenError(this.breaker.retryAfterSeconds()));
    }
    const trial = verdict === 'trial';
    let acquired = false;
    let released = false;
    return new Promise<T>((resolve, reject) => {
      // The trial is never released: its outcome is what the breaker waits for.
      const unsubscribe = trial
        ? () => false
        : this.breaker.onNextOpen(() => {
            if (acquired) return;
            released = true;
            reject(breakerOpenError(this.breaker.retryAfterSeconds()));
          });
      const use = (conn: DbConnection): Promise<T> => {
        if (released) return Promise.reject(breakerOpenError(this.breaker.retryAfterSeconds()));
        acquired = true;
        return fn(conn);
      };
      // Unsubscribed before the outcome is recorded: a borrow whose own
      // failure opens the breaker answers with that failure.
      this.inner.withConnection(use, context).then(
        (value) => {
          unsubscribe();
          if (!released) this.breaker.record('answered', trial);
          resolve(value);
        },
        (error: unknown) => {
          unsubscribe();
          if (!released) this.breaker.record(evidenceOf(error), trial);
          reject(error);
        },
      );
    });
  }

  /**
   * The same database for the background probe: never refused (the probe is
   * how an open breaker learns the database is back), and its outcome alone
   * opens or closes the breaker.
   */
  forProbe(): Database {
    const { inner, breaker } = this;
    return {
      get created() {
        return inner.created;
      },
      figures: () => inner.figures(),
      whenCreated: () => inner.whenCreated(),
      close: (drainSeconds) => inner.close(drainSeconds),
      withConnection: async (fn, context) => {
        try {
          const value = await inner.withConnection(fn, context);
          breaker.recordProbe('answered');
          return value;
        } catch (error) {
          breaker.recordProbe(evidenceOf(error));
          throw error;
        }
      },
    };
  }
}
