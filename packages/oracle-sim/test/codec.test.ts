// The TTC primitives round-trip, including across buffer growth and the
// chunked form of long values.
import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../src/protocol/codec.js';
import { decodeNumber, encodeNumber } from '../src/protocol/number.js';

describe('codec', () => {
  it('round-trips variable-length integers of every width', () => {
    const values = [0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 40];
    const w = new Writer(4);
    for (const v of values) w.ub(v);
    w.sb(-5).sb(-300);
    const r = new Reader(w.toBuffer());
    expect(values.map(() => r.ub8())).toEqual(values);
    expect([r.sb4(), r.sb4()]).toEqual([-5, -300]);
    expect(r.remaining()).toBe(0);
  });

  it('keeps every byte when the buffer grows mid-write', () => {
    const w = new Writer(8);
    for (let i = 0; i < 3000; i++) w.u8(i & 0xff);
    const out = w.toBuffer();
    expect([...out].every((b, i) => b === (i & 0xff))).toBe(true);
  });

  it('writes long values in the chunked form and reads them back', () => {
    const long = Buffer.alloc(70_000, 7);
    const w = new Writer();
    w.bytesWithLength(long).strWithLength('short');
    const r = new Reader(w.toBuffer());
    expect(r.bytesWithLength()?.equals(long)).toBe(true);
    expect(r.strWithLength()).toBe('short');
  });
});

describe('Oracle NUMBER', () => {
  it('encodes like the database', () => {
    expect([...encodeNumber(1)]).toEqual([0xc1, 0x02]);
    expect([...encodeNumber(0)]).toEqual([0x80]);
    expect([...encodeNumber(-1)]).toEqual([0x3e, 0x64, 0x66]);
    expect([...encodeNumber(100)]).toEqual([0xc2, 0x02]);
  });

  it.each([0, 1, -1, 42, 0.5, -3.25, 123456789, 1e-5, 2.5e20])('round-trips %d', (n) => {
    expect(decodeNumber(encodeNumber(n))).toBeCloseTo(n, 10);
  });
});
