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
  /**
   * How to refuse each borrow waiting now. A set, not one long-lived promise
   * every borrow races: each race would leave a reaction on that promise,
   * holding the borrow's connection, until the refusal that never comes in
   * normal operation (a leak of one connection object per queued borrow).
   */
  readonly #waiting = new Set<() => void>();

  get refusing(): boolean {
    return this.#refusing;
  }

  /** Borrows waiting now (for tests and the leak check: 0 once they are served). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** The borrow, unless refuse() comes first. */
  wait<C extends Closable>(borrow: Promise<C>): Promise<C> {
    if (this.#refusing) {
      giveBack(borrow);
      return Promise.reject(poolClosedError());
    }
    return new Promise<C>((resolve, reject) => {
      const refuse = () => {
        reject(poolClosedError());
        giveBack(borrow);
      };
      this.#waiting.add(refuse);
      borrow.then(
        (conn) => {
          this.#waiting.delete(refuse);
          resolve(conn); // after a refusal: a no-op, and giveBack closes it
        },
        (error: unknown) => {
          this.#waiting.delete(refuse);
          reject(error);
        },
      );
    });
  }

  /** Refuse every borrow waiting now, and every later one that would wait. */
  refuse(): void {
    this.#refusing = true;
    for (const refuse of this.#waiting) refuse();
    this.#waiting.clear();
  }
}

/** A connection the driver hands out after the refusal goes straight back. */
function giveBack(borrow: Promise<Closable>): void {
  borrow.then((conn) => conn.close().catch(() => {}), () => {});
}
