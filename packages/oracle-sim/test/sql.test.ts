// Which statements the simulator recognises, and what it answers otherwise.
import { describe, expect, it } from 'vitest';
import { numberLiteral, plan } from '../src/server/sql.js';

function rows(sql: string): unknown[][] {
  const p = plan(sql, 'orapool');
  if (p.kind !== 'query') throw new Error(`not a query: ${JSON.stringify(p)}`);
  // NUMBER values are exact decimal text for the wire encoder ("15e-1"); compare them as numbers
  return Array.from({ length: p.rowCount }, (_, i) =>
    p.row(i + 1).map((v, c) => (p.columns[c]!.type === 'varchar' || p.columns[c]!.type === 'char' || v === null ? v : Number(v))),
  );
}

function errorNum(sql: string): number | undefined {
  const p = plan(sql, 'orapool');
  return p.kind === 'error' ? p.error.num : undefined;
}

describe('sql plans', () => {
  it('selects literals, LEVEL and USER from DUAL', () => {
    expect(rows("SELECT 1, -2.5, 'a''b', USER u FROM DUAL")).toEqual([[1, -2.5, "a'b", 'ORAPOOL']]);
    expect(rows('select level from dual connect by level <= 3')).toEqual([[1], [2], [3]]);
    expect(rows('SELECT LEVEL FROM DUAL CONNECT BY LEVEL < 3')).toEqual([[1], [2]]);
    expect(rows('SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 0')).toEqual([[1]]);
  });

  it('recognises the PL/SQL sleep with a bind or a literal', () => {
    const bound = plan('BEGIN DBMS_SESSION.SLEEP(:secs); END;', 'u');
    const literal = plan('begin dbms_lock.sleep(0.25); end;', 'u');
    expect(bound.kind === 'sleep' && bound.seconds([2])).toBe(2);
    expect(literal.kind === 'sleep' && literal.seconds([])).toBe(0.25);
  });

  it('answers what it does not know with the errors a database would give', () => {
    expect(errorNum('SELECT * FROM emp')).toBe(942);
    expect(errorNum('SELECT 1, FROM DUAL')).toBe(936);
    expect(errorNum('SELECT foo FROM DUAL')).toBe(904);
    expect(errorNum('SELECT foo FROM emp')).toBe(942); // the FROM clause is resolved first
    expect(errorNum('SELECT 1 FROM DUAL WHERE 1 = 1')).toBe(900);
    expect(errorNum('SELECT 1')).toBe(923);
    expect(errorNum('SELECT 1 2 FROM DUAL')).toBe(923);
    expect(errorNum('SELECT')).toBe(936);
    expect(errorNum('SELECT FROM DUAL')).toBe(936);
    expect(errorNum('SELECT 1 FROM')).toBe(903);
    expect(errorNum('UPDATE emp SET x = 1')).toBe(900);
    expect(errorNum('BEGIN pkg.run; END;')).toBe(6550);
    expect(plan('ALTER SESSION SET TIME_ZONE = UTC', 'u').kind).toBe('ok');
  });

  it('reads numeric literals as Oracle does: exponents, 40 significant digits, overflow from 1E126, underflow below 1E-130', () => {
    expect(numberLiteral('1.5E3')).toBe('15e2');
    expect(numberLiteral('-0.00120')).toBe('-12e-4');
    expect(numberLiteral('9.99e125')).toBe('999e123');
    expect(numberLiteral('1e126')).toBeNull();
    expect(numberLiteral('-1e126')).toBeNull();
    expect(numberLiteral('1e-131')).toBe('0');
    expect(numberLiteral('0.000')).toBe('0');
    // 41 nines round up to 1E41
    expect(numberLiteral('9'.repeat(41))).toBe('1e41');
    expect(numberLiteral('1' + '2'.repeat(39) + '49')).toBe('1' + '2'.repeat(38) + '2e2');
    expect(errorNum('SELECT 1e126 FROM DUAL')).toBe(1426);
  });
});
