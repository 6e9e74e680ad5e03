import { DbError, DbErrorCode } from './db-error.js';
import { QUEUE_FULL_CODE, QUEUE_TIMEOUT_CODE } from './oracle-errors.js';

/**
 * What a borrow hears from the wait queue (borrow-queue.ts), shaped like the
 * driver's own answers (the same codes, so metrics, logs and readiness read
 * them alike). One frozen, stackless instance per setting: under overload
 * they are answered thousands of times a second, and a refusal is a decision,
 * not a bug whose stack anybody reads.
 */
export function queueFullError(queueMax: number): DbError {
  return once(queueFull, queueMax, () => DbError.fast(DbErrorCode.POOL_QUEUE_FULL, `pool wait queue is full (queueMax ${queueMax} reached)`, Object.freeze({ driverCode: QUEUE_FULL_CODE })));
}

/** DB_POOL_TIMEOUT passed before a connection was free: the driver's queue-timeout code. */
export function queueTimeoutError(queueTimeoutMs: number): DbError {
  return once(queueTimeout, queueTimeoutMs, () =>
    DbError.fast(DbErrorCode.POOL_QUEUE_TIMEOUT, `timed out waiting for a pooled connection (queueTimeout ${queueTimeoutMs} ms)`, Object.freeze({ driverCode: QUEUE_TIMEOUT_CODE })),
  );
}

/** The service is shutting down: what a borrow hears once the pool no longer serves waiters. */
export function poolClosedError(): DbError {
  return closed;
}

const queueFull = new Map<number, DbError>();
const queueTimeout = new Map<number, DbError>();
const closed = Object.freeze(DbError.fast(DbErrorCode.POOL_CLOSED, 'pool is closing'));

function once(known: Map<number, DbError>, setting: number, make: () => DbError): DbError {
  let error = known.get(setting);
  if (!error) {
    error = Object.freeze(make());
    known.set(setting, error);
  }
  return error;
}
