// What statements do. There is no SQL engine: a handful of statement shapes
// that connection pools and their tests send are recognised, everything else
// gets the error a database would give for an unknown table or statement.
import type { Column, Value } from '../protocol/ttc.js';
import type { BindValue } from '../protocol/requests.js';
import { OraErrors, type OraError } from './ora-errors.js';

export type Plan =
  | { kind: 'query'; columns: Column[]; rowCount: number; row: (n: number) => Value[] }
  | { kind: 'sleep'; seconds: (binds: BindValue[]) => number }
  | { kind: 'ok' }
  | { kind: 'error'; error: OraError };

/** Upper bound on CONNECT BY LEVEL rows, so a typo cannot exhaust memory. */
const MAX_ROWS = 1_000_000;

export function plan(sqlText: string, sessionUser: string): Plan {
  const sql = sqlText.trim();
  if (/^(BEGIN|DECLARE|CALL)\b/i.test(sql)) return planPlsql(sql);
  if (/^(SELECT|WITH)\b/i.test(sql)) return planSelect(sql, sessionUser);
  if (/^(COMMIT|ROLLBACK)\b/i.test(sql) || /^ALTER\s+SESSION\s+SET\b/i.test(sql)) return { kind: 'ok' };
  return { kind: 'error', error: OraErrors.invalidSql };
}

function planPlsql(sql: string): Plan {
  const sleep = /^BEGIN\s+(?:SYS\.)?DBMS_(?:SESSION|LOCK)\.SLEEP\s*\(\s*(?::(\w+)|(\d+(?:\.\d*)?|\.\d+))\s*\)\s*;\s*END\s*;?$/i.exec(sql);
  if (sleep) {
    const literal = sleep[2];
    if (literal !== undefined) {
      const s = Number(literal);
      return { kind: 'sleep', seconds: () => s };
    }
    return { kind: 'sleep', seconds: (binds) => Number(binds[0] ?? 0) };
  }
  if (/^BEGIN\s+NULL\s*;\s*END\s*;?$/i.test(sql)) return { kind: 'ok' };
  return { kind: 'error', error: OraErrors.plsqlError };
}

type Token = { t: 'num' | 'str' | 'id' | 'op'; v: string };

function tokenize(sql: string): Token[] | null {
  const out: Token[] = [];
  const re = /\s+|(\d+(?:\.\d*)?|\.\d+)|'((?:[^']|'')*)'|("[^"]+"|[A-Za-z_][\w$#]*)|(<=|>=|<>|!=|[-+,()<>=;*])/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < sql.length) {
    const at = re.lastIndex;
    m = re.exec(sql);
    if (!m || re.lastIndex === at) return null;
    if (m[1] !== undefined) out.push({ t: 'num', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'str', v: m[2].replace(/''/g, "'") });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'op', v: m[4] });
  }
  return out;
}

type Item = { column: Column; value: (level: number) => Value };

/**
 * SELECT item[, item...] FROM DUAL [CONNECT BY LEVEL <= n], where an item is a
 * number or string literal, LEVEL or USER, with an optional alias.
 */
function planSelect(sql: string, sessionUser: string): Plan {
  const tokens = tokenize(sql.replace(/;\s*$/, ''));
  if (!tokens) return { kind: 'error', error: OraErrors.invalidSql };
  let i = 1; // past SELECT
  const peek = () => tokens[i];
  const isWord = (tok: Token | undefined, w: string) => tok?.t === 'id' && tok.v.toUpperCase() === w;

  const fromAt = tokens.findIndex((tok) => isWord(tok, 'FROM'));
  if (fromAt < 0) return { kind: 'error', error: OraErrors.fromNotFound };
  const source = tokens[fromAt + 1];
  if (!isWord(source, 'DUAL') || isWord(tokens[0], 'WITH')) return { kind: 'error', error: OraErrors.tableNotFound };

  const items: Item[] = [];
  for (;;) {
    const item = parseItem();
    if (!item) return { kind: 'error', error: OraErrors.invalidIdentifier };
    items.push(item);
    if (i === fromAt) break;
    if (peek()?.v !== ',') return { kind: 'error', error: OraErrors.invalidSql };
    i++;
  }

  i = fromAt + 2;
  let rowCount = 1;
  if (i < tokens.length) {
    if (!(isWord(tokens[i], 'CONNECT') && isWord(tokens[i + 1], 'BY') && isWord(tokens[i + 2], 'LEVEL'))) {
      return { kind: 'error', error: OraErrors.invalidSql };
    }
    const op = tokens[i + 3]?.v;
    const bound = tokens[i + 4];
    if ((op !== '<=' && op !== '<') || bound?.t !== 'num' || i + 5 !== tokens.length) {
      return { kind: 'error', error: OraErrors.invalidSql };
    }
    rowCount = Math.min(MAX_ROWS, Math.floor(Number(bound.v)) - (op === '<' ? 1 : 0));
    rowCount = Math.max(rowCount, 1); // Oracle always returns the first level
  }
  const columns = items.map((it) => it.column);
  return { kind: 'query', columns, rowCount, row: (n) => items.map((it) => it.value(n)) };

  function parseItem(): Item | null {
    let tok = peek();
    let sign = '';
    if (tok?.t === 'op' && (tok.v === '-' || tok.v === '+')) {
      sign = tok.v === '-' ? '-' : '';
      i++;
      tok = peek();
    }
    if (!tok) return null;
    let item: Item;
    if (tok.t === 'num') {
      const text = sign + tok.v;
      const n = Number(text);
      item = { column: { name: text, type: 'number' }, value: () => n };
    } else if (tok.t === 'str' && !sign) {
      const s = tok.v;
      const size = Math.max(1, Buffer.byteLength(s));
      item = { column: { name: `'${s.toUpperCase()}'`, type: 'varchar', size }, value: () => s };
    } else if (isWord(tok, 'LEVEL')) {
      item = { column: { name: 'LEVEL', type: 'number' }, value: (level) => (sign ? -level : level) };
    } else if (isWord(tok, 'USER') && !sign) {
      const user = sessionUser.toUpperCase();
      item = { column: { name: 'USER', type: 'varchar', size: Math.max(1, Buffer.byteLength(user)) }, value: () => user };
    } else {
      return null;
    }
    i++;
    if (isWord(peek(), 'AS')) i++;
    const alias = peek();
    if (alias?.t === 'id' && i < fromAt) {
      item.column = { ...item.column, name: alias.v.startsWith('"') ? alias.v.slice(1, -1) : alias.v.toUpperCase() };
      i++;
    }
    return item;
  }
}
