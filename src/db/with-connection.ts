import type { Logger } from 'winston';
import { describeError } from '../logger.js';
import { version } from '../version.js';
import type { BorrowSiteCapture } from './borrow-sites.js';
import { DeadlineWatch } from './deadline-watch.js';
import { acquireFailureCause } from './db-error.js';
import { callGuardTimeoutError, isBrokenConnectionError, toDbError } from './oracle-errors.js';
import type { BorrowContext, DbConnection, PoolObserver, QueryResult } from './types.js';

/** The slice of an oracledb connection we use. */
export interface RawConnection {
  callTimeout: number;
  execute(sql: string, binds: unknown[], options: { outFormat: number }): Promise<{ rows?: unknown[] }>;
  close(options?: { drop?: boolean }): Promise<void>;
  /** Cut the session's socket at once (see OraclePool); optional for doubles. */
  abort?(): void;
  /**
   * End-to-end tracing attributes (V$SESSION.MODULE, ACTION,
   * CLIENT_IDENTIFIER). Write-only setters in oracledb: the thin driver only
   * marks them modified and sends them piggybacked on the next round-trip.
   */
  module: string;
  action: string;
  clientId: string;
}

/**
 * Oracle's limits for the end-to-end attributes, in bytes
 * (DBMS_APPLICATION_INFO.SET_MODULE: module 48, action 32;
 * DBMS_SESSION.SET_IDENTIFIER: 64). Longer values are cut here rather than
 * left to the server or driver.
 */
export const SESSION_TAG_LIMITS = { module: 48, action: 32, clientId: 64 } as const;

/** Cut s to at most maxBytes of UTF-8 without splitting a character. */
export function fitBytes(s: string, maxBytes: number): string {
  if (s.length <= maxBytes && Buffer.byteLength(s) <= maxBytes) return s;
  let cut = s.slice(0, maxBytes);
  while (Buffer.byteLength(cut) > maxBytes) cut = cut.slice(0, -1);
  // A lone high surrogate left at the end would encode as U+FFFD.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** V$SESSION.MODULE of every borrowed session: which service, which version. Built once. */
export const SESSION_MODULE = fitBytes(`orapool/${version}`, SESSION_TAG_LIMITS.module);

/**
 * Tag the session with who borrowed it, so a DBA can attribute it: module =
 * orapool/<version>, action = the route pattern (never the raw URL), client
 * identifier = the request id ('' clears the previous borrower's for a
 * borrow without one, such as the background probe). No round-trip: the
 * values ride on the borrower's first call. Not reset on release: a reset
 * would travel on the next borrower's call, which sets its own values anyway,
 * so an idle session keeps showing its last borrower (docs/operations.md).
 */
function tagSession(raw: RawConnection, context: BorrowContext): void {
  raw.module = SESSION_MODULE;
  raw.action = context.route === undefined ? '' : fitBytes(context.route, SESSION_TAG_LIMITS.action);
  raw.clientId = context.requestId === undefined ? '' : fitBytes(context.requestId, SESSION_TAG_LIMITS.clientId);
}

/**
 * Added to DB_CALL_TIMEOUT before our own guard fires. The driver's
 * callTimeout sends a break and then waits for the server to acknowledge it;
 * a frozen server or a network black hole never does, and the call would hang
 * forever. The guard bounds it no matter what.
 */
export const CALL_GUARD_GRACE_MS = 500;

export interface BorrowOptions {
  getConnection: () => Promise<RawConnection>;
  /** After the connection, held heldMs, went back to the pool (or was dropped): its slot is free (borrow-queue.ts). */
  returned?: (heldMs: number) => void;
  observer: PoolObserver;
  logger: Logger;
  /** oracledb.OUT_FORMAT_ARRAY, passed in so this file need not import oracledb. */
  outFormatArray: number;
  callTimeoutMs: number;
  /** 0 disables slow-hold detection. */
  slowHoldSeconds: number;
  /** When to record borrow sites (DB_BORROW_SITES): the slow-hold log names the borrower from them. */
  borrowSites: BorrowSiteCapture;
  /** The slow-hold and call-guard deadlines of this pool's borrows (borrowWatches()). */
  watches: BorrowWatches;
}

/** The deadlines every borrow sets and almost never reaches, one watch each (deadline-watch.ts). */
export interface BorrowWatches {
  holds: DeadlineWatch<BorrowedConnection>;
  calls: DeadlineWatch<GuardedCall>;
}

export function borrowWatches(): BorrowWatches {
  return { holds: new DeadlineWatch(warnSlowHold), calls: new DeadlineWatch(guardFired) };
}

const seconds = (startMs: number) => (performance.now() - startMs) / 1e3;

/**
 * Borrow a pooled connection, run fn, and always give it back, in `finally`.
 * Around that: the acquire-time histogram (measured here, around
 * getConnection, so queue time is included), the hold-time histogram, and a
 * one-shot warning when a borrower holds a connection too long (a leak or a
 * slow query starving everybody else).
 *
 * Driver errors leave as DbErrors (stable domain codes, the driver error as
 * cause); anything else (a bug in fn) leaves unchanged.
 *
 * Promise handlers until the connection is there, an async function after:
 * a borrow may queue for a connection (about a second at 1000 users on a
 * pool of 40), and what it holds meanwhile is promoted to V8's old
 * generation, where the garbage of 1000 waiting requests adds up between
 * full collections (bench/load/memory.ts). A suspended async frame holds
 * about half as much again as two handlers and their scope.
 */
export function withConnection<T>(
  options: BorrowOptions,
  fn: (conn: DbConnection) => Promise<T>,
  context: BorrowContext = {},
): Promise<T> {
  const { observer } = options;
  // Captured before the connection is asked for: later, the stack holds only
  // the microtask queue, not the caller who borrowed. V8 formats the frames
  // only when .stack is read, which happens only if the slow-hold warning fires.
  const borrowSite =
    options.slowHoldSeconds > 0 ? options.borrowSites.capture() : undefined;
  observer.connectionRequested();
  const acquireStart = performance.now();
  let acquiring: Promise<RawConnection>;
  try {
    acquiring = options.getConnection();
  } catch (thrown) {
    acquiring = Promise.reject(thrown);
  }
  return acquiring.then(
    (raw) => {
      // One clock reading ends the wait and starts the hold.
      const acquiredAt = performance.now();
      observer.acquired((acquiredAt - acquireStart) / 1e3);
      return hold(raw, options, fn, context, borrowSite, acquiredAt);
    },
    (thrown: unknown) => {
      const error = toDbError(thrown) ?? thrown;
      observer.acquireFailed(acquireFailureCause(error), seconds(acquireStart));
      throw error;
    },
  );
}

/** The borrowed connection's life: tagged, bounded, watched for a slow hold, released in `finally`. */
async function hold<T>(
  raw: RawConnection,
  options: BorrowOptions,
  fn: (conn: DbConnection) => Promise<T>,
  context: BorrowContext,
  borrowSite: Error | undefined,
  holdStart: number,
): Promise<T> {
  const { observer } = options;
  // Bounded round-trips: a frozen database must give an error, not a hang.
  raw.callTimeout = options.callTimeoutMs;
  const conn = new BorrowedConnection(raw, options, context, borrowSite);
  const slowHold = options.slowHoldSeconds > 0 ? options.watches.holds.watch(conn, options.slowHoldSeconds * 1000) : undefined;

  try {
    tagSession(raw, context);
    return await fn(conn);
  } finally {
    options.watches.holds.clear(slowHold);
    const held = seconds(holdStart);
    observer.released(held);
    try {
      // A connection that timed out or lost its socket is dropped, not
      // returned, so the next borrower never inherits a bad session.
      await (conn.broken ? raw.close({ drop: true }) : raw.close());
    } catch (error) {
      options.logger.warn('Releasing a connection failed', { event: 'release_failed', error: describeError(error) });
    }
    options.returned?.(held * 1e3);
  }
}

/** A borrower held its connection past DB_SLOW_HOLD_SECONDS: once per borrow. */
function warnSlowHold({ options, context, borrowSite }: BorrowedConnection): void {
  options.observer.slowHold();
  options.borrowSites.slowHoldSeen();
  options.logger.warn('Connection held longer than DB_SLOW_HOLD_SECONDS', {
    event: 'slow_hold',
    thresholdSeconds: options.slowHoldSeconds,
    route: context.route,
    requestId: context.requestId,
    borrowSite:
      borrowSite?.stack?.split('\n').slice(2, 8).map((l) => l.trim()) ??
      'not recorded: borrow sites are recorded for a while after a slow hold, so the next one will show it',
  });
}

/**
 * What the borrower's fn is given: each call bounded by the call guard, and
 * a connection that timed out or lost its socket marked broken so it is
 * dropped on release. A class, so a borrow allocates one object, not an
 * object and a closure over the borrow's scope; it is also what the
 * slow-hold watch holds.
 */
class BorrowedConnection implements DbConnection {
  broken = false;

  constructor(
    private readonly raw: RawConnection,
    readonly options: BorrowOptions,
    readonly context: BorrowContext,
    readonly borrowSite: Error | undefined,
  ) {}

  /**
   * One promise, settled by whichever comes first, the call or its guard
   * (cheaper per round-trip than a second promise and Promise.race, and than
   * an async function around it: this is every request's round-trip).
   */
  execute(sql: string, binds: unknown[] = []): Promise<QueryResult> {
    return new Promise<QueryResult>((resolve, reject) => {
      const call: GuardedCall = { conn: this, reject };
      const { calls } = this.options.watches;
      const guard = calls.watch(call, this.options.callTimeoutMs + CALL_GUARD_GRACE_MS);
      const fail = (error: unknown) => {
        calls.clear(guard);
        reject(this.failed(error));
      };
      let pending: Promise<{ rows?: unknown[] }>;
      try {
        pending = this.raw.execute(sql, binds, { outFormat: this.options.outFormatArray });
      } catch (error) {
        return fail(error);
      }
      // Settled later when the guard won: handled here, never unhandled.
      pending.then((result) => {
        calls.clear(guard);
        resolve({ rows: (result.rows ?? []) as unknown[][] });
      }, fail);
    });
  }

  /** The error a failed call answers with; a connection that timed out or lost its socket is marked for dropping. */
  failed(error: unknown): unknown {
    if (isBrokenConnectionError(error)) this.broken = true;
    return toDbError(error) ?? error;
  }

  /** The guard won: free the session by cutting its socket, so the pending call rejects and the connection is dropped instead of leaking. */
  abort(): void {
    this.raw.abort?.();
  }
}

/** A call in flight, for its guard. */
interface GuardedCall {
  conn: BorrowedConnection;
  reject: (error: unknown) => void;
}

function guardFired({ conn, reject }: GuardedCall): void {
  conn.abort();
  reject(conn.failed(callGuardTimeoutError(conn.options.callTimeoutMs)));
}
