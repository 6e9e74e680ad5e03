// The failures production brings (issue 9 §3), each injected through the
// in-process API and asserted as the real driver reports it: a DBA's KILL
// SESSION, profile limits (IDLE_TIME, CONNECT_TIME, SESSIONS_PER_USER), the
// process limit, an unregistered service, a DRCP pool that is not started,
// a firewall that forgets idle connections, and slow logons.
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';
import { credentials, expectCode, sleep, withConnection } from './harness.js';

describe('oracle-sim production faults', () => {
  let sim: Simulator | undefined;
  let pool: oracledb.Pool | undefined;
  const open: oracledb.Connection[] = [];

  async function start(options: SimulatorOptions = {}): Promise<Simulator> {
    sim = await startSimulator(options);
    return sim;
  }
  async function connect(s: Simulator, extra: Partial<oracledb.ConnectionAttributes> = {}): Promise<oracledb.Connection> {
    const conn = await oracledb.getConnection({ ...credentials(s), ...extra });
    open.push(conn);
    return conn;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
    await pool?.close(0).catch(() => {});
    pool = undefined;
    await sim?.close();
    sim = undefined;
  });

  describe('KILL SESSION as a DBA runs it', () => {
    it('keeps the socket up; the next call fails with ORA-00028, which the driver reports as NJS-500 and marks the connection unhealthy', async () => {
      const s = await start();
      const victim = await connect(s);
      const bystander = await connect(s);
      const [victimSid] = s.sessions().map((v) => v.sid);
      expect(s.faults.killSessionsAsDba({ sid: victimSid })).toEqual([victimSid]);
      // the session is gone for the database at once, the killed one shows as KILLED until its client learns
      expect(s.stats().sessionsOpen).toBe(1);
      expect(s.sessions().find((v) => v.sid === victimSid)?.status).toBe('KILLED');
      expect(victim.isHealthy()).toBe(true); // nothing on the wire yet: the socket is up
      const err = await expectCode(victim.execute('SELECT 1 FROM DUAL'), 'NJS-500');
      expect(err.errorNum).toBe(28);
      expect(err.message).toContain('ORA-00028: your session has been killed');
      expect(victim.isHealthy()).toBe(false);
      await expectCode(victim.execute('SELECT 1 FROM DUAL'), 'NJS-003'); // the driver closed it

      expect(s.sessions().map((v) => v.sid)).not.toContain(victimSid);
      expect((await bystander.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
    });

    it('makes a pool drop the killed connection on release and open a new session for the next borrow', async () => {
      const s = await start();
      pool = await oracledb.createPool({ ...credentials(s), poolMin: 0, poolMax: 1, poolPingInterval: 60 });
      const first = await pool.getConnection();
      await first.execute('SELECT 1 FROM DUAL');
      await first.close();
      expect(s.faults.killSessionsAsDba({ user: 'ORAPOOL' })).toHaveLength(1);
      const conn = await pool.getConnection();
      // idle less than poolPingInterval: the pool hands out the killed connection unchecked
      await expectCode(conn.execute('SELECT 1 FROM DUAL'), 'NJS-500');
      await conn.close();
      expect(pool.connectionsOpen).toBe(0);
      const next = await pool.getConnection();
      expect((await next.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await next.close();
      expect(s.stats().logons).toBe(2);
    });

    it('interrupts a call in progress with ORA-00028 at once', async () => {
      const s = await start();
      const conn = await connect(s);
      const started = Date.now();
      const call = expectCode(conn.execute('BEGIN DBMS_SESSION.SLEEP(5); END;'), 'NJS-500');
      await sleep(100);
      expect(s.sessions()[0]?.status).toBe('ACTIVE');
      expect(s.faults.killSessionsAsDba()).toHaveLength(1);
      expect((await call).errorNum).toBe(28);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(conn.isHealthy()).toBe(false);
      expect(s.sessions()).toEqual([]);
    });

    it('fails a ping of a killed session too, and lets close() succeed', async () => {
      const s = await start();
      const conn = await connect(s);
      s.faults.killSessionsAsDba();
      await expectCode(conn.ping(), 'NJS-500');
      await conn.close();
      open.splice(open.indexOf(conn), 1);
    });
  });

  describe('profile limits', () => {
    it('IDLE_TIME: the first call after the idle limit fails with ORA-02396 (driver: NJS-500, unhealthy)', async () => {
      const s = await start({ profile: { idleTimeMs: 300 } });
      const conn = await connect(s);
      await sleep(100);
      await conn.ping(); // within the limit; resets the idle clock
      await sleep(450);
      expect(s.sessions()[0]?.status).toBe('SNIPED');
      const err = await expectCode(conn.execute('SELECT 1 FROM DUAL'), 'NJS-500');
      expect(err.errorNum).toBe(2396);
      expect(err.message).toContain('ORA-02396: exceeded maximum idle time, please connect again');
      expect(conn.isHealthy()).toBe(false);
      expect(s.stats().sessionsOpen).toBe(0);
    });

    it('IDLE_TIME set at runtime: a pool that pings idle connections replaces the sniped one without an error', async () => {
      const s = await start();
      pool = await oracledb.createPool({ ...credentials(s), poolMin: 0, poolMax: 1, poolPingInterval: 0 });
      const warm = await pool.getConnection();
      await warm.close();
      s.faults.setProfile({ idleTimeMs: 200 });
      await sleep(350);
      const conn = await pool.getConnection(); // the checkout ping gets ORA-02396, the pool opens a new session
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await conn.close();
      expect(s.stats().logons).toBe(2);
    });

    it('CONNECT_TIME: the first call after the limit since logon fails with ORA-02399, however busy the session was', async () => {
      const s = await start({ profile: { connectTimeMs: 400 } });
      const conn = await connect(s);
      const until = Date.now() + 500;
      let err: { errorNum?: number; code?: string; message: string } | undefined;
      while (Date.now() < until + 200 && !err) {
        await conn.execute('SELECT 1 FROM DUAL').catch((e: typeof err) => (err = e));
        await sleep(50);
      }
      expect(err?.errorNum).toBe(2399);
      expect(err?.code).toBe('ORA-02399'); // not in the driver's list of closed-connection errors
      expect(err?.message).toContain('ORA-02399: exceeded maximum connect time, you are being logged off');
      // the session is gone: the next call gets ORA-01012, which the driver does treat as a closed connection
      expect((await expectCode(conn.ping(), 'NJS-500')).errorNum).toBe(1012);
      expect(conn.isHealthy()).toBe(false);
    });

    it('SESSIONS_PER_USER: a logon past the cap fails with ORA-02391, independent of the global session limit', async () => {
      const s = await start({
        profile: { sessionsPerUser: 2 },
        maxSessions: 10,
        users: [
          { user: 'orapool', password: 'orapool-sim' },
          { user: 'other', password: 'other-pw' },
        ],
      });
      await connect(s);
      await connect(s);
      const err = await expectCode(oracledb.getConnection(credentials(s)), 'ORA-02391');
      expect(err.message).toContain('ORA-02391: exceeded simultaneous SESSIONS_PER_USER limit');
      await connect(s, { user: 'other', password: 'other-pw' }); // another user is not capped by ours
      await open.shift()!.close();
      await connect(s); // a slot of our user is free again
      expect(s.stats()).toMatchObject({ sessionsOpen: 3, logonFailures: 1 });
    });

    it('PROCESSES: a connection beyond the process limit fails its logon with ORA-00020 naming the limit', async () => {
      const s = await start();
      s.faults.setMaxProcesses(1);
      await connect(s);
      const err = await expectCode(oracledb.getConnection(credentials(s)), 'ORA-00020');
      expect(err.message).toContain('ORA-00020: maximum number of processes (1) exceeded');
      s.faults.setMaxProcesses(undefined);
      await connect(s);
    });
  });

  describe('listener', () => {
    it('with the service unregistered refuses with ORA-12514 (driver: NJS-518), and accepts again once registered', async () => {
      const s = await start();
      s.faults.unregisterService(true);
      const err = await expectCode(oracledb.getConnection(credentials(s)), 'NJS-518');
      expect(err.message).toContain('is not registered with the listener'); // NJS-518 is the driver's ORA-12514
      s.faults.unregisterService(false);
      await withConnection(credentials(s), (conn) => conn.ping());
    });

    it('with the DRCP pool not started refuses SERVER=POOLED connects with ORA-12520 (driver: NJS-511) and serves dedicated ones', async () => {
      const s = await start();
      s.faults.stopDrcpPool(true);
      const err = await expectCode(oracledb.getConnection({ ...credentials(s), connectString: `${s.connectString}:pooled` }), 'NJS-511');
      expect(err.message).toContain('ORA-12520');
      await withConnection(credentials(s), (conn) => conn.ping());
    });
  });

  describe('a firewall that silently drops idle connections', () => {
    it('swallows every packet without RST: callTimeout does not rescue the call (node-oracledb 26 thin waits for the break reset forever)', async () => {
      const s = await start();
      const conn = await connect(s);
      await sleep(20);
      expect(s.faults.firewallDropIdle()).toHaveLength(1);
      conn.callTimeout = 200;
      const outcome = conn.execute('SELECT 1 FROM DUAL').then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
      // 5 x callTimeout: the break marker was swallowed too, so no NJS-123 comes
      expect(await Promise.race([outcome, sleep(1000).then(() => 'hanging')])).toBe('hanging');
      expect(conn.isHealthy()).toBe(true); // the socket looks fine to the client
      expect(s.stats().sessionsOpen).toBe(1); // and to the database the session is still there
      await s.close(); // only the socket's end frees it
      expect(await outcome).toBe('NJS-500');
    });

    it('is detected by a pool checkout ping: poolPingTimeout drops the dead connection and the borrow gets a new session', async () => {
      const s = await start();
      pool = await oracledb.createPool({ ...credentials(s), poolMin: 0, poolMax: 2, poolPingInterval: 0, poolPingTimeout: 300 });
      const warm = await pool.getConnection();
      await warm.close();
      await sleep(20);
      expect(s.faults.firewallDropIdle({ idleMs: 10 })).toHaveLength(1);
      const started = Date.now();
      const conn = await pool.getConnection();
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(280); // waited out the ping timeout
      expect(took).toBeLessThan(300 + 2000);
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await conn.close();
      expect(s.stats().logons).toBe(2);
    });

    it('keeps the dropped sessions on the database side after the client gives up, until they exhaust SESSIONS_PER_USER', async () => {
      const s = await start({ profile: { sessionsPerUser: 2 } });
      pool = await oracledb.createPool({ ...credentials(s), poolMin: 0, poolMax: 2, poolPingInterval: 0, poolPingTimeout: 200 });
      const warm = await Promise.all([pool.getConnection(), pool.getConnection()]);
      await Promise.all(warm.map((c) => c.close()));
      await sleep(20);
      expect(s.faults.firewallDropIdle()).toHaveLength(2);
      // the checkout ping times out, the pool closes the dead socket (its FIN is swallowed too) and logs on anew
      const err = await expectCode(pool.getConnection(), 'ORA-02391');
      expect(err.errorNum).toBe(2391);
      expect(s.sessions().map((v) => v.status)).toEqual(['INACTIVE', 'INACTIVE']);
      expect(s.stats().sessionsOpen).toBe(2);
    });

    it('leaves connections with a call in progress and new connections alone', async () => {
      const s = await start();
      const busy = await connect(s);
      const sleeping = busy.execute('BEGIN DBMS_SESSION.SLEEP(0.3); END;');
      await sleep(50);
      expect(s.faults.firewallDropIdle()).toEqual([]);
      await sleeping;
      await withConnection(credentials(s), (conn) => conn.ping());
    });
  });

  it('slow logons (logon storm) are a separate knob from statement latency', async () => {
    const s = await start({ logonLatencyMs: 300 });
    let started = Date.now();
    const conn = await connect(s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    started = Date.now();
    await conn.execute('SELECT 1 FROM DUAL');
    expect(Date.now() - started).toBeLessThan(200);
    // changed at runtime, and reset() restores the start-up value
    s.faults.setLogonLatency(0);
    started = Date.now();
    await connect(s);
    expect(Date.now() - started).toBeLessThan(250);
    s.faults.setLogonLatency(600);
    started = Date.now();
    await connect(s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(580);
    s.faults.reset();
    started = Date.now();
    await connect(s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(580);
  });
});
