import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER, type Simulator, type SimulatorOptions } from '@orapool/oracle-sim';
import { startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, getJson, needsSimulatorReason, realOracle, startDatabase, waitFor, waitUntilReady, type DatabaseTarget } from '../support/database-target.js';

/**
 * What orapool does about each production fault the simulator plays (its
 * README: KILL SESSION, profile limits, PROCESSES, listener faults, a
 * firewall, slow logons), through the running service and the real driver:
 * which 503 a client gets, what /readyz says, that the broken session is
 * dropped (never handed to the next borrower), and whether pool creation
 * retries. Checkout pings are off (DB_POOL_PING_INTERVAL=-1) and the
 * background probe is slow, so the request itself meets the fault: the worst
 * case, with no ping to hide it.
 */
const base = {
  DB_POOL_MIN: '1',
  DB_POOL_MAX: '1',
  DB_POOL_PING_INTERVAL: '-1',
  DB_PROBE_INTERVAL: '60',
  DB_CALL_TIMEOUT: '1',
  DB_RETRY_MAX_DELAY: '1',
  SHUTDOWN_DELAY_SECONDS: '0',
};

interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  ms: number;
}

async function health(service: ServiceProcess): Promise<Answer> {
  const r = await getJson(`${service.url}/api/health`);
  return { status: r.status, code: (r.body.error as { code?: string } | undefined)?.code, retryAfter: r.headers.get('retry-after'), ms: r.ms };
}

async function readyz(service: ServiceProcess): Promise<{ status: number; reasons: string }> {
  const r = await getJson(`${service.url}/readyz`);
  return { status: r.status, reasons: ((r.body.reasons as string[] | undefined) ?? []).join('; ') };
}

const sids = (sim: Simulator) => sim.sessions().map((s) => s.sid);

describe.skipIf(realOracle)(`production faults through the service (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let service: ServiceProcess | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await service?.stop('SIGKILL');
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await db?.close();
    service = undefined;
    db = undefined;
  });

  async function ready(options: SimulatorOptions = {}, env: Record<string, string> = {}): Promise<Simulator> {
    db = await startDatabase(options);
    service = await startService({ ...dbEnv(db), ...base, ...env });
    await waitUntilReady(service);
    expect((await health(service)).status).toBe(200);
    return db.sim!;
  }

  /** The broken session's request got `code`; the next request is served by a new session, and readiness recovers. */
  async function expectDroppedAndReplaced(sim: Simulator, before: number[], failed: Answer, code: string): Promise<void> {
    const s = service!;
    expect(failed.status).toBe(503);
    expect(failed.code).toBe(code);
    expect(Number(failed.retryAfter)).toBeGreaterThan(0);
    const notReady = await readyz(s);
    expect(notReady.status).toBe(503);
    expect(notReady.reasons).toMatch(/last database round-trip failed/);
    const next = await health(s);
    expect(next.status).toBe(200);
    // The pool holds one connection: the request was served by a new session, so the broken one was dropped.
    const now = sids(sim);
    expect(now.filter((sid) => !before.includes(sid)).length).toBeGreaterThanOrEqual(1);
    expect((await readyz(s)).status).toBe(200);
  }

  it('KILL SESSION (ORA-00028): 503 DATABASE_UNAVAILABLE once, the killed session is dropped, the next request is served', async () => {
    const sim = await ready();
    const before = sids(sim);
    expect(sim.faults.killSessionsAsDba({ user: DEFAULT_USER.user })).toHaveLength(before.length);
    const failed = await health(service!);
    await expectDroppedAndReplaced(sim, before, failed, 'DATABASE_UNAVAILABLE');
    expect(sim.sessions().filter((s) => s.status === 'KILLED')).toEqual([]);
  });

  it('idle limit (ORA-02396): 503 DATABASE_UNAVAILABLE once, the sniped session is dropped, the next request is served', async () => {
    const sim = await ready();
    const before = sids(sim);
    sim.faults.setProfile({ idleTimeMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    const failed = await health(service!);
    await expectDroppedAndReplaced(sim, before, failed, 'DATABASE_UNAVAILABLE');
  });

  it('connect-time limit (ORA-02399): 503 DATABASE_UNAVAILABLE once, the session is dropped, not handed to the next borrower', async () => {
    const sim = await ready();
    const before = sids(sim);
    sim.faults.setProfile({ connectTimeMs: 1 });
    const failed = await health(service!);
    // Lift the limit so the replacement session is not past it at once.
    sim.faults.setProfile({});
    await expectDroppedAndReplaced(sim, before, failed, 'DATABASE_UNAVAILABLE');
  });

  it('firewall drop: the call guard aborts the call after DB_CALL_TIMEOUT + grace, 503 DATABASE_TIMEOUT, the next request is served', async () => {
    const sim = await ready();
    const before = sids(sim);
    expect(sim.faults.firewallDropIdle({ idleMs: 0 })).toHaveLength(before.length);
    const failed = await health(service!);
    expect(failed.ms).toBeGreaterThanOrEqual(1000);
    expect(failed.ms).toBeLessThan(5000);
    await expectDroppedAndReplaced(sim, before, failed, 'DATABASE_TIMEOUT');
  });

  it('slow logons: a request that needs a new session waits in the queue, 503 POOL_QUEUE_TIMEOUT past DB_POOL_TIMEOUT, then the session serves', async () => {
    const sim = await ready({}, { DB_POOL_MIN: '0', DB_POOL_TIMEOUT: '0.5', DB_POOL_IDLE_TIMEOUT: '1' });
    // The pool's only session is closed once idle (DB_POOL_IDLE_TIMEOUT); logons become slow.
    await waitFor('idle session closed', () => sim.sessions().length === 0 || undefined, 10_000);
    sim.faults.setLogonLatency(1500);
    const waited = await health(service!);
    expect(waited.status).toBe(503);
    expect(waited.code).toBe('POOL_QUEUE_TIMEOUT');
    expect(Number(waited.retryAfter)).toBeGreaterThan(0);
    // A busy pool is not an unreachable database: readiness does not flip for it.
    expect((await readyz(service!)).reasons).not.toMatch(/round-trip failed/);
    await waitFor('served once the slow logon finished', async () => (await health(service!)).status === 200 || undefined, 10_000);
  });

  /**
   * Faults met at logon while the pool is being created: each one lifts
   * without the service (the DBA raises a limit, the service registers, the
   * DRCP pool is started), so creation keeps retrying with backoff, readiness
   * names the code meanwhile, and the pool comes up on its own.
   */
  it.each([
    {
      fault: 'per-user session cap (ORA-02391)',
      code: 'ORA-02391',
      options: {},
      inject: (sim: Simulator) => sim.faults.setProfile({ sessionsPerUser: 0 }),
      lift: (sim: Simulator) => sim.faults.setProfile({}),
    },
    {
      fault: 'process limit (ORA-00020)',
      code: 'ORA-00020',
      options: {},
      inject: (sim: Simulator) => sim.faults.setMaxProcesses(0),
      lift: (sim: Simulator) => sim.faults.setMaxProcesses(undefined),
    },
    {
      fault: 'service not registered (ORA-12514 -> NJS-518)',
      code: 'NJS-518',
      options: {},
      inject: (sim: Simulator) => sim.faults.unregisterService(true),
      lift: (sim: Simulator) => sim.faults.unregisterService(false),
    },
    {
      fault: 'DRCP pool not started (ORA-12520 -> NJS-511)',
      code: 'NJS-511',
      options: { pooledServers: 2 },
      pooled: true,
      inject: (sim: Simulator) => sim.faults.stopDrcpPool(true),
      lift: (sim: Simulator) => sim.faults.stopDrcpPool(false),
    },
  ])('$fault at startup: keeps retrying with backoff, /readyz names $code, ready once it lifts', async ({ code, options, inject, lift, pooled }) => {
    db = await startDatabase(options);
    const sim = db.sim!;
    inject(sim);
    service = await startService({ ...dbEnv(db), ...base, ...(pooled ? { DB_SERVER_TYPE: 'pooled' } : {}) });
    await service.waitForLog((e) => e.event === 'pool_create_retry' && Number(e.attempt) >= 2);
    expect(service.logs().filter((e) => e.event === 'pool_create_stopped')).toEqual([]);
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
    const notReady = await readyz(service);
    expect(notReady.status).toBe(503);
    expect(notReady.reasons).toContain(`database pool not initialized (last attempt: ${code}`);
    const refused = await health(service);
    expect(refused).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    lift(sim);
    await waitUntilReady(service, 15_000);
    expect((await health(service)).status).toBe(200);
  });

  it('per-user session cap reached while the pool grows (ORA-02391): the extra borrower gets 503 DATABASE_UNAVAILABLE at once, the open session keeps serving', async () => {
    const sim = await ready({ statementLatency: 300 }, { DB_POOL_MAX: '2', DB_POOL_TIMEOUT: '2' });
    sim.faults.setProfile({ sessionsPerUser: 1 });
    const answers = await Promise.all([health(service!), health(service!)]);
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(served).toHaveLength(1);
    expect(refused).toHaveLength(1);
    // The driver fails the borrow with the logon error instead of queueing it.
    expect(refused[0]).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThan(0);
    expect(refused[0]!.ms).toBeLessThan(1000);
    // The served request ended last, with a success: one refused growth does not take the replica out.
    expect((await readyz(service!)).status).toBe(200);
    expect(sim.stats().logonFailures).toBe(1);
    expect(sim.sessions()).toHaveLength(1);
    // The next request is served by the session the pool has.
    expect((await health(service!)).status).toBe(200);
  });
});
