import { DbErrorCode, withoutStack, type DbError } from '../db/db-error.js';
import { toDbError } from '../db/oracle-errors.js';

/**
 * The HTTP error model. Clients and tests branch on `code`, never on
 * `message`; the messages are for humans and may change.
 */
export const ErrorCode = {
  /** Every pooled connection stayed busy for DB_POOL_TIMEOUT seconds. */
  POOL_QUEUE_TIMEOUT: 'POOL_QUEUE_TIMEOUT',
  /** DB_POOL_QUEUE_MAX requests were already waiting. */
  POOL_QUEUE_FULL: 'POOL_QUEUE_FULL',
  /** Admission control: the expected wait exceeds what the queue timeout leaves. */
  OVERLOADED: 'OVERLOADED',
  /** The pool does not exist yet (database unreachable at startup) or the database refused us. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** A database round-trip exceeded DB_CALL_TIMEOUT. */
  DATABASE_TIMEOUT: 'DATABASE_TIMEOUT',
  /** The service is shutting down (the pool is closing or closed). */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error that knows its HTTP answer. `expose` follows koa: only 4xx
 * messages reach clients; a 5xx body carries the code and a fixed text.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** Extra body fields the error handler renders beside `error` (a route's own facts, e.g. /api/health's pool figures). */
  details: Record<string, unknown> | undefined;

  get expose(): boolean {
    return this.status < 500;
  }

  /**
   * An AppError without a captured stack trace. Overload answers (503s) are
   * made thousands of times a second exactly when CPU is scarcest, and their
   * stack is never read: a 503 is a decision, not a bug.
   */
  static fast(...args: ConstructorParameters<typeof AppError>): AppError {
    return withoutStack(() => new AppError(...args));
  }
}

/** What clients see for each 5xx code; internal messages never leave the process. */
export const publicMessages: Record<ErrorCode, string> = {
  POOL_QUEUE_TIMEOUT: 'All database connections stayed busy; retry later.',
  POOL_QUEUE_FULL: 'Too many requests are waiting for a database connection; retry later.',
  OVERLOADED: 'The service is at capacity; retry later.',
  DATABASE_UNAVAILABLE: 'The database is unavailable.',
  DATABASE_TIMEOUT: 'The database did not answer in time.',
  SHUTTING_DOWN: 'The service is shutting down; retry on another instance.',
  NOT_FOUND: 'Not found.',
  METHOD_NOT_ALLOWED: 'Method not allowed.',
  INTERNAL: 'Internal error.',
};

/** The public code of each db-layer failure. */
const fromDbCode: Record<DbErrorCode, ErrorCode> = {
  [DbErrorCode.POOL_QUEUE_TIMEOUT]: ErrorCode.POOL_QUEUE_TIMEOUT,
  [DbErrorCode.POOL_QUEUE_FULL]: ErrorCode.POOL_QUEUE_FULL,
  [DbErrorCode.DATABASE_UNAVAILABLE]: ErrorCode.DATABASE_UNAVAILABLE,
  [DbErrorCode.DATABASE_TIMEOUT]: ErrorCode.DATABASE_TIMEOUT,
  [DbErrorCode.POOL_CLOSED]: ErrorCode.SHUTTING_DOWN,
};

/**
 * Map a failure to the HTTP answer. Everything about the database is a 503:
 * the caller can retry and another replica may do better; a 500 would page
 * someone for what is load or an outage, not a bug. Retry-After is the db
 * layer's own estimate when it has one, else `retryAfterSeconds` (admission
 * control's expected wait), computed only for database failures: shed
 * requests (already AppErrors) skip reading the pool.
 */
export function toAppError(error: unknown, retryAfterSeconds: number | (() => number)): AppError {
  if (error instanceof AppError) return error;
  const dbError = toDbError(error);
  if (dbError !== undefined) return databaseAppError(dbError, retryAfterSeconds);
  return new AppError(ErrorCode.INTERNAL, 500, error instanceof Error ? error.message : String(error), undefined, { cause: error });
}

function databaseAppError(error: DbError, retryAfterSeconds: number | (() => number)): AppError {
  const retry = error.retryInSeconds ?? (typeof retryAfterSeconds === 'function' ? retryAfterSeconds() : retryAfterSeconds);
  // The driver's error, when there is one, stays the cause (logs and debuggers see it); else the DbError itself.
  return AppError.fast(fromDbCode[error.code], 503, error.message, retry, { cause: error.cause ?? error });
}
