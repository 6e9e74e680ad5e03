import type oracledb from 'oracledb';
import type { ServerType } from './connect-data.js';

/**
 * What the driver resolved the connect string to, read once the pool exists.
 * It matters for a TNS alias: orapool cannot see or rewrite the tnsnames.ora
 * entry, so an entry without (SERVER=POOLED) would run dedicated sessions
 * while orapool reports DRCP (or the reverse). Read from the thin pool's
 * internals (lib/thin/pool.js create(): _isDRCPEnabled; oracledb is pinned
 * exactly); undefined when they are not there.
 */
export function driverServerType(pool: oracledb.Pool): ServerType | undefined {
  const drcp = (pool as unknown as { _impl?: { _isDRCPEnabled?: unknown } })._impl?._isDRCPEnabled;
  if (typeof drcp !== 'boolean') return undefined;
  return drcp ? 'pooled' : 'dedicated';
}

/** The configured server type and the one the connect string resolved to disagree: a restart with the same settings cannot help. */
export class ServerTypeMismatch extends Error {
  constructor(
    readonly configured: ServerType,
    readonly resolved: ServerType,
  ) {
    super(
      configured === 'pooled'
        ? 'DB_SERVER_TYPE is pooled, but DB_CONNECT_STRING resolves to a dedicated server: add (SERVER=POOLED) to the tnsnames.ora entry\'s CONNECT_DATA, or set DB_SERVER_TYPE=dedicated'
        : 'DB_SERVER_TYPE is dedicated, but DB_CONNECT_STRING resolves to (SERVER=POOLED): set DB_SERVER_TYPE=pooled, or remove it from the tnsnames.ora entry',
    );
    this.name = 'ServerTypeMismatch';
  }
}
