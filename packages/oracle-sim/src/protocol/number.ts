// Oracle NUMBER on the wire: an exponent byte (base 100, biased by 192, bits
// inverted for negatives) followed by base-100 digits (+1 for positives,
// 101-d for negatives, with a 102 terminator on short negatives).

/** Encodes a finite JS number or a decimal string like "-12.5" or "1e3". */
export function encodeNumber(value: number | string): Buffer {
  let text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  let negative = false;
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1);
  } else if (text.startsWith('+')) {
    text = text.slice(1);
  }
  let exponent = 0;
  const e = text.search(/e/i);
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  if (dot >= 0) {
    exponent -= text.length - dot - 1;
    text = text.slice(0, dot) + text.slice(dot + 1);
  }
  let digits = text.replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (digits.length === 0) return Buffer.from([0x80]);
  if (exponent % 2 !== 0) {
    digits += '0';
    exponent -= 1;
  }
  if (digits.length % 2 === 1) digits = '0' + digits;
  const pairs = digits.length / 2;
  let exponentByte = (exponent + digits.length) / 2 + 192;
  if (negative) exponentByte ^= 0xff;
  const out = [exponentByte];
  for (let i = 0; i < pairs; i++) {
    const d = Number(digits.slice(2 * i, 2 * i + 2));
    out.push(negative ? 101 - d : d + 1);
  }
  if (negative && pairs < 20) out.push(102);
  return Buffer.from(out);
}

/** Decodes a NUMBER to a JS number (bind values such as the seconds of DBMS_SESSION.SLEEP). */
export function decodeNumber(buf: Buffer): number {
  if (buf.length === 0) return NaN;
  const first = buf[0]!;
  const positive = (first & 0x80) !== 0;
  if (buf.length === 1) return positive ? 0 : -1e126;
  const exponent = (positive ? first : first ^ 0xff) - 193;
  let end = buf.length;
  if (!positive && buf[end - 1] === 102) end -= 1;
  let value = 0;
  for (let i = 1; i < end; i++) {
    const d = positive ? buf[i]! - 1 : 101 - buf[i]!;
    value += d * Math.pow(100, exponent - (i - 1));
  }
  return positive ? value : -value;
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot encode ${n} as an Oracle NUMBER`);
  return n.toString();
}
