import type oracledb from 'oracledb';
import type { RawConnection } from './with-connection.js';

/**
 * Our view of an oracledb connection, plus abort(): cutting the socket the
 * way oracledb's own pool does when a checkout ping times out
 * (lib/thin/pool.js calls nscon.forceDisconnect()). There is no public API
 * for it; the driver version is pinned exactly, and without the hook we only
 * lose the early release, not correctness.
 */
export function asRawConnection(conn: oracledb.Connection): RawConnection {
  const raw = conn as unknown as RawConnection & { _impl?: { nscon?: { forceDisconnect?: () => void } } };
  raw.abort = () => raw._impl?.nscon?.forceDisconnect?.();
  // The thin driver ignores close({ drop: true }): a pooled connection goes back to the free
  // list whenever its socket is up and isHealthy() says yes, which it still does after
  // a session ended by CONNECT_TIME or a call timeout. Cutting the socket first is what makes the
  // pool discard it (lib/thin/pool.js release() keeps only connected ones), so the next
  // borrower never inherits the dead session.
  const close = conn.close.bind(conn);
  raw.close = (options?: { drop?: boolean }) => {
    if (options?.drop) raw.abort?.();
    // close(undefined) is an argument error in oracledb: pass options only when given.
    return options?.drop !== undefined ? close({ drop: options.drop }) : close();
  };
  return raw;
}
