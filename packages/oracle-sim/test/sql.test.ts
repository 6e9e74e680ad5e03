// Which statements the simulator recognises, and what it answers otherwise.
import { describe, expect, it } from 'vitest';
import { plan } from '../src/server/sql.js';

function rows(sql: string): unknown[][] {
  const p = plan(sql, 'orapool');
  if (p.kind !== 'query') throw new Error(`not a query: ${JSON.stringify(p)}`);
  return Array.from({ length: p.rowCount }, (_, i) => p.row(i + 1));
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
    expect(errorNum('SELECT 1, FROM DUAL')).toBe(904);
    expect(errorNum('SELECT 1 FROM DUAL WHERE 1 = 1')).toBe(900);
    expect(errorNum('SELECT 1')).toBe(923);
    expect(errorNum('UPDATE emp SET x = 1')).toBe(900);
    expect(errorNum('BEGIN pkg.run; END;')).toBe(6550);
    expect(plan('ALTER SESSION SET TIME_ZONE = UTC', 'u').kind).toBe('ok');
  });
});
