// Server-to-client TTC messages, written in the layout the driver parses
// (protocol/messages/base.js, protocol.js, dataType.js, withData.js). The
// layouts depend on the TTC field version we announce; we pin it to 13
// (19c), below the levels that add fields to errors (14) and column
// metadata (17) or a token to every call (18).
import { Writer } from './codec.js';
import { encodeNumber } from './number.js';

export const FIELD_VERSION = 13;

export const MessageType = {
  PROTOCOL: 1,
  DATA_TYPES: 2,
  FUNCTION: 3,
  ERROR: 4,
  ROW_HEADER: 6,
  ROW_DATA: 7,
  PARAMETER: 8,
  STATUS: 9,
  DESCRIBE_INFO: 16,
  PIGGYBACK: 17,
} as const;

export const FunctionCode = {
  REEXECUTE: 4,
  FETCH: 5,
  LOGOFF: 9,
  COMMIT: 14,
  ROLLBACK: 15,
  REEXECUTE_AND_FETCH: 78,
  EXECUTE: 94,
  CLOSE_CURSORS: 105,
  AUTH_PHASE_TWO: 115,
  AUTH_PHASE_ONE: 118,
  CANCEL_CURSORS: 120,
  SET_END_TO_END_ATTR: 135,
  PING: 147,
} as const;

export const OraType = { VARCHAR: 1, NUMBER: 2, CHAR: 96, BINARY_FLOAT: 100, BINARY_DOUBLE: 101 } as const;
const CHARSET_UTF8 = 873;
const CHARSET_UTF16 = 2000;

/** Reply to the protocol negotiation: banner, character sets, capabilities. */
export function writeProtocolReply(w: Writer): void {
  w.u8(MessageType.PROTOCOL).u8(6).u8(0);
  w.raw(Buffer.from('orapool Oracle simulator\0', 'ascii'));
  w.u16le(CHARSET_UTF8);
  w.u8(0); // server flags
  w.u16le(0); // no elements
  // "FDO" block: the driver only reads the national character set from it,
  // at 6 + fdo[5] + fdo[6] + 3.
  const fdo = Buffer.alloc(11);
  fdo.writeUInt16BE(CHARSET_UTF16, 9);
  w.u16be(fdo.length).raw(fdo);
  const compileCaps = Buffer.alloc(53);
  compileCaps[7] = FIELD_VERSION;
  w.bytesWithLength(compileCaps);
  // runtime caps: [1] = 0x01 announces the time-zone extension, so the driver
  // learns DBTIMEZONE from the data-types reply instead of running
  // SELECT DBTIMEZONE FROM DUAL while connecting; [6] = 0x05 allows 32K strings.
  w.bytesWithLength(Buffer.from([0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05]));
}

/** Reply to the data-types negotiation: DBTIMEZONE (+00:00) and an empty type list. */
export function writeDataTypesReply(w: Writer): void {
  w.u8(MessageType.DATA_TYPES);
  w.raw(Buffer.from([0x80, 0x00, 0x00, 0x00, 0x3c, 0x3c, 0x80, 0x00, 0x00, 0x00, 0x00]));
  w.u16be(0);
}

/**
 * End of a call. Call-status bit 0x2 would mean "transaction in progress" and
 * make the driver roll back before closing; we keep it clear.
 */
/** Where each writer's last end-of-call message (STATUS or ERROR) starts, for the implicit-pooling release bit (drcp.ts). */
export const endOfCall = new WeakMap<Writer, number>();

export function writeStatus(w: Writer): void {
  endOfCall.set(w, w.length);
  w.u8(MessageType.STATUS).ub(0).ub(0);
}

export interface ErrorInfo {
  /** ORA number; 0 = success (ends PL/SQL and fetches with more rows), 1403 = no more rows */
  num: number;
  message?: string;
  cursorId?: number;
  rowCount?: number;
  /** position of the error in the SQL text */
  pos?: number;
}

/** ERROR message, field by field in the order of base.js processErrorInfo (field version < 14). */
export function writeError(w: Writer, e: ErrorInfo): void {
  endOfCall.set(w, w.length);
  w.u8(MessageType.ERROR);
  w.ub(0); // call status
  w.ub(0); // end-to-end sequence number
  w.ub(0); // current row number
  w.ub(0); // error number (short form)
  w.ub(0).ub(0); // array element errors
  w.ub(e.cursorId ?? 0);
  w.sb(e.pos ?? 0); // error position: an SB2, not a raw 2-byte value
  w.u8(0).u8(0).u8(0).u8(0).u8(0); // sql type, fatal, flags, user cursor options, UPI parameter
  w.u8(0); // warning flags
  w.ub(0).ub(0).u8(0).ub(0).ub(0); // rowid: rba, partition, (byte), block, slot
  w.ub(0); // OS error
  w.u8(0).u8(0); // statement error, call number
  w.ub(0); // padding
  w.ub(0); // success iterations
  w.ub(0); // oerrdd length
  w.ub(0); // batch error codes
  w.ub(0); // batch error offsets
  w.ub(0); // batch error messages
  w.ub(e.num);
  w.ub(e.rowCount ?? 0);
  if (e.num !== 0) w.strWithLength(`${e.message ?? `ORA-${String(e.num).padStart(5, '0')}`}\n`);
}

export interface KeyValue {
  key: string;
  value: string;
  /** carries the verifier type for AUTH_VFR_DATA */
  flags?: number;
}

/** PARAMETER message with key/value pairs, as the auth replies use it. */
export function writeParameters(w: Writer, pairs: KeyValue[]): void {
  w.u8(MessageType.PARAMETER).ub(pairs.length);
  for (const p of pairs) {
    w.lengthAndStr(p.key);
    w.lengthAndStr(p.value);
    w.ub(p.flags ?? 0);
  }
}

export type Value = number | string | null;

export interface Column {
  name: string;
  type: 'number' | 'varchar' | 'char' | 'binary_float' | 'binary_double';
  /** bytes, for varchar and char columns */
  size?: number;
  /** characters, for varchar and char columns; default = size */
  chars?: number;
}

/** DESCRIBE_INFO: the column metadata of a query. */
export function writeDescribeInfo(w: Writer, columns: Column[]): void {
  w.u8(MessageType.DESCRIBE_INFO);
  w.u8(0); // chunked bytes, empty
  const maxRow = columns.reduce((n, c) => n + columnMaxSize(c), 0);
  w.ub(maxRow);
  w.ub(columns.length);
  if (columns.length > 0) w.u8(0);
  columns.forEach((c, i) => {
    const isNumber = c.type !== 'varchar' && c.type !== 'char';
    const maxSize = columnMaxSize(c);
    w.u8(ORA_TYPES[c.type]);
    w.u8(0); // flags
    w.u8(0); // precision
    w.u8(c.type === 'number' ? 0x81 : 0); // scale -127: "NUMBER without scale"
    // a max size of 0 makes the driver read the value as NULL without
    // consuming it, which desynchronises the stream (withData.js processColumnData)
    w.ub(maxSize);
    w.ub(0); // max array elements
    w.ub(0); // cont flags (UB8)
    w.ub(0); // OID length
    w.ub(0); // version
    w.ub(isNumber ? 0 : CHARSET_UTF8);
    w.u8(isNumber ? 0 : 1); // character set form
    w.ub(isNumber ? 0 : (c.chars ?? maxSize)); // size in characters
    w.ub(0); // oaccolid (field version >= 8)
    w.u8(1); // nullable
    w.u8(0); // v7 name length
    w.lengthAndStr(c.name);
    w.ub(0); // schema
    w.ub(0); // type name
    w.ub(i + 1); // position
    w.ub(0); // uds flags
  });
  w.ub(0); // current date
  w.ub(0).ub(0).ub(0).ub(0); // dcbflag, dcbmdbz, dcbmnpr, dcbmxpr
  w.ub(0); // dcbqcky
}

const ORA_TYPES = {
  number: OraType.NUMBER,
  varchar: OraType.VARCHAR,
  char: OraType.CHAR,
  binary_float: OraType.BINARY_FLOAT,
  binary_double: OraType.BINARY_DOUBLE,
} as const;

function columnMaxSize(c: Column): number {
  if (c.type === 'number') return 22;
  if (c.type === 'binary_double') return 8;
  if (c.type === 'binary_float') return 4;
  return Math.max(1, c.size ?? 1);
}

/** Oracle's sortable IEEE encoding: positives get the sign bit set, negatives are inverted. */
export function encodeBinaryFloat(n: number, bytes: 4 | 8): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeDoubleBE(n);
  else b.writeFloatBE(n);
  if (b[0]! & 0x80) for (let i = 0; i < bytes; i++) b[i] = ~b[i]! & 0xff;
  else b[0] = b[0]! | 0x80;
  return b;
}

/** ROW_HEADER followed by one ROW_DATA with the row's values. */
export function writeRow(w: Writer, columns: Column[], values: Value[]): void {
  w.u8(MessageType.ROW_HEADER);
  w.u8(0).ub(0).ub(0).ub(0).ub(0).ub(0).ub(0);
  w.u8(MessageType.ROW_DATA);
  columns.forEach((c, i) => {
    const v = values[i] ?? null;
    if (v === null || v === '') w.u8(0);
    else if (c.type === 'number') w.bytesWithLength(encodeNumber(v));
    else if (c.type === 'binary_double') w.bytesWithLength(encodeBinaryFloat(Number(v), 8));
    else if (c.type === 'binary_float') w.bytesWithLength(encodeBinaryFloat(Number(v), 4));
    else w.strWithLength(String(v));
  });
}
