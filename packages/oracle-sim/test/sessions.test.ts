// What the database sees (issue 9 §4): every open session with what the
// driver sent, as a DBA reads it in V$SESSION, through sessions() and
// GET /sessions; and the control API routes of the production faults.
import os from 'node:os';
import oracledb from 'oracledb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { startControlServer, type ControlServer } from '../src/cli/control-server.js';
import { credentials, expectCode, sleep, withConnection } from './harness.js';

describe('oracle-sim sessions view', () => {
  let sim: Simulator;
  let control: ControlServer;
  const open: oracledb.Connection[] = [];

  beforeEach(async () => {
    sim = await startSimulator({ pooledServers: 4 });
    control = await startControlServer(sim);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
    await control.close();
    await sim.close();
  });

  async function http(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${control.port}${path}`, { method });
    return { status: res.status, body: await res.json() };
  }

  it('lists machine, program, terminal, OS user and process from the logon, and the driver name', async () => {
    const conn = await oracledb.getConnection({ ...credentials(sim), machine: 'app-host-7', program: 'orapool-test', terminal: 'pts/3', osUser: 'svc' });
    open.push(conn);
    const [s] = sim.sessions();
    expect(s).toMatchObject({
      username: 'ORAPOOL',
      status: 'INACTIVE',
      serviceName: 'FREEPDB1',
      machine: 'app-host-7',
      program: 'orapool-test',
      terminal: 'pts/3',
      osUser: 'svc',
      process: String(process.pid),
      clientDriver: expect.stringMatching(/^node-oracledb : 26\.0\.0 thn/),
      module: null,
      action: null,
      clientIdentifier: null,
      clientInfo: null,
      connectionClass: null,
      purity: null,
    });
    // without overrides the driver sends the host name and process name
    await withConnection(credentials(sim), async () => {
      expect(sim.sessions()[1]).toMatchObject({ machine: os.hostname(), terminal: 'unknown' });
    });
  });

  it('shows module, action, client identifier and client info only after the next round-trip carries them', async () => {
    const conn = await oracledb.getConnection(credentials(sim));
    open.push(conn);
    conn.module = 'checkout';
    conn.action = 'pay';
    conn.clientId = 'user-42';
    conn.clientInfo = 'build 7';
    expect(sim.sessions()[0]).toMatchObject({ module: null, action: null, clientIdentifier: null, clientInfo: null });
    await conn.ping(); // the driver piggybacks them on its next call
    expect(sim.sessions()[0]).toMatchObject({ module: 'checkout', action: 'pay', clientIdentifier: 'user-42', clientInfo: 'build 7' });
    conn.action = '';
    conn.clientId = '';
    await conn.execute('SELECT 1 FROM DUAL');
    expect(sim.sessions()[0]).toMatchObject({ module: 'checkout', action: null, clientIdentifier: null, clientInfo: 'build 7' });
  });

  it('shows the connection class and purity a DRCP connect sends (standalone: NEW; pooled: SELF)', async () => {
    const pooledString = `${sim.connectString}:pooled`;
    const saved = oracledb.connectionClass;
    oracledb.connectionClass = 'CHECKOUT';
    try {
      open.push(await oracledb.getConnection({ ...credentials(sim), connectString: pooledString }));
    } finally {
      oracledb.connectionClass = saved;
    }
    expect(sim.sessions()[0]).toMatchObject({ connectionClass: 'CHECKOUT', purity: 'NEW' });
    // a pool without a class gets one the driver makes up ("NJS:" + random), as a DBA sees it
    const pool = await oracledb.createPool({ ...credentials(sim), connectString: pooledString, poolMin: 0 });
    try {
      const pooled = await pool.getConnection();
      expect(sim.sessions()[1]).toMatchObject({ connectionClass: expect.stringMatching(/^NJS:/), purity: 'SELF' });
      await pooled.close();
    } finally {
      await pool.close(0);
    }
  });

  it('marks a session ACTIVE during a call and drops it from the list after logoff', async () => {
    const conn = await oracledb.getConnection(credentials(sim));
    const call = conn.execute('BEGIN DBMS_SESSION.SLEEP(0.3); END;');
    await sleep(100);
    expect(sim.sessions()[0]?.status).toBe('ACTIVE');
    await call;
    expect(sim.sessions()[0]?.status).toBe('INACTIVE');
    await conn.close();
    expect(sim.sessions()).toEqual([]);
  });

  it('serves the same list on GET /sessions', async () => {
    const conn = await oracledb.getConnection(credentials(sim));
    open.push(conn);
    conn.module = 'via-http';
    await conn.ping();
    const res = await http('GET', '/sessions');
    expect(res.status).toBe(200);
    expect(res.body.sessions).toEqual(JSON.parse(JSON.stringify(sim.sessions())).map((s: any) => ({ ...s, lastCallEtMs: expect.any(Number) })));
    expect(res.body.sessions[0]).toMatchObject({ username: 'ORAPOOL', module: 'via-http' });
  });

  describe('control API for the production faults', () => {
    it('POST /faults/kill-session kills by sid or user as a DBA (driver: NJS-500 with ORA-00028)', async () => {
      const a = await oracledb.getConnection(credentials(sim));
      const b = await oracledb.getConnection(credentials(sim));
      open.push(a, b);
      const [sidA] = sim.sessions().map((s) => s.sid);
      expect((await http('POST', `/faults/kill-session?sid=${sidA}`)).body).toEqual({ killed: [sidA] });
      expect((await expectCode(a.execute('SELECT 1 FROM DUAL'), 'NJS-500')).errorNum).toBe(28);
      expect((await http('POST', '/faults/kill-session?user=orapool')).body.killed).toHaveLength(1);
      expect((await expectCode(b.ping(), 'NJS-500')).errorNum).toBe(28);
      expect((await http('POST', '/faults/kill-session?sid=x')).status).toBe(400);
    });

    it('POST /limits/profile and /limits/processes set the limits; /reset lifts them', async () => {
      expect((await http('POST', '/limits/profile?sessionsPerUser=1')).status).toBe(200);
      open.push(await oracledb.getConnection(credentials(sim)));
      await expectCode(oracledb.getConnection(credentials(sim)), 'ORA-02391');
      expect((await http('POST', '/limits/processes?max=1')).body).toEqual({ maxProcesses: 1 });
      expect((await http('POST', '/limits/profile')).status).toBe(200); // no limits
      await expectCode(oracledb.getConnection(credentials(sim)), 'ORA-00020');
      await http('POST', '/reset');
      open.push(await oracledb.getConnection(credentials(sim)));
      expect((await http('POST', '/limits/profile?idleTimeMs=-1')).status).toBe(400);
    });

    it('POST /faults/unregister-service and /faults/drcp-stopped switch the listener refusals', async () => {
      expect((await http('POST', '/faults/unregister-service?on=1')).body).toEqual({ serviceUnregistered: true });
      await expectCode(oracledb.getConnection(credentials(sim)), 'NJS-518');
      await http('POST', '/faults/unregister-service?on=0');
      expect((await http('POST', '/faults/drcp-stopped?on=1')).body).toEqual({ drcpStopped: true });
      const err = await expectCode(oracledb.getConnection({ ...credentials(sim), connectString: `${sim.connectString}:pooled` }), 'NJS-511');
      expect(err.message).toContain('ORA-12520');
      expect((await http('POST', '/faults/drcp-stopped?on=2')).status).toBe(400);
      await http('POST', '/reset');
      await withConnection({ ...credentials(sim), connectString: `${sim.connectString}:pooled` }, (c) => c.ping());
    });

    it('POST /latency/logon slows logons only', async () => {
      expect((await http('POST', '/latency/logon?ms=300')).body).toEqual({ logonLatencyMs: 300 });
      const started = Date.now();
      open.push(await oracledb.getConnection(credentials(sim)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect((await http('POST', '/latency/logon')).status).toBe(400);
    });

    it('POST /faults/firewall-drop swallows the idle connections it names', async () => {
      const conn = await oracledb.getConnection(credentials(sim));
      open.push(conn);
      await sleep(30);
      const [sid] = sim.sessions().map((s) => s.sid);
      expect((await http('POST', '/faults/firewall-drop?idleMs=10000')).body).toEqual({ dropped: [] });
      expect((await http('POST', '/faults/firewall-drop?idleMs=10')).body).toEqual({ dropped: [sid] });
      const outcome = conn.ping().then(() => 'answered', () => 'failed');
      expect(await Promise.race([outcome, sleep(500).then(() => 'hanging')])).toBe('hanging');
      open.splice(0); // its close would hang too; sim.close() ends it
    });
  });
});
