// Conformance of the simulator with the real node-oracledb thin driver:
// connect, logon, queries, PL/SQL, the statement cache, errors and breaks.
import oracledb from 'oracledb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, expectCode, withConnection } from './harness.js';

describe('oracle-sim protocol', () => {
  let sim: Simulator;
  const log: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      users: [
        { user: 'orapool', password: 'orapool-sim' },
        { user: 'legacy', password: 'legacy-pw', verifier: '11g' },
      ],
      log: (line) => log.push(line),
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.resetStats();
    log.length = 0;
  });

  it.each([
    ['12c', 'orapool', 'orapool-sim'],
    ['11g', 'legacy', 'legacy-pw'],
  ])('connects, queries, pings and logs off with a %s verifier', async (_kind, user, password) => {
    await withConnection(credentials(sim, user, password), async (conn) => {
      const result = await conn.execute<[number]>('SELECT 1 FROM DUAL');
      expect(result.rows).toEqual([[1]]);
      expect(result.metaData?.[0]?.dbType).toBe(oracledb.DB_TYPE_NUMBER);
      await conn.ping();
      expect(conn.oracleServerVersionString).toBe('19.24.0.0.0');
    });
    expect(sim.stats()).toMatchObject({ logons: 1, logoffs: 1, sessionsOpen: 0, statements: 1, errorsSent: 0 });
  });

  it('reports a wrong password as ORA-01017', async () => {
    const err = await expectCode(oracledb.getConnection(credentials(sim, 'orapool', 'wrong')), 'ORA-01017');
    expect(err.errorNum).toBe(1017);
    expect(sim.stats()).toMatchObject({ logonFailures: 1, logons: 0, sessionsOpen: 0 });
  });

  it('reports an unknown user as ORA-01017, like a real database', async () => {
    await expectCode(oracledb.getConnection(credentials(sim, 'nobody', 'orapool-sim')), 'ORA-01017');
  });

  it('refuses an unknown service: the driver reports NJS-518 (listener error 12514)', async () => {
    const attrs = { ...credentials(sim), connectString: `${sim.host}:${sim.port}/NOSUCHSERVICE` };
    const err = await expectCode(oracledb.getConnection(attrs), 'NJS-518');
    expect(err.message).toContain('NOSUCHSERVICE');
    expect(sim.stats()).toMatchObject({ connectionsRefused: 1, logons: 0 });
  });

  it('accepts SELECT 1 FROM DUAL in any case and spacing', async () => {
    await withConnection(credentials(sim), async (conn) => {
      for (const sql of ['select 1 from dual', '  SELECT   1\n  FROM Dual  ', 'Select 1 From DUAL']) {
        expect((await conn.execute(sql)).rows).toEqual([[1]]);
      }
    });
  });

  it('returns number and string literals with their column types', async () => {
    await withConnection(credentials(sim), async (conn) => {
      const result = await conn.execute("SELECT 42, -3.25, 'it''s' AS greeting, 0.5 half FROM DUAL");
      expect(result.rows).toEqual([[42, -3.25, "it's", 0.5]]);
      expect(result.metaData?.map((m) => [m.name, m.dbType])).toEqual([
        ['42', oracledb.DB_TYPE_NUMBER],
        ['-3.25', oracledb.DB_TYPE_NUMBER],
        ['GREETING', oracledb.DB_TYPE_CHAR], // text literals are CHAR
        ['HALF', oracledb.DB_TYPE_NUMBER],
      ]);
      const objects = await conn.execute('SELECT 7 AS n FROM DUAL', [], { outFormat: oracledb.OUT_FORMAT_OBJECT });
      expect(objects.rows).toEqual([{ N: 7 }]);
    });
  });

  it('returns many rows through repeated FETCH calls', async () => {
    await withConnection(credentials(sim), async (conn) => {
      const result = await conn.execute<[number, string]>("SELECT LEVEL, 'x' FROM DUAL CONNECT BY LEVEL <= 250", [], {
        prefetchRows: 2,
        fetchArraySize: 7,
      });
      expect(result.rows).toHaveLength(250);
      expect(result.rows?.map((r) => r[0])).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      expect(result.rows?.[249]).toEqual([250, 'x']);
    });
  });

  it('serves a result set in batches and forgets it when closed early', async () => {
    await withConnection(credentials(sim), async (conn) => {
      const result = await conn.execute('SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 100', [], { resultSet: true, fetchArraySize: 10 });
      const rs = result.resultSet!;
      expect(await rs.getRows(5)).toEqual([[1], [2], [3], [4], [5]]);
      expect(await rs.getRows(10)).toHaveLength(10);
      await rs.close();
      const again = await conn.execute('SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 100');
      expect(again.rows).toHaveLength(100);
    });
  });

  it('sleeps for the seconds bound to DBMS_SESSION.SLEEP', async () => {
    await withConnection(credentials(sim), async (conn) => {
      const started = Date.now();
      await conn.execute('BEGIN DBMS_SESSION.SLEEP(:s); END;', { s: 0.3 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      await conn.execute('begin dbms_session.sleep(:1); end;', [0]);
    });
  });

  it('re-executes statements from the driver statement cache without parsing again', async () => {
    await withConnection(credentials(sim), async (conn) => {
      for (let i = 0; i < 50; i++) {
        expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
        await conn.execute('BEGIN DBMS_SESSION.SLEEP(:s); END;', [0]);
      }
    });
    expect(log.filter((l) => l.includes('parsed cursor'))).toHaveLength(2);
    expect(sim.stats().statements).toBe(100);
  });

  it('closes the cursors the driver evicts from a small statement cache', async () => {
    await withConnection({ ...credentials(sim), stmtCacheSize: 2 }, async (conn) => {
      for (let round = 0; round < 3; round++) {
        for (let n = 1; n <= 5; n++) expect((await conn.execute(`SELECT ${n} FROM DUAL`)).rows).toEqual([[n]]);
      }
    });
    expect(log.some((l) => l.includes('closed cursor'))).toBe(true);
  });

  it('answers unknown SQL with an ORA error and keeps the session usable', async () => {
    await withConnection(credentials(sim), async (conn) => {
      await expectCode(conn.execute('SELECT * FROM employees'), 'ORA-00942');
      await expectCode(conn.execute('DELETE FROM employees'), 'ORA-00900');
      await expectCode(conn.execute('SELECT nonsense FROM DUAL'), 'ORA-00904');
      await expectCode(conn.execute('BEGIN no_such_proc; END;'), 'ORA-06550');
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await conn.ping();
    });
    expect(sim.stats().errorsSent).toBe(4);
  });

  it('accepts module, action and client id piggybacked on calls', async () => {
    await withConnection(credentials(sim), async (conn) => {
      conn.module = 'orapool-test';
      conn.action = 'borrow';
      conn.clientId = 'client-42';
      conn.clientInfo = 'info';
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      conn.action = '';
      await conn.ping();
      expect((await conn.execute('SELECT 2 FROM DUAL')).rows).toEqual([[2]]);
    });
    expect(sim.stats().errorsSent).toBe(0);
  });

  it('commits and rolls back', async () => {
    await withConnection(credentials(sim), async (conn) => {
      await conn.commit();
      await conn.rollback();
      await conn.execute('COMMIT');
    });
    expect(sim.stats().errorsSent).toBe(0);
  });

  it('interrupts a call that exceeds callTimeout (NJS-123) and keeps the connection usable', async () => {
    await withConnection(credentials(sim), async (conn) => {
      conn.callTimeout = 200;
      const started = Date.now();
      await expectCode(conn.execute('BEGIN DBMS_SESSION.SLEEP(:s); END;', [5]), 'NJS-123');
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await expectCode(conn.execute('BEGIN DBMS_SESSION.SLEEP(1); END;'), 'NJS-123');
      conn.callTimeout = 0;
      await conn.ping();
      expect((await conn.execute('SELECT 2 FROM DUAL')).rows).toEqual([[2]]);
    });
  });
});
