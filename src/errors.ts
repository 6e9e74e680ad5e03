/**
 * Stable error codes. Clients and tests branch on `code`, never on `message`;
 * the messages are for humans and may change.
 */
export const ErrorCode = {
  /** Every pooled connection stayed busy for DB_POOL_TIMEOUT seconds (oracledb NJS-040). */
  POOL_QUEUE_TIMEOUT: 'POOL_QUEUE_TIMEOUT',
  /** DB_POOL_QUEUE_MAX requests were already waiting (oracledb NJS-076). */
  POOL_QUEUE_FULL: 'POOL_QUEUE_FULL',
  /** Admission control: the expected wait exceeds what the queue timeout leaves. */
  OVERLOADED: 'OVERLOADED',
  /** The pool does not exist yet (database unreachable at startup) or the database refused us. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** A database round-trip exceeded DB_CALL_TIMEOUT (oracledb NJS-123). */
  DATABASE_TIMEOUT: 'DATABASE_TIMEOUT',
  /** The service is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why acquiring a connection failed; the `cause` label of orapool_pool_acquire_failures_total. */
export type AcquireFailureCause = 'queue_timeout' | 'queue_full' | 'database_unavailable' | 'pool_closed' | 'other';

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

/** Make an error without capturing a stack trace (for errors made at overload rates and never debugged). */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
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

/** The oracledb / ORA code of an error, if it has one ("NJS-040", "ORA-01017"). */
export function driverCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(NJS|ORA|DPI|TNS)-\d+$/.test(code)) return code;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') return /^((?:NJS|ORA|DPI|TNS)-\d+)/.exec(message)?.[1];
  return undefined;
}

/** Errors after which a connection must not go back to the pool. */
const brokenConnectionCodes = new Set([
  'NJS-123', // call timeout: the session may still be busy server-side
  'NJS-500', // connection to the database was closed
  'NJS-501',
  'NJS-503',
  'NJS-521',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'ORA-01012',
  'ORA-00028',
]);

export function isBrokenConnectionError(error: unknown): boolean {
  const code = driverCode(error);
  return code !== undefined && brokenConnectionCodes.has(code);
}

export function acquireFailureCause(error: unknown): AcquireFailureCause {
  switch (driverCode(error)) {
    case 'NJS-040':
      return 'queue_timeout';
    case 'NJS-076':
      return 'queue_full';
    case 'NJS-065': // pool closed
    case 'NJS-064':
      return 'pool_closed';
    case undefined:
      return 'other';
    default:
      return 'database_unavailable';
  }
}

/**
 * Map a failure to the HTTP answer. Everything about the database is a 503:
 * the caller can retry and another replica may do better; a 500 would page
 * someone for what is load or an outage, not a bug.
 */
export function toAppError(error: unknown, retryAfterSeconds: number | (() => number)): AppError {
  if (error instanceof AppError) return error;
  const code = driverCode(error);
  // Computed only for driver errors: shed requests (already AppErrors) skip reading the pool.
  if (code !== undefined) return databaseAppError(code, typeof retryAfterSeconds === 'function' ? retryAfterSeconds() : retryAfterSeconds, error);
  return new AppError(ErrorCode.INTERNAL, 500, error instanceof Error ? error.message : String(error), undefined, { cause: error });
}

function databaseAppError(code: string, retryAfterSeconds: number, error: unknown): AppError {
  const make = AppError.fast;
  switch (code) {
    case 'NJS-040':
      return make(ErrorCode.POOL_QUEUE_TIMEOUT, 503, 'timed out waiting for a pooled connection', retryAfterSeconds, { cause: error });
    case 'NJS-076':
      return make(ErrorCode.POOL_QUEUE_FULL, 503, 'pool wait queue is full', retryAfterSeconds, { cause: error });
    case 'NJS-123':
      return make(ErrorCode.DATABASE_TIMEOUT, 503, 'database call timed out', retryAfterSeconds, { cause: error });
    case 'NJS-064':
    case 'NJS-065':
      return make(ErrorCode.SHUTTING_DOWN, 503, 'pool is closing', retryAfterSeconds, { cause: error });
    default:
      return make(ErrorCode.DATABASE_UNAVAILABLE, 503, `database error ${code}`, retryAfterSeconds, { cause: error });
  }
}

/** An error as a log field: code and message, no stack (it says nothing new for driver errors). */
export function describeError(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: error.message.split('\n')[0] ?? '' };
  }
  return { message: String(error) };
}
