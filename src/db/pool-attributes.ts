import { hostname } from 'node:os';
import type oracledb from 'oracledb';
import type { Config } from '../config/load.js';
import { version } from '../version.js';
import { withServerMode } from './connect-data.js';

/**
 * oracledb refuses a machine name holding characters outside its
 * network set; a hostname never should, but a refusal would stop the pool, so
 * anything else becomes '_'.
 */
export function sessionMachine(host: string = hostname()): string {
  return host.replace(/[^\w.-]/g, '_').slice(0, 64) || 'unknown';
}

/** What the thin driver's pool.reconfigure() accepts of ours: the same names and units as at creation. */
export interface LivePoolAttributes {
  poolMin: number;
  poolMax: number;
  poolIncrement: number;
  queueTimeout: number;
  queueMax: number;
  maxLifetimeSession: number;
  poolTimeout: number;
  poolPingInterval: number;
}

/** The attributes that can change on a running pool (resize.ts), part of every createPool() too. */
export function livePoolAttributes(config: Config): LivePoolAttributes {
  const p = config.pool;
  return {
    poolMin: p.min,
    poolMax: p.max,
    poolIncrement: p.increment,
    // oracledb takes milliseconds here and seconds elsewhere; our variables are all seconds.
    queueTimeout: Math.round(p.queueTimeoutSeconds * 1000),
    queueMax: p.queueMax,
    maxLifetimeSession: p.recycleSeconds,
    poolTimeout: p.idleTimeoutSeconds,
    poolPingInterval: p.pingIntervalSeconds,
  };
}

/**
 * oracledb.createPool() attributes from the config: the service's pool and
 * the preflight's (which overrides a few) connect exactly the same way.
 * Secrets are revealed here and nowhere else.
 */
export function poolAttributes(config: Config): oracledb.PoolAttributes {
  const { db } = config;
  return {
    user: db.user,
    password: db.password.reveal(),
    // The server mode lives in the connect string's CONNECT_DATA (connect-data.ts).
    connectString: withServerMode(db.connectString, db.server),
    ...(db.walletLocation ? { walletLocation: db.walletLocation } : {}),
    ...(db.walletPassword ? { walletPassword: db.walletPassword.reveal() } : {}),
    ...(db.configDir ? { configDir: db.configDir } : {}),
    ...livePoolAttributes(config),
    poolPingTimeout: Math.round(config.pool.pingTimeoutSeconds * 1000),
    // Not among the live attributes: thin sessions keep the creation value (lib/thin/pool.js _getConnAttrs).
    stmtCacheSize: config.pool.stmtCacheSize,
    expireTime: db.expireTimeMinutes,
    connectTimeout: db.connectTimeoutSeconds,
    transportConnectTimeout: db.connectTimeoutSeconds,
    enableStatistics: true,
    // Sent once, at logon, into V$SESSION: MACHINE names the pod (its
    // hostname), PROGRAM is a stable filter for the DBA query in
    // docs/operations.md, TERMINAL carries the version so even a session no
    // request has borrowed yet tells which release opened it.
    machine: sessionMachine(),
    program: 'orapool',
    terminal: `orapool/${version}`,
  } as oracledb.PoolAttributes;
}

/**
 * The DRCP connection class, set on the driver before a pool is created. A
 * pool attribute alone is not enough in thin mode: when the driver-wide
 * oracledb.connectionClass is empty, createPool() replaces the pool's class
 * with a random "NJS:..." one (lib/thin/pool.js create()), so replicas, and
 * each restart, would never share pooled servers. Dedicated mode leaves it
 * empty: a class would otherwise be sent with every dedicated logon.
 */
export function applyConnectionClass(driver: { connectionClass: string }, config: Config): void {
  driver.connectionClass = config.db.server.type === 'pooled' ? config.db.server.connectionClass : '';
}
