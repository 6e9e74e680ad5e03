// TTC primitive encodings, as the thin driver reads and writes them
// (node_modules/oracledb/lib/impl/datahandlers/buffer.js): variable-length
// integers (UBn/SBn) and "bytes with length".

/** Thrown when a request ends before a field does: the request is malformed or we misparsed it. */
export class ShortReadError extends Error {
  constructor(wanted: number, left: number) {
    super(`request ended early: wanted ${wanted} bytes, ${left} left`);
  }
}

/** Length byte that introduces chunked data (UB4 chunk lengths, terminated by a zero chunk). */
export const LONG_LENGTH_INDICATOR = 0xfe;
/** Length byte that the driver uses for NULL. */
export const NULL_LENGTH_INDICATOR = 0xff;
/** Longest value that still fits the one-byte length form. */
const MAX_SHORT_LENGTH = 252;
/** The driver writes long values in chunks of this size; we do the same. */
const CHUNK_SIZE = 65536;

export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new ShortReadError(1, 0);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    if (n > this.remaining()) throw new ShortReadError(n, this.remaining());
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** UBn/SBn: one length byte (sign in bit 0x80), then that many big-endian bytes. */
  private varInt(maxBytes: number, signed: boolean): number {
    let size = this.u8();
    let negative = false;
    if (size & 0x80) {
      if (!signed) throw new Error('unexpected negative integer');
      negative = true;
      size &= 0x7f;
    }
    if (size > maxBytes) throw new Error(`integer of ${size} bytes where at most ${maxBytes} allowed`);
    let value = 0;
    for (const b of this.bytes(size)) value = value * 256 + b;
    return negative ? -value : value;
  }

  ub2(): number { return this.varInt(2, false); }
  ub4(): number { return this.varInt(4, false); }
  ub8(): number { return this.varInt(8, false); }
  sb4(): number { return this.varInt(4, true); }

  /** Bytes with length; null for a zero or NULL length. Long values arrive chunked. */
  bytesWithLength(): Buffer | null {
    const len = this.u8();
    if (len === 0 || len === NULL_LENGTH_INDICATOR) return null;
    if (len !== LONG_LENGTH_INDICATOR) return this.bytes(len);
    const chunks: Buffer[] = [];
    for (let n = this.ub4(); n !== 0; n = this.ub4()) chunks.push(this.bytes(n));
    return Buffer.concat(chunks);
  }

  strWithLength(): string {
    return this.bytesWithLength()?.toString('utf8') ?? '';
  }
}

/** Growable output buffer; every write appends. */
export class Writer {
  private buf: Buffer;
  private len = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** bytes written so far */
  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1); // before indexing: reserve() may replace this.buf
    this.buf[at] = v & 0xff;
    return this;
  }

  u16be(v: number): this {
    const at = this.reserve(2);
    this.buf.writeUInt16BE(v, at);
    return this;
  }

  u16le(v: number): this {
    const at = this.reserve(2);
    this.buf.writeUInt16LE(v, at);
    return this;
  }

  u32be(v: number): this {
    const at = this.reserve(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  raw(b: Buffer | Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Unsigned variable-length integer: 0 is the single byte 00, else a length byte and 1/2/4/8 big-endian bytes. */
  ub(v: number): this {
    if (v === 0) return this.u8(0);
    if (v <= 0xff) return this.u8(1).u8(v);
    if (v <= 0xffff) return this.u8(2).u16be(v);
    if (v <= 0xffffffff) return this.u8(4).u32be(v);
    const hi = Math.floor(v / 0x100000000);
    return this.u8(8).u32be(hi).u32be(v - hi * 0x100000000);
  }

  /** Signed variable-length integer: the sign is bit 0x80 of the length byte. */
  sb(v: number): this {
    if (v >= 0) return this.ub(v);
    const mag = -v;
    if (mag <= 0xff) return this.u8(0x81).u8(mag);
    if (mag <= 0xffff) return this.u8(0x82).u16be(mag);
    return this.u8(0x84).u32be(mag);
  }

  bytesWithLength(b: Buffer): this {
    if (b.length <= MAX_SHORT_LENGTH) {
      this.u8(b.length);
      return this.raw(b);
    }
    this.u8(LONG_LENGTH_INDICATOR);
    for (let at = 0; at < b.length; at += CHUNK_SIZE) {
      const chunk = b.subarray(at, at + CHUNK_SIZE);
      this.ub(chunk.length).raw(chunk);
    }
    return this.ub(0);
  }

  strWithLength(s: string): this {
    return this.bytesWithLength(Buffer.from(s, 'utf8'));
  }

  /** A string preceded by its UB4 byte length, then as bytes with length (the key/value and column-name form). */
  lengthAndStr(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.ub(b.length);
    return b.length > 0 ? this.bytesWithLength(b) : this;
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
