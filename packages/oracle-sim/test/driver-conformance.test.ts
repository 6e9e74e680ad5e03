// A broader run of the real driver's own behaviours against the simulator
// (issue 9 §5), limited to what the simulator claims to support (README,
// "What it does"): connection and session attributes, ping, callTimeout,
// the statement cache, prefetch and fetch sizes, result sets and streams,
// output formats, NULLs and number formats, errors, pool statistics,
// close and isHealthy.
import oracledb from 'oracledb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, expectCode, withConnection } from './harness.js';

describe('the real driver against oracle-sim', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  const on = <T>(fn: (conn: oracledb.Connection) => Promise<T>) => withConnection(credentials(sim), fn);

  describe('connection', () => {
    it('reports the server version the logon claims (19.24.0.0.0) and the service and instance names', () =>
      on(async (conn) => {
        expect(conn.oracleServerVersion).toBe(1924000000);
        expect(conn.oracleServerVersionString).toBe('19.24.0.0.0');
        expect(conn.serviceName).toBe('FREEPDB1');
        expect(conn.instanceName).toBe('ORASIM');
        expect(conn.dbName).toBe('ORASIM');
        expect((conn as unknown as { pdbName?: string }).pdbName).toBe('FREEPDB1');
        expect(conn.maxOpenCursors).toBe(300);
        expect(conn.maxIdentifierLength).toBe(128);
        expect(conn.thin).toBe(true);
      }));

    it('pings, stays healthy, and after close() reports NJS-003 and isHealthy() false', async () => {
      const conn = await oracledb.getConnection(credentials(sim));
      await conn.ping();
      expect(conn.isHealthy()).toBe(true);
      await conn.close();
      expect(conn.isHealthy()).toBe(false);
      await expectCode(conn.ping(), 'NJS-003');
      await expectCode(conn.close(), 'NJS-003');
    });

    it('commits and rolls back without a transaction (no rollback on close)', () =>
      on(async (conn) => {
        await conn.commit();
        await conn.rollback();
        expect(conn.transactionInProgress).toBe(false);
      }));
  });

  describe('callTimeout', () => {
    it('interrupts a long call with NJS-123 after about callTimeout, then the connection works', () =>
      on(async (conn) => {
        conn.callTimeout = 150;
        const started = Date.now();
        await expectCode(conn.execute('BEGIN DBMS_SESSION.SLEEP(2); END;'), 'NJS-123');
        const took = Date.now() - started;
        expect(took).toBeGreaterThanOrEqual(140);
        expect(took).toBeLessThan(1500);
        expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
        expect(conn.isHealthy()).toBe(true);
      }));
  });

  describe('statement cache', () => {
    // thin mode takes the cache size only at connect time (setting it later is NJS-089)
    it('re-executes a cached statement by cursor: one parse, same results, binds honoured', async () => {
      const lines: string[] = [];
      const logged = await startSimulator({ log: (l) => lines.push(l) });
      try {
        await withConnection({ ...credentials(logged), stmtCacheSize: 5 }, async (conn) => {
          for (let i = 0; i < 3; i++) expect((await conn.execute("SELECT 'a' s FROM DUAL")).rows).toEqual([['a']]);
          for (const s of [0, 0.01]) await conn.execute('BEGIN DBMS_SESSION.SLEEP(:s); END;', { s });
        });
        expect(lines.filter((l) => l.includes('parsed cursor'))).toHaveLength(2);
        expect(logged.stats().statements).toBe(5);
      } finally {
        await logged.close();
      }
    });

    it('works with the cache off (stmtCacheSize 0) and with a statement excluded from it', async () => {
      await withConnection({ ...credentials(sim), stmtCacheSize: 0 }, async (conn) => {
        for (let i = 0; i < 3; i++) expect((await conn.execute('SELECT 2 FROM DUAL')).rows).toEqual([[2]]);
      });
      await on(async (conn) => {
        for (let i = 0; i < 3; i++) {
          expect((await conn.execute('SELECT 3 FROM DUAL', [], { keepInStmtCache: false })).rows).toEqual([[3]]);
        }
      });
    });
  });

  describe('fetching', () => {
    const sql = 'SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 1000';
    const all = Array.from({ length: 1000 }, (_, i) => [i + 1]);

    it.each([
      [{ prefetchRows: 0, fetchArraySize: 1 }],
      [{ prefetchRows: 2, fetchArraySize: 7 }],
      [{ prefetchRows: 1000, fetchArraySize: 100 }],
      [{ prefetchRows: 5000, fetchArraySize: 5000 }],
    ])('returns every row in order with %o', (opts) =>
      on(async (conn) => {
        expect((await conn.execute(sql, [], opts)).rows).toEqual(all);
      }));

    it('stops at maxRows', () =>
      on(async (conn) => {
        expect((await conn.execute(sql, [], { maxRows: 15 })).rows).toEqual(all.slice(0, 15));
      }));

    it('reads a result set in chunks and closes it early; the connection stays usable', () =>
      on(async (conn) => {
        const r = await conn.execute(sql, [], { resultSet: true, fetchArraySize: 10 });
        const rs = r.resultSet!;
        expect(await rs.getRow()).toEqual([1]);
        expect(await rs.getRows(5)).toEqual([[2], [3], [4], [5], [6]]);
        await rs.close();
        expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      }));

    it('streams rows with queryStream', () =>
      on(async (conn) => {
        const rows: unknown[] = [];
        const stream = conn.queryStream('SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 250', [], { fetchArraySize: 40 });
        await new Promise<void>((resolve, reject) => {
          stream.on('data', (row) => rows.push(row));
          stream.on('error', reject);
          stream.on('end', () => resolve());
        });
        stream.destroy();
        expect(rows).toHaveLength(250);
        expect(rows[249]).toEqual([250]);
      }));

    it('gives objects keyed by column name with outFormat OUT_FORMAT_OBJECT', () =>
      on(async (conn) => {
        const r = await conn.execute("SELECT 1 AS one, 'x' \"lower\", USER FROM DUAL", [], { outFormat: oracledb.OUT_FORMAT_OBJECT });
        expect(r.rows).toEqual([{ ONE: 1, lower: 'x', USER: 'ORAPOOL' }]);
      }));
  });

  describe('values and metadata', () => {
    // SQL Language Reference 19c, "Nulls": "Oracle Database currently treats a character value
    // with a length of zero as null." https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Nulls.html
    it("returns '' as NULL", () =>
      on(async (conn) => {
        expect((await conn.execute("SELECT '' FROM DUAL")).rows).toEqual([[null]]);
      }));

    it('returns numbers exactly, as numbers or (fetchInfo / fetchTypeHandler) as strings', () =>
      on(async (conn) => {
        const sql = 'SELECT 0, -1, 0.1, -123.456, 1e20, 123456789012345678 FROM DUAL';
        expect((await conn.execute(sql)).rows).toEqual([[0, -1, 0.1, -123.456, 1e20, 123456789012345680]]);
        const asText = await conn.execute(sql, [], { fetchTypeHandler: () => ({ type: oracledb.STRING }) });
        expect(asText.rows).toEqual([['0', '-1', '.1', '-123.456', '100000000000000000000', '123456789012345678']]);
      }));

    // SQL Language Reference 19c, "Text Literals": Oracle treats text literals as CHAR
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Literals.html);
    // USER is VARCHAR2(128) since 12.2's long identifiers; NUMBER literals have no precision or scale.
    it('describes literal columns as Oracle does: NUMBER without precision, CHAR(n) text, USER VARCHAR2(128)', () =>
      on(async (conn) => {
        const r = await conn.execute("SELECT 1, 'abc', 'é', USER FROM DUAL");
        expect(r.metaData?.map((m) => ({ name: m.name, dbTypeName: m.dbTypeName, byteSize: m.byteSize, nullable: m.nullable }))).toEqual([
          { name: '1', dbTypeName: 'NUMBER', byteSize: undefined, nullable: true },
          { name: "'ABC'", dbTypeName: 'CHAR', byteSize: 3, nullable: true },
          { name: "'É'", dbTypeName: 'CHAR', byteSize: 1, nullable: true }, // the driver reports the size in characters
          { name: 'USER', dbTypeName: 'VARCHAR2', byteSize: 128, nullable: true },
        ]);
        expect(r.metaData?.[0]).toMatchObject({ precision: 0, scale: -127 });
        expect(r.rows).toEqual([[1, 'abc', 'é', 'ORAPOOL']]);
      }));
  });

  describe('errors', () => {
    it('reports ORA errors with errorNum, offset and the help URL, and keeps the session', () =>
      on(async (conn) => {
        const err = await expectCode(conn.execute('SELECT * FROM no_such_table'), 'ORA-00942');
        expect(err).toMatchObject({ errorNum: 942, offset: 14 });
        expect(err.message).toBe('ORA-00942: table or view does not exist\nHelp: https://docs.oracle.com/error-help/db/ora-00942/');
        await expectCode(conn.execute('DELETE FROM t'), 'ORA-00900');
        await expectCode(conn.execute('BEGIN no_such_proc; END;'), 'ORA-06550');
        await conn.ping();
      }));

    it('fails a wrong password with ORA-01017 and an unknown service with NJS-518', async () => {
      await expectCode(oracledb.getConnection({ ...credentials(sim), password: 'nope' }), 'ORA-01017');
      await expectCode(oracledb.getConnection({ ...credentials(sim), connectString: `${sim.host}:${sim.port}/NOPE` }), 'NJS-518');
    });
  });

  describe('pool', () => {
    it('keeps statistics consistent with what it did', async () => {
      const pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 3, enableStatistics: true });
      try {
        const conns = await Promise.all([pool.getConnection(), pool.getConnection(), pool.getConnection()]);
        const queued = pool.getConnection();
        await conns[0]!.close();
        const fourth = await queued;
        await Promise.all([fourth, ...conns.slice(1)].map((c) => c.close()));
        const stats = pool.getStatistics()!;
        expect(stats.connectionRequests).toBe(4);
        expect(stats.requestsEnqueued).toBe(1);
        expect(stats.failedRequests).toBe(0);
        expect(stats.connectionsOpen).toBe(3);
        expect(stats.connectionsInUse).toBe(0);
        expect(pool.connectionsOpen).toBe(3);
      } finally {
        await pool.close(0);
      }
    });

    it('times out a queued borrow with NJS-040 when every connection is busy', async () => {
      const pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 1, queueTimeout: 200 });
      try {
        const held = await pool.getConnection();
        await expectCode(pool.getConnection(), 'NJS-040');
        await held.close();
      } finally {
        await pool.close(0);
      }
    });

    it('drains on close: close(0) logs every session off', async () => {
      const before = sim.stats().logoffs;
      const pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 2 });
      const both = await Promise.all([pool.getConnection(), pool.getConnection()]);
      await Promise.all(both.map((c) => c.close()));
      await pool.close(0);
      expect(sim.stats().logoffs - before).toBe(2);
    });
  });
});
