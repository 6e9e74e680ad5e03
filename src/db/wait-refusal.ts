import { DbError, DbErrorCode } from './db-error.js';

/** The service is shutting down: what a borrow hears once the pool no longer serves waiters. */
export function poolClosedError(): DbError {
  return DbError.fast(DbErrorCode.POOL_CLOSED, 'pool is closing');
}

interface Closable {
  close(): Promise<void>;
}

/**
 * Lets the shutdown answer the borrows still queued for a connection when
 * its drain window is nearly over, so each gets a 503 it can retry elsewhere
 * instead of a socket cut under it. The driver cannot withdraw a queued
 * request (and oracledb 26 never rejects its queue on close), so a
 * connection it hands out after the refusal is given straight back.
 */
export class WaitRefusal {
  #refusing = false;
  /** Rejects every waiting borrow at once; made on the first borrow that waits. */
  #refused: Promise<never> | undefined;
  #refuse: (() => void) | undefined;

  get refusing(): boolean {
    return this.#refusing;
  }

  /** The borrow, unless refuse() comes first. */
  wait<C extends Closable>(borrow: Promise<C>): Promise<C> {
    if (this.#refusing) {
      borrow.then((conn) => conn.close().catch(() => {}), () => {});
      return Promise.reject(poolClosedError());
    }
    if (!this.#refused) {
      this.#refused = new Promise<never>((_, reject) => {
        this.#refuse = () => reject(poolClosedError());
      });
      // Not an unhandled rejection when nobody waits any more.
      this.#refused.catch(() => {});
    }
    return Promise.race([borrow, this.#refused]).catch((error: unknown) => {
      if (error instanceof DbError && error.code === DbErrorCode.POOL_CLOSED) {
        borrow.then((conn) => conn.close().catch(() => {}), () => {});
      }
      throw error;
    });
  }

  /** Refuse every borrow waiting now, and every later one that would wait. */
  refuse(): void {
    this.#refusing = true;
    this.#refuse?.();
  }
}
