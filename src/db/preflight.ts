import oracledb from 'oracledb';
import type { Config } from '../config.js';
import { describeError, driverCode } from '../errors.js';
import { poolAttributes } from './pool-attributes.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure. */
  hint?: string;
}

/** What an operator should do about a driver error, by its stable code. */
export function hintFor(error: unknown, config: Config): string {
  const code = driverCode(error) ?? '';
  switch (code) {
    case 'ORA-01017':
      return 'The database rejected the user name or password: check DB_USER and DB_PASSWORD (or DB_PASSWORD_FILE).';
    case 'ORA-28000':
      return 'The account is locked: ALTER USER ... ACCOUNT UNLOCK.';
    case 'ORA-12514':
    case 'NJS-518':
      return 'The listener does not know that service: check the service name in DB_CONNECT_STRING (e.g. FREEPDB1 for Oracle Free).';
    case 'ORA-00018':
    case 'ORA-00020':
    case 'ORA-12516':
    case 'ORA-12519':
    case 'ORA-12520':
      return `The database ran out of sessions/processes: it must allow DB_POOL_MAX (${config.pool.max}) x replicas (+ rollout surge) sessions. Raise PROCESSES/SESSIONS or lower DB_POOL_MAX.`;
    case 'NJS-503':
    case 'NJS-511':
    case 'NJS-501':
      return 'Nothing answered at that host and port: check DB_CONNECT_STRING, that the database is up, and network policies/firewalls.';
    case 'NJS-510':
      return `Connecting took longer than DB_CONNECT_TIMEOUT (${config.db.connectTimeoutSeconds}s): the host may be unreachable or dropping packets.`;
    case 'NJS-040':
      return 'The pool gave no connection within the queue timeout: connections are not being released, or the database is too slow.';
    case 'NJS-123':
      return `A round-trip took longer than DB_CALL_TIMEOUT (${config.db.callTimeoutSeconds}s): the database is overloaded or hung.`;
    default:
      return code.startsWith('NJS-5') || code === ''
        ? 'Check DB_CONNECT_STRING and, for TLS, DB_WALLET_LOCATION / DB_WALLET_PASSWORD / DB_CONFIG_DIR.'
        : `See the Oracle documentation for ${code}.`;
  }
}

const firstLine = (error: unknown): string => describeError(error).message;

/**
 * The team's pre-deployment validation script, against the configured
 * database: the pool initializes, DB_POOL_MAX sessions can be held at once,
 * and a request beyond that queues (WAIT) and is served when a connection is
 * released. Uses a pool of its own with the service's settings.
 */
export async function runPreflight(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { db, pool: p } = config;
  let pool: oracledb.Pool | undefined;
  try {
    try {
      pool = await oracledb.createPool({
        ...poolAttributes(config),
        // Open sessions only as the checks borrow them, and never wait long.
        poolMin: 0,
        queueTimeout: Math.round(Math.min(p.queueTimeoutSeconds, 10) * 1000),
      });
      const conn = await pool.getConnection();
      const start = performance.now();
      try {
        conn.callTimeout = Math.round(db.callTimeoutSeconds * 1000);
        await conn.execute('SELECT 1 FROM DUAL');
      } finally {
        await conn.close();
      }
      results.push({
        name: 'pool initializes',
        ok: true,
        detail: `connected and ran SELECT 1 FROM DUAL in ${(performance.now() - start).toFixed(1)} ms (thin mode: ${oracledb.thin})`,
      });
    } catch (error) {
      results.push({ name: 'pool initializes', ok: false, detail: firstLine(error), hint: hintFor(error, config) });
      return results;
    }

    const held: oracledb.Connection[] = [];
    try {
      for (let i = 0; i < p.max; i++) held.push(await pool.getConnection());
      results.push({ name: `hold DB_POOL_MAX (${p.max}) connections at once`, ok: true, detail: `${held.length} sessions open together` });
    } catch (error) {
      results.push({
        name: `hold DB_POOL_MAX (${p.max}) connections at once`,
        ok: false,
        detail: `got ${held.length} of ${p.max}: ${firstLine(error)}`,
        hint: hintFor(error, config),
      });
      await Promise.all(held.map((c) => c.close().catch(() => {})));
      return results;
    }

    // WAIT semantics: with every connection held, one more borrower must
    // queue, then be served as soon as a connection comes back.
    const releaseAfterMs = 300;
    const start = performance.now();
    const waiter = pool.getConnection();
    setTimeout(() => void held.pop()?.close(), releaseAfterMs);
    try {
      const conn = await waiter;
      const waited = performance.now() - start;
      await conn.close();
      const queued = waited >= releaseAfterMs * 0.8;
      results.push({
        name: 'requests queue when the pool is full',
        ok: queued,
        detail: `extra request waited ${waited.toFixed(0)} ms and was served when a connection was released`,
        ...(queued ? {} : { hint: 'The request did not wait: the pool is not using WAIT semantics.' }),
      });
    } catch (error) {
      results.push({ name: 'requests queue when the pool is full', ok: false, detail: firstLine(error), hint: hintFor(error, config) });
    } finally {
      await Promise.all(held.map((c) => c.close().catch(() => {})));
    }
    return results;
  } finally {
    await pool?.close(0).catch(() => {});
  }
}
