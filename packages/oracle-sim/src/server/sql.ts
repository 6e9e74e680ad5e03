// What statements do. There is no SQL engine: a handful of statement shapes
// that connection pools and their tests send are recognised, everything else
// gets the error a database would give for an unknown table or statement.
import type { Column, Value } from '../protocol/ttc.js';
import type { BindValue } from '../protocol/requests.js';
import { invalidIdentifier, OraErrors, undeclaredIdentifier, type OraError } from './ora-errors.js';

export type Plan =
  | { kind: 'query'; columns: Column[]; rowCount: number; row: (n: number) => Value[] }
  | { kind: 'sleep'; seconds: (binds: BindValue[]) => number }
  | { kind: 'ok' }
  | { kind: 'error'; error: OraError; /** offset in the SQL text, as Oracle reports it */ pos?: number };

/** Upper bound on CONNECT BY LEVEL rows, so a typo cannot exhaust memory. */
const MAX_ROWS = 1_000_000;

export function plan(sqlText: string, sessionUser: string): Plan {
  const sql = sqlText.trim();
  if (/^(BEGIN|DECLARE|CALL)\b/i.test(sql)) return planPlsql(sql);
  // a statement terminator is SQL*Plus syntax, not SQL: Oracle 19c rejects it
  // with ORA-00911 (drivers must send SQL without it; PL/SQL blocks keep theirs)
  const end = sqlText.trimEnd();
  if (end.endsWith(';') && /^(SELECT|WITH|COMMIT|ROLLBACK|ALTER)\b/i.test(sql)) {
    return { kind: 'error', error: OraErrors.invalidCharacter, pos: end.length - 1 };
  }
  if (/^(SELECT|WITH)\b/i.test(sql)) return planSelect(sqlText, sessionUser);
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
  // BEGIN some_proc[(args)]; END; -- a call of a procedure that does not exist here
  const call = /^(BEGIN\s+)((?:"[^"]+"|[A-Za-z_][\w$#]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$#]*))*)\s*(?:\([^;]*\))?\s*;\s*END\s*;?$/is.exec(sql);
  if (call) {
    const before = call[1]!;
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    const name = call[2]!
      .split('.')
      .map((p) => p.trim())
      .map((p) => (p.startsWith('"') ? p.slice(1, -1) : p.toUpperCase()))
      .join('.');
    return { kind: 'error', error: undeclaredIdentifier(name, line, before.length - lineStart + 1) };
  }
  return { kind: 'error', error: OraErrors.plsqlError };
}

type Token = { t: 'num' | 'str' | 'id' | 'op'; v: string; at: number };

/**
 * Numeric literals follow the SQL Language Reference, "Numeric Literals":
 * [+|-]{digit[digit]...[.][digit]...|.digit[digit]...}[{e|E}[+|-]digit[digit]...][f|F|d|D]
 * (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Literals.html).
 */
const NUMERIC_LITERAL = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?`;

function tokenize(sql: string): Token[] | null {
  const out: Token[] = [];
  const re = new RegExp(String.raw`\s+|(${NUMERIC_LITERAL})|'((?:[^']|'')*)'|("[^"]+"|[A-Za-z_][\w$#]*)|(<=|>=|<>|!=|[-+,()<>=;*])`, 'y');
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < sql.length) {
    const at = re.lastIndex;
    m = re.exec(sql);
    if (!m || re.lastIndex === at) return null;
    if (m[1] !== undefined) out.push({ t: 'num', v: m[1], at });
    else if (m[2] !== undefined) out.push({ t: 'str', v: m[2].replace(/''/g, "'"), at });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3], at });
    else if (m[4] !== undefined) out.push({ t: 'op', v: m[4], at });
  }
  return out;
}

type Item = { column: Column; value: (level: number) => Value };

/** NUMBER holds at most 40 significant digits (SQL Language Reference, "NUMBER Data Type"). */
const NUMBER_DIGITS = 40;

/**
 * A NUMBER literal as Oracle stores it: rounded to 40 significant digits,
 * below 1E-130 it is 0, from 1E126 on it overflows (ORA-01426). Returns the
 * value as exact decimal text ("15e2") for the wire encoder, or null on overflow.
 */
export function numberLiteral(text: string): string | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a numeric literal: ${text}`);
  const sign = m[1] === '-' ? '-' : '';
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  let exp = Number(m[4] ?? 0) - frac.length;
  let digits = (intPart + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  if (digits.length > NUMBER_DIGITS) {
    const cut = digits.length - NUMBER_DIGITS;
    const roundUp = digits[NUMBER_DIGITS]! >= '5';
    digits = digits.slice(0, NUMBER_DIGITS);
    exp += cut;
    if (roundUp) {
      const bumped = (BigInt(digits) + 1n).toString();
      if (bumped.length > digits.length) exp += 1;
      digits = bumped.slice(0, NUMBER_DIGITS);
    }
  }
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  // magnitude: the leading digit stands at 10^(exp + len - 1)
  const magnitude = exp + trimmed.length - 1;
  if (magnitude >= 126) return null;
  if (magnitude < -130) return '0';
  return `${sign}${trimmed}e${exp}`;
}

/**
 * SELECT item[, item...] FROM DUAL [CONNECT BY LEVEL <= n], where an item is a
 * number or string literal, LEVEL or USER, with an optional alias. Errors
 * carry the offset Oracle reports: where the parser stopped.
 */
function planSelect(sql: string, sessionUser: string): Plan {
  const tokens = tokenize(sql.replace(/;\s*$/, ''));
  if (!tokens) return { kind: 'error', error: OraErrors.invalidSql };
  const end = sql.replace(/;\s*$/, '').trimEnd().length;
  const err = (error: OraError, tok: Token | undefined): Plan => ({ kind: 'error', error, pos: tok?.at ?? end });
  let i = 1; // past SELECT
  const peek = () => tokens[i];
  const isWord = (tok: Token | undefined, w: string) => tok?.t === 'id' && tok.v.toUpperCase() === w;

  if (isWord(tokens[0], 'WITH')) return err(OraErrors.invalidSql, tokens[0]);
  const fromAt = tokens.findIndex((tok) => isWord(tok, 'FROM'));
  const items: Item[] = [];
  // Oracle resolves the FROM clause before the select list: an unknown
  // column is reported only once the table is known
  let unknownColumn: Plan | null = null;
  const itemsEnd = fromAt < 0 ? tokens.length : fromAt;
  for (;;) {
    const parsed = parseItem();
    if ('error' in parsed) return parsed.error;
    items.push(parsed);
    if (i === fromAt) break;
    if (i >= tokens.length) return err(OraErrors.fromNotFound, undefined);
    if (peek()?.v !== ',') return err(i < itemsEnd ? OraErrors.fromNotFound : OraErrors.invalidSql, peek());
    i++;
  }

  const source = tokens[fromAt + 1];
  if (!source) return err(OraErrors.invalidTableName, undefined);
  if (source.t !== 'id') return err(OraErrors.invalidTableName, source);
  if (!isWord(source, 'DUAL')) return err(OraErrors.tableNotFound, source);
  if (unknownColumn) return unknownColumn;
  i = fromAt + 2;
  let rowCount = 1;
  if (i < tokens.length) {
    if (!(isWord(tokens[i], 'CONNECT') && isWord(tokens[i + 1], 'BY') && isWord(tokens[i + 2], 'LEVEL'))) {
      return err(OraErrors.invalidSql, tokens[i]);
    }
    const op = tokens[i + 3]?.v;
    const bound = tokens[i + 4];
    if ((op !== '<=' && op !== '<') || bound?.t !== 'num' || i + 5 !== tokens.length) {
      return err(OraErrors.invalidSql, tokens[i]);
    }
    rowCount = Math.min(MAX_ROWS, Math.floor(Number(bound.v.replace(/[fFdD]$/, ''))) - (op === '<' ? 1 : 0));
    rowCount = Math.max(rowCount, 1); // Oracle always returns the first level
  }
  const columns = items.map((it) => it.column);
  return { kind: 'query', columns, rowCount, row: (n) => items.map((it) => it.value(n)) };

  function parseItem(): Item | { error: Plan } {
    const start = peek();
    let tok = start;
    let sign = '';
    if (tok?.t === 'op' && (tok.v === '-' || tok.v === '+')) {
      sign = tok.v === '-' ? '-' : '';
      i++;
      tok = peek();
    }
    // SELECT alone, SELECT FROM ..., SELECT 1, FROM ...: nothing where an expression must be
    if (!tok || i === fromAt || (tok.t === 'op' && tok.v !== '*')) return { error: err(OraErrors.missingExpression, tok) };
    let item: Item;
    if (tok.t === 'num') {
      const text = sign + tok.v;
      const name = text.toUpperCase();
      const suffix = /[fFdD]$/.exec(tok.v)?.[0]?.toUpperCase();
      if (suffix) {
        // BINARY_FLOAT / BINARY_DOUBLE literals (the f / d suffix)
        const n = Number(text.slice(0, -1));
        const value = suffix === 'F' ? Math.fround(n) : n;
        item = { column: { name, type: suffix === 'F' ? 'binary_float' : 'binary_double' }, value: () => value };
      } else {
        const value = numberLiteral(text);
        if (value === null) return { error: err(OraErrors.numericOverflow, start) };
        item = { column: { name, type: 'number' }, value: () => value };
      }
    } else if (tok.t === 'str' && !sign) {
      const s = tok.v;
      const size = Math.max(1, Buffer.byteLength(s));
      // text literals are CHAR (SQL Language Reference, "Text Literals"); '' is NULL
      item = { column: { name: `'${s.toUpperCase()}'`, type: 'char', size, chars: Math.max(1, [...s].length) }, value: () => s };
    } else if (isWord(tok, 'LEVEL')) {
      item = { column: { name: 'LEVEL', type: 'number' }, value: (level) => (sign ? -level : level) };
    } else if (isWord(tok, 'USER') && !sign) {
      const user = sessionUser.toUpperCase();
      // USER is VARCHAR2(128) with 12.2+ long identifiers
      item = { column: { name: 'USER', type: 'varchar', size: 128 }, value: () => user };
    } else if (tok.v === '*' && !sign) {
      // DUAL's one column (SQL Language Reference, "Selecting from the DUAL Table")
      item = { column: { name: 'DUMMY', type: 'varchar', size: 1 }, value: () => 'X' };
    } else if (tok.t === 'id') {
      unknownColumn ??= err(invalidIdentifier(tok.v), tok);
      item = { column: { name: tok.v, type: 'number' }, value: () => null };
    } else {
      return { error: err(OraErrors.invalidSql, tok) };
    }
    i++;
    if (isWord(peek(), 'AS')) i++;
    const alias = peek();
    if (alias?.t === 'id' && i !== fromAt) {
      item.column = { ...item.column, name: alias.v.startsWith('"') ? alias.v.slice(1, -1) : alias.v.toUpperCase() };
      i++;
    }
    return item;
  }
}
