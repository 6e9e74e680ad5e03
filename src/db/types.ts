import type { AcquireFailureCause } from './db-error.js';

/**
 * The narrow interface the rest of orapool sees. Only src/db/ knows oracledb;
 * HTTP handlers, health and metrics talk to this, and unit tests implement it
 * with small doubles.
 */

export interface PoolFigures {
  /** Connections open (idle + in use). */
  open: number;
  inUse: number;
  idle: number;
  /** Requests queued waiting for a connection. */
  waiting: number;
  min: number;
  max: number;
  increment: number;
  queueMax: number;
  queueTimeoutSeconds: number;
}

export interface QueryResult {
  rows: unknown[][];
}

/** A borrowed connection, as handlers may use it. */
export interface DbConnection {
  execute(sql: string, binds?: unknown[]): Promise<QueryResult>;
}

/** Who borrowed: logged when a connection is held too long. */
export interface BorrowContext {
  route?: string;
  requestId?: string;
}

export interface Database {
  /** True once the pool exists and one connection was really borrowed. */
  readonly created: boolean;
  figures(): PoolFigures;
  /**
   * The refusal a borrow would get right now without touching the pool: the
   * circuit breaker is open, or the queue is full (or waits are refused while
   * shutting down). A route asks it before admission control, so a request
   * meets "database down" before "overloaded" (the queue a down database
   * leaves behind is stale), and an overload is answered without a borrow's
   * machinery. It never claims the breaker's trial; a refusal it returns is
   * counted as the refused borrow it stands for, since the route answers with
   * it instead.
   */
  refusal?(): Error | undefined;
  /** Borrow, run fn, always release (and drop the connection if fn broke it). */
  withConnection<T>(fn: (conn: DbConnection) => Promise<T>, context?: BorrowContext): Promise<T>;
  /** Resolves when the pool is created, or when close() is called first. */
  whenCreated(): Promise<void>;
  /** Stop retrying, wait up to drainSeconds for borrowed connections, close every session. */
  close(drainSeconds: number): Promise<void>;
}

/** What the pool reports as it works; the Prometheus counters and admission's hold-time mean listen. */
export interface PoolObserver {
  connectionRequested(): void;
  acquired(waitSeconds: number): void;
  acquireFailed(cause: AcquireFailureCause, waitSeconds: number): void;
  released(holdSeconds: number): void;
  slowHold(): void;
  createFailed(): void;
}
