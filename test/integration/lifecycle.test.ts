import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, projectRoot, startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, needsSimulatorReason, realOracle, startDatabase, waitFor, type DatabaseTarget, waitUntilReady } from '../support/database-target.js';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('configuration errors', () => {
  it.each([
    [{ DB_POOL_MAX: 'abc' }, ['DB_POOL_MAX']],
    [{ DB_POOL_MIN: '50', DB_POOL_MAX: '40' }, ['DB_POOL_MIN']],
    [{ DB_POOL_MAX: 'abc', DB_POOL_TIMEOUT: '0', LOG_LEVEL: 'loud' }, ['DB_POOL_MAX', 'DB_POOL_TIMEOUT', 'LOG_LEVEL']],
  ])('%o exits 78 (EX_CONFIG) before listening, with the documented header line and every bad variable', async (bad, names) => {
    const port = await freePort();
    const service = await startService(
      { DB_USER: 'orapool', DB_PASSWORD: 'S3cret-never-printed', DB_CONNECT_STRING: '127.0.0.1:9/X', PORT: String(port), ...bad },
      { waitForListening: false },
    );
    const { code } = await service.exited;
    expect(code).toBe(78);
    const output = service.lines.join('\n');
    // The header line the README documents ("Configuration" section), with the problem count.
    const count = names.length;
    expect(service.lines[0]).toBe(`orapool: invalid configuration (${count} problem${count === 1 ? '' : 's'}); not starting.`);
    for (const name of names) expect(output).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    expect(output).not.toContain('S3cret-never-printed');
    expect(output).not.toMatch(/listening/);
    expect(await portOpen(port)).toBe(false);
  });

  it('reports an unreadable DB_PASSWORD_FILE by variable and path, never content', async () => {
    const service = await startService(
      { DB_USER: 'orapool', DB_PASSWORD_FILE: '/nonexistent/orapool-password', DB_CONNECT_STRING: '127.0.0.1:9/X' },
      { waitForListening: false },
    );
    expect((await service.exited).code).toBe(78);
    expect(service.lines.join('\n')).toMatch(/DB_PASSWORD_FILE: cannot read \/nonexistent\/orapool-password \(ENOENT\)/);
  });
});

describe.skipIf(realOracle)(`graceful shutdown (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let service: ServiceProcess | undefined;
  afterEach(async () => {
    await service?.stop('SIGKILL');
    await db?.close();
  });

  it('on SIGTERM turns readiness off first, finishes in-flight requests, logs every session off and exits 0', async () => {
    db = await startDatabase({ statementLatency: 1500 });
    service = await startService({ ...dbEnv(db), DB_POOL_MIN: '2', DB_POOL_MAX: '4', SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_DRAIN_SECONDS: '10' });
    await waitUntilReady(service!);
    const url = service.url;

    const inFlight = Array.from({ length: 4 }, () => fetch(`${url}/api/health`).then((r) => r.status));
    await waitFor('requests in flight', async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return /orapool_pool_connections_in_use 4/.test(metrics) || undefined;
    });
    service.child.kill('SIGTERM');
    // During the shutdown delay the listener is still open: readiness must already say 503.
    const readyz = await waitFor('readiness off', async () => {
      const response = await fetch(`${url}/readyz`);
      return response.status === 503 ? ((await response.json()) as { reasons: string[] }) : undefined;
    });
    expect(readyz.reasons).toContain('shutting down');

    expect(await Promise.all(inFlight)).toEqual([200, 200, 200, 200]);
    const { code } = await service.exited;
    expect(code).toBe(0);
    const stats = db.sim!.stats();
    expect(stats.sessionsOpen).toBe(0);
    expect(stats.logoffs).toBe(stats.logons);
    const events = service.logs().map((e) => e.event);
    expect(events.indexOf('shutdown_started')).toBeLessThan(events.indexOf('pool_closed'));
    expect(events.at(-1)).toBe('shutdown_complete');
  });

  it('answers a request still queued for a connection when the drain window closes with 503 SHUTTING_DOWN, not a cut socket', async () => {
    // One connection held by a statement longer than the whole drain window,
    // and one request queued behind it.
    const drainSeconds = 2;
    db = await startDatabase();
    service = await startService({
      ...dbEnv(db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '1',
      DB_CALL_TIMEOUT: String(drainSeconds + 5),
      SHUTDOWN_DELAY_SECONDS: '0',
      SHUTDOWN_DRAIN_SECONDS: String(drainSeconds),
      ADMISSION_CONTROL: 'false',
    });
    await waitUntilReady(service!);
    db.sim!.faults.setStatementLatency((drainSeconds + 3) * 1000);
    const url = service.url;
    const holder = fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 'cut',
    );
    await waitFor('the connection in use', async () => /orapool_pool_connections_in_use 1/.test(await (await fetch(`${url}/metrics`)).text()) || undefined);
    const queued = fetch(`${url}/api/health`);
    await waitFor('a request queued', async () => /orapool_pool_requests_waiting 1/.test(await (await fetch(`${url}/metrics`)).text()) || undefined);

    service.child.kill('SIGTERM');
    const response = await queued;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(response.headers.get('connection')).toBe('close');
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('SHUTTING_DOWN');
    // The holder outlives the drain window: its socket is cut, as before.
    expect(await holder).toBe('cut');
    expect((await service.exited).code).toBe(0);
    const refused = service.logs().find((e) => e.event === 'shutdown_refused_waiting');
    expect(refused).toMatchObject({ refused: 1 });
    // The driver hands the queued request a connection after the refusal: it went straight back, and every session logged off.
    expect(db.sim!.stats().sessionsOpen).toBe(0);
  });

  it('drains, not dies, on a SIGTERM sent the moment it logs listening', async () => {
    db = await startDatabase();
    service = await startService({ ...dbEnv(db), SHUTDOWN_DELAY_SECONDS: '0' }, { waitForListening: false });
    const child = service.child;
    // Signal from the data event itself, not a polling loop: an orchestrator
    // may act on the 'listening' line at once, so the handlers must be in by then.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"event":"listening"')) child.kill('SIGTERM');
    });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.logs().map((e) => e.event)).toContain('shutdown_complete');
  });

  it('exits at once, non-zero, on a second signal', async () => {
    db = await startDatabase();
    service = await startService({ ...dbEnv(db), SHUTDOWN_DELAY_SECONDS: '30' });
    service.child.kill('SIGTERM');
    await service.waitForLog((e) => e.event === 'shutdown_started');
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    expect(code).toBe(130);
  });
});

describe('preflight (npm run check)', () => {
  const runCheck = (env: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [`${projectRoot}dist/cli/check.js`], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: '/' });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });
  let db: DatabaseTarget | undefined;
  afterEach(async () => db?.close());

  it('passes every check against a healthy database', async () => {
    db = await startDatabase();
    const { code, output } = await runCheck({ ...dbEnv(db), DB_POOL_MAX: '6' });
    expect(output).toMatch(/PASS {2}configuration/);
    expect(output).toMatch(/PASS {2}pool initializes/);
    expect(output).toMatch(/PASS {2}hold DB_POOL_MAX \(6\) connections at once/);
    expect(output).toMatch(/PASS {2}requests queue when the pool is full/);
    expect(code).toBe(0);
    expect(output).not.toContain(db.password);
  });

  it('fails with what to do on a wrong password, and never prints it', async () => {
    db = await startDatabase();
    const { code, output } = await runCheck({ ...dbEnv(db), DB_PASSWORD: 'Wr0ng-Pa55word' });
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}pool initializes: ORA-01017/);
    expect(output).toMatch(/check DB_USER and DB_PASSWORD/);
    expect(output).not.toContain('Wr0ng-Pa55word');
  });

  it.skipIf(realOracle)('fails with a session-limit hint when the database allows fewer sessions than DB_POOL_MAX', async () => {
    db = await startDatabase({ maxSessions: 3 });
    const { code, output } = await runCheck({ ...dbEnv(db), DB_POOL_MAX: '5' });
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}hold DB_POOL_MAX \(5\) connections at once: got 3 of 5/);
    expect(output).toMatch(/ran out of sessions/);
  });

  it('fails on invalid configuration, listing the variables', async () => {
    const { code, output } = await runCheck({ DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'x', DB_POOL_MAX: 'lots' });
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}configuration/);
    expect(output).toMatch(/DB_POOL_MAX: must be a whole number/);
  });
});
