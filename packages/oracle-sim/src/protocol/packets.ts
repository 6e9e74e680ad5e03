// Oracle Net (TNS) packet framing. Header: length, checksum (0), type, flags,
// header checksum (0). The length is 2 bytes until the server sends ACCEPT and
// 4 bytes afterwards in both directions, because we accept at protocol
// version 315, the first with "large SDU" (sqlnet/ntTcp.js startRead).

export const PacketType = {
  CONNECT: 1,
  ACCEPT: 2,
  REFUSE: 4,
  DATA: 6,
  MARKER: 12,
  CONTROL: 14,
} as const;

/** Data flag the driver sets on the last packet of every request. */
export const DATA_FLAG_END_OF_REQUEST = 0x0800;
/** Data flag of the driver's goodbye packet (sent right before it closes the socket). */
export const DATA_FLAG_EOF = 0x0040;

/** Marker bytes (sqlnet/constants.js NIQ*): break, reset, interrupt. */
export const Marker = { BREAK: 1, RESET: 2, INTERRUPT: 3 } as const;

/**
 * 315 is the lowest version the driver accepts (NJS-138) and the highest that
 * needs neither "fast auth" nor end-of-response framing, which 318+ switch on.
 */
export const TNS_VERSION = 315;
const HEADER_SIZE = 8;
const DATA_HEADER_SIZE = 10;
const MAX_PACKET = 2_097_152;

export interface Packet {
  type: number;
  flags: number;
  /** the whole packet, header included */
  buf: Buffer;
}

/** Cuts a byte stream into packets; call largeLengths() once ACCEPT has been sent. */
export class PacketSplitter {
  private pending: Buffer | null = null;
  private fourByteLength = false;

  largeLengths(): void {
    this.fourByteLength = true;
  }

  push(chunk: Buffer): Packet[] {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Packet[] = [];
    while (buf.length >= HEADER_SIZE) {
      const len = this.fourByteLength ? buf.readUInt32BE(0) : buf.readUInt16BE(0);
      if (len < HEADER_SIZE || len > MAX_PACKET) throw new Error(`invalid packet length ${len}`);
      if (buf.length < len) break;
      out.push({ type: buf[4]!, flags: buf[5]!, buf: buf.subarray(0, len) });
      buf = buf.subarray(len);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : null;
    return out;
  }
}

export function dataFlags(p: Packet): number {
  return p.buf.length >= DATA_HEADER_SIZE ? p.buf.readUInt16BE(8) : 0;
}

export function dataPayload(p: Packet): Buffer {
  return p.buf.subarray(DATA_HEADER_SIZE);
}

function header(len: number, type: number, large: boolean): Buffer {
  const b = Buffer.alloc(len);
  if (large) b.writeUInt32BE(len, 0);
  else b.writeUInt16BE(len, 0);
  b[4] = type;
  return b;
}

/** The connect descriptor of a CONNECT packet, or null when it follows in a separate DATA packet (it is longer than 230 bytes). */
export function connectDescriptor(p: Packet): { text: string | null; length: number; requestedSdu: number } {
  const length = p.buf.readUInt16BE(24);
  const offset = p.buf.readUInt16BE(26);
  const requestedSdu = p.buf.length >= 62 ? p.buf.readUInt32BE(58) : 8192;
  const inline = length > 0 && offset + length <= p.buf.length;
  return { text: inline ? p.buf.toString('ascii', offset, offset + length) : null, length, requestedSdu };
}

/**
 * ACCEPT at version 315. Flags 0x04/0x08 at offsets 22/23 say "network
 * encryption disabled / no NA services", otherwise the driver starts the ANO
 * negotiation that thin mode cannot finish.
 */
export function acceptPacket(sdu: number, tdu: number): Buffer {
  const b = header(45, PacketType.ACCEPT, false);
  b.writeUInt16BE(TNS_VERSION, 8);
  b.writeUInt16BE(0, 10);
  b.writeUInt16BE(Math.min(sdu, 0xffff), 12);
  b.writeUInt16BE(Math.min(tdu, 0xffff), 14);
  b.writeUInt16BE(0x0100, 16);
  b.writeUInt16BE(0, 18);
  b.writeUInt16BE(45, 20);
  b[22] = 0x04;
  b[23] = 0x08;
  b.writeUInt32BE(sdu, 32);
  b.writeUInt32BE(tdu, 36);
  return b;
}

/** REFUSE carrying `(ERR=n)`, which the driver turns into NJS-518 (12514) or NJS-511 "Cause: ORA-n". */
export function refusePacket(oraCode: number): Buffer {
  const text = Buffer.from(
    `(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR=${oraCode})(ERROR_STACK=(ERROR=(CODE=${oraCode})(EMFI=4))))`,
    'ascii',
  );
  const b = header(12 + text.length, PacketType.REFUSE, false);
  b[8] = 4; // user reason
  b[9] = 0; // system reason
  b.writeUInt16BE(text.length, 10);
  text.copy(b, 12);
  return b;
}

/** DATA packets (4-byte lengths) carrying `payload`, split so that none exceeds `sdu`. */
export function dataPackets(payload: Buffer, sdu: number): Buffer[] {
  const room = sdu - DATA_HEADER_SIZE;
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length || out.length === 0; at += room) {
    const part = payload.subarray(at, at + room);
    const b = header(DATA_HEADER_SIZE + part.length, PacketType.DATA, true);
    part.copy(b, DATA_HEADER_SIZE);
    out.push(b);
  }
  return out;
}

/** A one-byte data marker (4-byte length; markers are only exchanged after ACCEPT). */
export function markerPacket(marker: number): Buffer {
  const b = header(11, PacketType.MARKER, true);
  b[8] = 1; // "data marker with 1 data byte"
  b[10] = marker;
  return b;
}
