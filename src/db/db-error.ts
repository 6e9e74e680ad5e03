/**
 * What the db layer reports when a borrow or a round-trip fails: a stable
 * domain code and the facts a caller needs, never an HTTP answer: src/http
 * decides what a client sees.
 */
export const DbErrorCode = {
  /** Every pooled connection stayed busy for DB_POOL_TIMEOUT seconds. */
  POOL_QUEUE_TIMEOUT: 'POOL_QUEUE_TIMEOUT',
  /** DB_POOL_QUEUE_MAX requests were already waiting. */
  POOL_QUEUE_FULL: 'POOL_QUEUE_FULL',
  /** The pool does not exist yet (database unreachable at startup) or the database refused us. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** A database round-trip exceeded DB_CALL_TIMEOUT. */
  DATABASE_TIMEOUT: 'DATABASE_TIMEOUT',
  /** The pool is closing or closed: the service is shutting down. */
  POOL_CLOSED: 'POOL_CLOSED',
} as const;
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode];

/** Why acquiring a connection failed; the `cause` label of orapool_pool_acquire_failures_total. */
export type AcquireFailureCause = 'queue_timeout' | 'queue_full' | 'database_unavailable' | 'pool_closed' | 'other';

export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    message: string,
    readonly facts: {
      /** The driver's code behind it, when there is one: readiness and logs name it. */
      driverCode?: string;
      /** How long the db layer expects the condition to last, when it knows (a pool still being created). */
      retryInSeconds?: number;
      /** Refused by the circuit breaker (breaker.ts): no round-trip was tried, so it says nothing new about the database. */
      breakerOpen?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = 'DbError';
  }

  get driverCode(): string | undefined {
    return this.facts.driverCode;
  }

  get retryInSeconds(): number | undefined {
    return this.facts.retryInSeconds;
  }

  /** A busy pool, not a database outage: its reachability is unknown. */
  get busy(): boolean {
    return this.code === DbErrorCode.POOL_QUEUE_TIMEOUT || this.code === DbErrorCode.POOL_QUEUE_FULL;
  }

  /**
   * A DbError without a captured stack trace. Refusals under overload are
   * made thousands of times a second exactly when CPU is scarcest, and their
   * stack is never read: a refusal is a decision, not a bug.
   */
  static fast(...args: ConstructorParameters<typeof DbError>): DbError {
    return withoutStack(() => new DbError(...args));
  }
}

const causes: Record<DbErrorCode, AcquireFailureCause> = {
  POOL_QUEUE_TIMEOUT: 'queue_timeout',
  POOL_QUEUE_FULL: 'queue_full',
  POOL_CLOSED: 'pool_closed',
  DATABASE_UNAVAILABLE: 'database_unavailable',
  DATABASE_TIMEOUT: 'database_unavailable',
};

/** The acquire-failure cause of any error a borrow may throw. */
export function acquireFailureCause(error: unknown): AcquireFailureCause {
  return error instanceof DbError ? causes[error.code] : 'other';
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
