// Client-to-server TTC requests, decoded in the layout the driver writes them
// (protocol/messages/*.js encode()) at our pinned field version.
import { Reader } from './codec.js';
import { decodeNumber } from './number.js';
import { FunctionCode, MessageType } from './ttc.js';
import { ONEWAY_FUNCTION } from './drcp.js';

export interface Piggybacks {
  closeCursors: number[];
  cancelCursors: number[];
  /** end-to-end attributes the client changed since its last call ('' = cleared); absent ones are unchanged */
  endToEnd: EndToEndAttributes;
}

export interface EndToEndAttributes {
  clientIdentifier?: string;
  module?: string;
  action?: string;
  ecid?: string;
  clientInfo?: string;
  dbOp?: string;
}

/** Message header of a request: piggybacks first, then the function message. */
export type RequestHead =
  | { kind: 'protocol' }
  | { kind: 'dataTypes' }
  | { kind: 'function'; code: number; piggybacks: Piggybacks }
  | { kind: 'unsupported'; what: string };

/**
 * Reads what precedes the function's own fields. Piggybacks carry cursor
 * close/cancel lists (statementCache.js) and end-to-end attributes (module,
 * action, client id); any other piggyback we cannot skip, so it is reported.
 */
export function readRequestHead(r: Reader): RequestHead {
  const piggybacks: Piggybacks = { closeCursors: [], cancelCursors: [], endToEnd: {} };
  for (;;) {
    const type = r.u8();
    if (type === MessageType.PROTOCOL) return { kind: 'protocol' };
    if (type === MessageType.DATA_TYPES) return { kind: 'dataTypes' };
    // SESSION_RELEASE comes as a one-way function, with the same header (drcp.ts)
    if (type === MessageType.FUNCTION || type === ONEWAY_FUNCTION) {
      const code = r.u8();
      r.u8(); // sequence number
      return { kind: 'function', code, piggybacks };
    }
    if (type !== MessageType.PIGGYBACK) return { kind: 'unsupported', what: `message type ${type}` };
    const code = r.u8();
    r.u8(); // sequence number
    if (code === FunctionCode.CLOSE_CURSORS || code === FunctionCode.CANCEL_CURSORS) {
      r.u8(); // pointer
      const n = r.ub4();
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(r.ub4());
      (code === FunctionCode.CLOSE_CURSORS ? piggybacks.closeCursors : piggybacks.cancelCursors).push(...ids);
    } else if (code === FunctionCode.SET_END_TO_END_ATTR) {
      Object.assign(piggybacks.endToEnd, readEndToEndAttributes(r));
    } else {
      return { kind: 'unsupported', what: `piggyback function ${code}` };
    }
  }
}

/**
 * Layout of base.js _writeEndToEndPiggybacks: a (present, length) header per
 * attribute, then the non-empty values in the same order. Present with length
 * 0 means the client cleared it.
 */
function readEndToEndAttributes(r: Reader): EndToEndAttributes {
  r.u8();
  r.u8();
  r.ub4(); // flags
  const fields: Array<[keyof EndToEndAttributes, number] | null> = [];
  const field = (name: keyof EndToEndAttributes) => {
    const present = r.u8();
    const len = r.ub4();
    fields.push(present ? [name, len] : null);
  };
  field('clientIdentifier');
  field('module');
  field('action');
  field('ecid');
  r.u8();
  r.ub4(); // cidcct, cidecs
  field('clientInfo');
  r.u8();
  r.ub4();
  r.u8();
  r.ub4(); // unsupported fields
  field('dbOp');
  const out: EndToEndAttributes = {};
  for (const f of fields) {
    if (f === null) continue;
    const [name, len] = f;
    out[name] = len > 0 ? (r.bytesWithLength()?.toString('utf8') ?? '') : '';
  }
  return out;
}

export interface AuthRequest {
  user: string;
  /** TNS_AUTH_MODE_* bits (constants.js): SYSDBA 0x20, SYSOPER 0x40, SYSASM 0x400000, ... */
  mode: number;
  pairs: Map<string, string>;
}

/** Auth phase one (118) and two (115): user name then key/value pairs. */
export function readAuth(r: Reader): AuthRequest {
  const hasUser = r.u8();
  const userLen = r.ub4();
  const mode = r.ub4();
  r.u8();
  const numPairs = r.ub4();
  r.u8();
  r.u8();
  const user = hasUser && userLen > 0 ? r.strWithLength() : '';
  const pairs = new Map<string, string>();
  for (let i = 0; i < numPairs; i++) {
    const keyLen = r.ub4();
    const key = keyLen > 0 ? r.strWithLength() : '';
    const valueLen = r.ub4();
    const value = valueLen > 0 ? r.strWithLength() : '';
    r.ub4(); // flags
    pairs.set(key, value);
  }
  return { user, mode, pairs };
}

export type BindValue = number | string | Buffer | boolean | null;

/** What we keep of a bind's metadata: enough to decode its values on re-execution. */
export interface BindMeta {
  oraType: number;
}

export interface ExecuteRequest {
  options: number;
  cursorId: number;
  sql: string | null;
  /** rows the client wants with the execute (prefetch) */
  prefetchRows: number;
  binds: BindMeta[];
  bindValues: BindValue[];
}

export const ExecOption = { PARSE: 0x01, BIND: 0x08, DEFINE: 0x10, EXECUTE: 0x20, FETCH: 0x40 } as const;

/** Full execute (94), as execute.js writeExecuteMessage writes it. */
export function readExecute(r: Reader): ExecuteRequest {
  const options = r.ub4();
  const cursorId = r.ub4();
  const hasSql = r.u8();
  r.ub4(); // SQL length
  r.u8();
  r.ub4(); // al8i4 vector: pointer and length (13)
  r.u8();
  r.u8(); // al8o4, al8o4l
  r.ub4(); // prefetch buffer size
  const prefetchRows = r.ub4();
  r.ub4(); // max long size
  r.u8();
  const numBinds = r.ub4();
  for (let i = 0; i < 5; i++) r.u8(); // al8pp, al8txn, al8txl, al8kv, al8kvl
  r.u8();
  const numDefines = r.ub4();
  r.ub4(); // registration id (low)
  r.u8();
  r.u8(); // al8objlist, al8objlen
  r.u8();
  r.ub4(); // al8blv
  r.u8();
  r.ub4(); // al8dnam
  r.ub4(); // registration id (high)
  r.u8();
  r.ub4();
  r.u8(); // DML row counts
  // field version >= 8 (12.2) and >= 9
  r.u8();
  r.ub4();
  r.u8();
  r.ub4();
  r.u8();
  r.u8();
  r.ub4();
  const sql = hasSql ? r.strWithLength() : null;
  for (let i = 0; i < 13; i++) r.ub4(); // al8i4
  const binds: BindMeta[] = [];
  if (numDefines > 0) {
    // defines only arrive for LOB/JSON/VECTOR columns, which we never return
    for (let i = 0; i < numDefines; i++) readColumnMetadata(r);
  } else {
    for (let i = 0; i < numBinds; i++) binds.push(readColumnMetadata(r));
  }
  return { options, cursorId, sql, prefetchRows, binds, bindValues: readBindRow(r, binds) };
}

export interface ReExecuteRequest {
  cursorId: number;
  numIters: number;
}

/** Re-execute (4) and re-execute-and-fetch (78) of a cursor the client has cached. */
export function readReExecute(r: Reader): ReExecuteRequest {
  const cursorId = r.ub4();
  const numIters = r.ub4();
  r.ub4();
  r.ub4(); // exec flags
  return { cursorId, numIters };
}

export function readFetch(r: Reader): { cursorId: number; arraySize: number } {
  return { cursorId: r.ub4(), arraySize: r.ub4() };
}

/** One bind's (or define's) metadata, withData.js writeColumnMetadata. */
function readColumnMetadata(r: Reader): BindMeta {
  const oraType = r.u8();
  r.u8(); // flags
  r.u8();
  r.u8(); // precision, scale
  r.ub4(); // max size
  r.ub4(); // max array elements
  r.ub4(); // cont flags
  if (r.ub4() > 0) r.bytesWithLength(); // object type OID
  r.ub2(); // version
  r.ub2(); // character set
  r.u8(); // character set form
  r.ub4(); // LOB prefetch length
  r.ub4(); // oaccolid
  return { oraType };
}

const ESCAPE_CHAR = 253;

/**
 * The first row of bind values (a ROW_DATA message), if present. executeMany
 * sends more rows; we read only the first because no statement we simulate
 * uses more.
 */
export function readBindRow(r: Reader, binds: BindMeta[]): BindValue[] {
  if (binds.length === 0 || r.remaining() === 0) return [];
  if (r.u8() !== MessageType.ROW_DATA) throw new Error('expected bind values');
  return binds.map((b) => {
    if (r.buf[r.pos] === ESCAPE_CHAR) {
      // a NULL boolean is written as escape + 1
      r.u8();
      r.u8();
      return null;
    }
    const raw = r.bytesWithLength();
    if (raw === null) return null;
    return decodeBind(b.oraType, raw);
  });
}

function decodeBind(oraType: number, raw: Buffer): BindValue {
  switch (oraType) {
    case 1: // VARCHAR
    case 96: // CHAR
      return raw.toString('utf8');
    case 2: // NUMBER
    case 3: // BINARY_INTEGER
      return decodeNumber(raw);
    case 100: // BINARY_FLOAT
    case 101: // BINARY_DOUBLE
      return decodeBinaryFloat(raw);
    case 252: // BOOLEAN
      return raw[raw.length - 1] === 1;
    default:
      return Buffer.from(raw);
  }
}

/** Oracle's sortable IEEE encoding: positives have the sign bit set, negatives are all inverted. */
function decodeBinaryFloat(raw: Buffer): number {
  const b = Buffer.from(raw);
  if (b[0]! & 0x80) b[0] = b[0]! & 0x7f;
  else for (let i = 0; i < b.length; i++) b[i] = ~b[i]! & 0xff;
  return b.length === 8 ? b.readDoubleBE(0) : b.readFloatBE(0);
}
