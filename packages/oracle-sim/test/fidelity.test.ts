// Fidelity (issue 9 §5): what the simulator answers must be what Oracle
// answers, as the real driver reports it. Each expectation cites the Oracle
// documentation it comes from; the simulator claims Oracle 19c (19.24), so
// message texts are 19c's (23ai changed some, e.g. ORA-00942 names the object).
import oracledb from 'oracledb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, expectCode, withConnection } from './harness.js';

describe('oracle-sim fidelity', () => {
  let sim: Simulator;
  let conn: oracledb.Connection;

  beforeAll(async () => {
    sim = await startSimulator({
      users: [
        { user: 'orapool', password: 'orapool-sim' },
        { user: 'dba_user', password: 'dba-pw', privileges: ['SYSDBA'] },
      ],
    });
    conn = await oracledb.getConnection(credentials(sim));
  });
  afterAll(async () => {
    await conn.close();
    await sim.close();
  });

  describe('numeric literals', () => {
    // SQL Language Reference 19c, "Literals" > "Numeric Literals":
    // [+|-]{digit[digit]...[.][digit]...|.digit[digit]...}[e|E[+|-]digit[digit]...][f|F|d|D]
    // "f or F indicates that the number is a 32-bit binary floating point number (BINARY_FLOAT),
    //  d or D indicates ... a 64-bit binary floating point number (BINARY_DOUBLE)";
    // NUMBER literals range from 1E-130 up to but not including 1.0E126 (ibid., "NUMBER Data Type").
    // https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Literals.html
    it('reads an exponent as part of the number: SELECT 1.5E3 FROM DUAL is 1500 in a column named 1.5E3', async () => {
      const r = await conn.execute('SELECT 1.5E3 FROM DUAL');
      expect(r.rows).toEqual([[1500]]);
      expect(r.metaData?.map((m) => [m.name, m.dbTypeName])).toEqual([['1.5E3', 'NUMBER']]);
      const lower = await conn.execute('SELECT 25e-03, -1e2 x FROM DUAL');
      expect(lower.rows).toEqual([[0.025, -100]]);
      expect(lower.metaData?.map((m) => m.name)).toEqual(['25E-03', 'X']);
    });

    it('gives ORA-01426 numeric overflow from 1E126 on, and 0 below 1E-130', async () => {
      const err = await expectCode(conn.execute('SELECT 1e126 FROM DUAL'), 'ORA-01426');
      expect(err.message).toMatch(/^ORA-01426: numeric overflow\n/); // https://docs.oracle.com/error-help/db/ora-01426/
      expect((await conn.execute('SELECT 9.99e125, 1e-131 FROM DUAL')).rows).toEqual([[9.99e125, 0]]);
      await conn.ping(); // the session stays usable
    });

    it('reads the d and f suffixes as BINARY_DOUBLE and BINARY_FLOAT literals, not aliases', async () => {
      const r = await conn.execute('SELECT 2d, 1.5f, -0.1D FROM DUAL');
      expect(r.metaData?.map((m) => [m.name, m.dbTypeName])).toEqual([
        ['2D', 'BINARY_DOUBLE'],
        ['1.5F', 'BINARY_FLOAT'],
        ['-0.1D', 'BINARY_DOUBLE'],
      ]);
      expect(r.rows).toEqual([[2, 1.5, -0.1]]);
    });

    it('keeps NUMBER precision: a 38-digit literal fetched as a string is exact', async () => {
      const digits = '12345678901234567890123456789012345678';
      const r = await conn.execute(`SELECT ${digits} FROM DUAL`, [], { fetchInfo: { [digits]: { type: oracledb.STRING } } });
      expect(r.rows).toEqual([[digits]]);
    });
  });

  describe('parse errors: codes, 19c texts and offsets', () => {
    // https://docs.oracle.com/error-help/db/ora-00936/ "missing expression",
    // https://docs.oracle.com/error-help/db/ora-00903/ "invalid table name",
    // https://docs.oracle.com/error-help/db/ora-00923/ "FROM keyword not found where expected",
    // https://docs.oracle.com/error-help/db/ora-00942/ (19c text) "table or view does not exist",
    // https://docs.oracle.com/error-help/db/ora-00904/ "string: invalid identifier".
    // The offset is where the parser stopped (node-oracledb Error.offset).
    it.each([
      ['SELECT', 'ORA-00936: missing expression', 6],
      ['SELECT FROM DUAL', 'ORA-00936: missing expression', 7],
      ['SELECT 1, FROM DUAL', 'ORA-00936: missing expression', 10],
      ['SELECT 1 FROM', 'ORA-00903: invalid table name', 13],
      ['SELECT 1', 'ORA-00923: FROM keyword not found where expected', 8],
      ['SELECT * FROM emp', 'ORA-00942: table or view does not exist', 14],
      ['SELECT foo FROM DUAL', 'ORA-00904: "FOO": invalid identifier', 7],
      // a trailing terminator is not SQL (https://docs.oracle.com/error-help/db/ora-00911/, 19c text)
      ['SELECT 1 FROM DUAL;', 'ORA-00911: invalid character', 18],
      ['COMMIT;', 'ORA-00911: invalid character', 6],
    ])('%s -> %s at offset %i', async (sql, text, offset) => {
      const err = await expectCode(conn.execute(sql), text.slice(0, 9));
      expect(err.message.split('\n')[0]).toBe(text);
      expect(err.errorNum).toBe(Number(text.slice(4, 9)));
      expect((err as { offset?: number }).offset).toBe(offset);
    });

    // https://docs.oracle.com/error-help/db/ora-06550/ and .../pls-00201/: the compile error, then the
    // statement it ignored, each at the call's line and column
    it('reports a call of an unknown procedure as ORA-06550 with PLS-00201 naming it', async () => {
      const err = await expectCode(conn.execute('BEGIN no_such_pkg.run(1); END;'), 'ORA-06550');
      expect(err.errorNum).toBe(6550);
      expect(err.message.split('\n').slice(0, 4)).toEqual([
        'ORA-06550: line 1, column 7:',
        "PLS-00201: identifier 'NO_SUCH_PKG.RUN' must be declared",
        'ORA-06550: line 1, column 7:',
        'PL/SQL: Statement ignored',
      ]);
    });

    // Oracle Database Error Messages 19c, ORA-01017 (https://docs.oracle.com/error-help/db/ora-01017/ lists
    // the 23ai rewording "invalid credential or not authorized; logon denied")
    it('words a failed logon as Oracle 19c does: ORA-01017: invalid username/password; logon denied', async () => {
      const err = await expectCode(oracledb.getConnection({ ...credentials(sim), password: 'wrong' }), 'ORA-01017');
      expect(err.message.split('\n')[0]).toBe('ORA-01017: invalid username/password; logon denied');
    });

    it('selects DUAL\'s one column DUMMY = X (SQL Language Reference, "Selecting from the DUAL Table")', async () => {
      const r = await conn.execute('SELECT * FROM DUAL');
      expect(r.metaData?.map((m) => [m.name, m.dbTypeName])).toEqual([['DUMMY', 'VARCHAR2']]);
      expect(r.rows).toEqual([['X']]);
    });
  });

  describe('administrative privileges at logon', () => {
    // "ORA-01031: insufficient privileges" for a user without the privilege it connects with
    // (Administrator's Guide 19c, "Connecting with Administrative Privileges";
    // https://docs.oracle.com/error-help/db/ora-01031/). Thin mode sends SYSPRELIM combined
    // with SYSDBA/SYSOPER only (lib/util.js), so SYSDBA and SYSOPER cover it.
    it.each([
      ['SYSDBA', oracledb.SYSDBA],
      ['SYSOPER', oracledb.SYSOPER],
      ['SYSASM', oracledb.SYSASM],
      ['SYSDBA | SYSPRELIM', oracledb.SYSDBA | oracledb.SYSPRELIM],
    ])('refuses %s to a user without it with ORA-01031', async (_name, privilege) => {
      const err = await expectCode(oracledb.getConnection({ ...credentials(sim), privilege }), 'ORA-01031');
      expect(err.message.split('\n')[0]).toBe('ORA-01031: insufficient privileges');
    });

    it('admits SYSDBA for a user granted it, and still checks the password first (ORA-01017)', async () => {
      await withConnection({ ...credentials(sim, 'dba_user', 'dba-pw'), privilege: oracledb.SYSDBA }, (c) => c.ping());
      await expectCode(oracledb.getConnection({ ...credentials(sim, 'dba_user', 'wrong'), privilege: oracledb.SYSDBA }), 'ORA-01017');
      await expectCode(oracledb.getConnection({ ...credentials(sim, 'dba_user', 'dba-pw'), privilege: oracledb.SYSOPER }), 'ORA-01031');
    });
  });

  describe('the session time zone sent at logon', () => {
    // The thin driver sends "ALTER SESSION SET TIME_ZONE=..." in AUTH_ALTER_SESSION: the client's
    // offset, or ORA_SDTZ (lib/thin/protocol/messages/auth.js). Oracle runs it as recursive SQL:
    // an unknown region fails the logon with "ORA-00604: error occurred at recursive SQL level 1 /
    // ORA-01882: timezone region not found" (https://github.com/oracle/python-oracledb/issues/280;
    // https://docs.oracle.com/error-help/db/ora-01882/); offsets take hours -15..15 (ORA-01874,
    // https://docs.oracle.com/error-help/db/ora-01874/).
    const saved = process.env.ORA_SDTZ;
    afterEach(() => {
      if (saved === undefined) delete process.env.ORA_SDTZ;
      else process.env.ORA_SDTZ = saved;
    });

    it.each(['Europe/Paris', 'UTC', '+05:30', '-15:00', 'LOCAL', 'DBTIMEZONE'])('accepts ORA_SDTZ=%s', async (tz) => {
      process.env.ORA_SDTZ = tz;
      await withConnection(credentials(sim), (c) => c.ping());
    });

    it.each([
      ['Mars/Olympus_Mons', 'ORA-01882: timezone region not found'],
      ['+16:00', 'ORA-01874: time zone hour must be between -15 and 15'],
      ['+05:60', 'ORA-01875: time zone minute must be between -59 and 59'],
    ])('fails the logon for ORA_SDTZ=%s with ORA-00604 wrapping %s', async (tz, inner) => {
      process.env.ORA_SDTZ = tz;
      const err = await expectCode(oracledb.getConnection(credentials(sim)), 'ORA-00604');
      expect(err.message.split('\n').slice(0, 2)).toEqual(['ORA-00604: error occurred at recursive SQL level 1', inner]);
    });

    it('accepts the offset the driver sends by default (unpadded minutes, e.g. "+00:0")', async () => {
      delete process.env.ORA_SDTZ;
      await withConnection(credentials(sim), (c) => c.ping());
    });
  });
});
