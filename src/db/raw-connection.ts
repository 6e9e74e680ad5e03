import type oracledb from 'oracledb';
import type { RawConnection } from './with-connection.js';

interface DriverInternals {
  _impl?: {
    nscon?: { forceDisconnect?: () => void };
    /** The session's MODULE and ACTION as last set (lib/thin/connection.js), and whether it is a DRCP one. */
    _module?: unknown;
    _action?: unknown;
    _drcpEnabled?: unknown;
  };
}

/**
 * Our view of an oracledb connection, plus abort(): cutting the socket the
 * way oracledb's own pool does when a checkout ping times out
 * (lib/thin/pool.js calls nscon.forceDisconnect()). There is no public API
 * for it; the driver version is pinned exactly, and without the hook we only
 * lose the early release, not correctness.
 *
 * A wrapper class rather than closures patched onto the driver's object:
 * every borrow makes one, so it allocates one small object with its methods
 * on the prototype.
 */
class DriverConnection implements RawConnection {
  constructor(private readonly conn: oracledb.Connection) {}

  get callTimeout(): number {
    return this.conn.callTimeout ?? 0;
  }

  set callTimeout(ms: number) {
    this.conn.callTimeout = ms;
  }

  // The tracing attributes are write-only in oracledb: the getters answer what it answers.
  get module(): string {
    return (this.conn as unknown as { module: string }).module;
  }

  set module(value: string) {
    if (!this.#carries('_module', value)) this.conn.module = value;
  }

  get action(): string {
    return (this.conn as unknown as { action: string }).action;
  }

  set action(value: string) {
    if (!this.#carries('_action', value)) this.conn.action = value;
  }

  get clientId(): string {
    return (this.conn as unknown as { clientId: string }).clientId;
  }

  set clientId(value: string) {
    this.conn.clientId = value;
  }

  /**
   * Whether the session already carries this MODULE or ACTION: every borrow
   * sets them (with-connection.ts tagSession), and the driver sends whatever
   * was set with the next call, changed or not, which the overhead profiles
   * showed. Only a dedicated session is sure to keep them: under DRCP the
   * server session behind the connection may be another one. Without the
   * driver's internals (oracledb is pinned exactly), it is always sent.
   */
  #carries(field: '_module' | '_action', value: string): boolean {
    const impl = (this.conn as unknown as DriverInternals)._impl;
    return impl?._drcpEnabled === false && impl[field] === value;
  }

  execute(sql: string, binds: unknown[], options: { outFormat: number }): Promise<{ rows?: unknown[] }> {
    return this.conn.execute(sql, binds as oracledb.BindParameters, options);
  }

  abort(): void {
    (this.conn as unknown as DriverInternals)._impl?.nscon?.forceDisconnect?.();
  }

  // The thin driver ignores close({ drop: true }): a pooled connection goes back to the free
  // list whenever its socket is up and isHealthy() says yes, which it still does after
  // a session ended by CONNECT_TIME or a call timeout. Cutting the socket first is what makes the
  // pool discard it (lib/thin/pool.js release() keeps only connected ones), so the next
  // borrower never inherits the dead session.
  close(options?: { drop?: boolean }): Promise<void> {
    if (options?.drop) this.abort();
    // close(undefined) is an argument error in oracledb: pass options only when given.
    return options?.drop !== undefined ? this.conn.close({ drop: options.drop }) : this.conn.close();
  }
}

export function asRawConnection(conn: oracledb.Connection): RawConnection {
  return new DriverConnection(conn);
}
