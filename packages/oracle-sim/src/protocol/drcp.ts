// DRCP and implicit-pooling messages (docs/oracle-tls-drcp.md §5): the
// client's SESSION_RELEASE, the server's SESS_RET piggyback, and the
// end-of-call status bit that tells the client its pooled server is gone.
import { Reader, Writer } from './codec.js';

/** TNS_MSG_TYPE_ONEWAY_FN: a function the server never answers (protocol.js:266-268). */
export const ONEWAY_FUNCTION = 26;
/** TNS_FUNC_SESSION_RELEASE */
export const SESSION_RELEASE = 163;
/** TNS_MSG_TYPE_SERVER_SIDE_PIGGYBACK, opcode TNS_SERVER_PIGGYBACK_SESS_RET */
const SERVER_SIDE_PIGGYBACK = 23;
const PIGGYBACK_SESS_RET = 4;
/** TNS_SESSGET_SESSION_CHANGED: the client drops its cursor ids (statementCache.js:105-117) */
export const SESSION_CHANGED = 4;
/** TNS_EOCS_FLAGS_SESS_RELEASE, in the call status of the STATUS or ERROR that ends a call */
export const CALL_STATUS_SESSION_RELEASE = 0x8000;
/** Release modes (protocol/constants.js:914): 0 = back to the pool, 2 = DEAUTHENTICATE (standalone close) */
export const RELEASE_DEAUTHENTICATE = 2;

/**
 * SESSION_RELEASE after its function header, at field version 13 (no token):
 * tag pointer, tag length, UB4 mode (sessionRelease.js:40-52).
 */
export function readSessionRelease(r: Reader): { mode: number } {
  r.u8();
  r.u8();
  return { mode: r.ub4() };
}

/** SESS_RET, placed before a call's reply (base.js:481-507): no key/value elements. */
export function writeSessRet(w: Writer, flags: number, sessionId: number, serial: number): void {
  w.u8(SERVER_SIDE_PIGGYBACK).u8(PIGGYBACK_SESS_RET);
  w.ub(0); // UB2
  w.u8(0); // UB1
  w.ub(0); // element count
  w.ub(flags);
  w.ub(sessionId);
  w.ub(serial);
}

/** SESS_RET on its own, to go in front of the next reply. */
export function sessRetPiggyback(flags: number, sessionId: number, serial: number): Buffer {
  const w = new Writer(16);
  writeSessRet(w, flags, sessionId, serial);
  return Buffer.from(w.toBuffer());
}

/**
 * Sets `status` as the call status of the end-of-call message written at
 * `offset` (STATUS and ERROR both write it, as a UB4, right after their
 * type byte, and we always write it as 0, the one-byte `00`).
 */
export function withCallStatus(reply: Buffer, offset: number, status: number): Buffer {
  if (reply[offset + 1] !== 0) throw new Error('end-of-call message has a call status already');
  const encoded = new Writer(8).ub(status).toBuffer();
  return Buffer.concat([reply.subarray(0, offset + 1), encoded, reply.subarray(offset + 2)]);
}
