/**
 * What a DBA sees in V$SESSION for orapool's sessions, read from the
 * simulator's sessions view (what the real driver sent on the wire): the pod
 * and program from the logon, and module / action / client identifier
 * piggybacked on the request's own round-trip (no extra one).
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../src/version.js';
import { dbEnv, needsSimulatorReason, realOracle, startDatabase, type DatabaseTarget, waitUntilReady } from '../support/database-target.js';
import { startService, type ServiceProcess } from '../support/processes.js';

const health = async (url: string, requestId: string) => (await fetch(`${url}/api/health`, { headers: { 'X-Request-Id': requestId } })).status;

if (realOracle) process.stderr.write(`session-tags.test.ts skipped: ${needsSimulatorReason}\n`);

describe.skipIf(realOracle)('the sessions orapool opens, as V$SESSION shows them', () => {
  let db: DatabaseTarget;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await startDatabase();
    // One session, and a background probe that will not borrow it during the test.
    service = await startService({ ...dbEnv(db), DB_POOL_MIN: '1', DB_POOL_MAX: '1', DB_PROBE_INTERVAL: '3600', SHUTDOWN_DELAY_SECONDS: '0' });
    await waitUntilReady(service);
  });
  afterAll(async () => {
    await service?.stop();
    await db?.close();
  });

  it('names the pod, the program and the release at logon (MACHINE, PROGRAM, TERMINAL)', () => {
    const sessions = db.sim!.sessions().filter((s) => s.username === 'ORAPOOL');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ machine: hostname(), program: 'orapool', terminal: `orapool/${version}` });
  });

  it('tags the borrowed session with orapool/<version>, the route and the request id', async () => {
    const requestId = `dba-trace-${Date.now()}`;
    const before = db.sim!.stats().statements;
    expect(await health(service.url, requestId)).toBe(200);
    // The tags rode on the SELECT itself: no DBMS_APPLICATION_INFO call, no extra statement.
    expect(db.sim!.stats().statements - before).toBe(1);
    const [session] = db.sim!.sessions().filter((s) => s.username === 'ORAPOOL');
    expect(session).toMatchObject({ module: `orapool/${version}`, action: '/api/health', clientIdentifier: requestId, clientInfo: null });
  });

  it('moves the client identifier to the next request on the same session', async () => {
    expect(await health(service.url, 'first-request')).toBe(200);
    expect(await health(service.url, 'second-request')).toBe(200);
    const [session] = db.sim!.sessions().filter((s) => s.username === 'ORAPOOL');
    expect(session!.clientIdentifier).toBe('second-request');
    // Sent once per dedicated session (raw-connection.ts), still what the session shows.
    expect(session).toMatchObject({ module: `orapool/${version}`, action: '/api/health' });
  });
});
