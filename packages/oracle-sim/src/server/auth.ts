// O5LOGON as the thin driver performs it (protocol/encryptDecrypt.js), server
// side. Phase one sends a verifier (salt, KDF parameters) and our half of the
// session key encrypted under the password-derived key; phase two recovers
// the client's half, derives the combined key, decrypts the password the
// client sent and proves we know the key (AUTH_SVR_RESPONSE, else NJS-173).
import crypto from 'node:crypto';
import type { KeyValue } from '../protocol/ttc.js';

export type VerifierKind = '11g' | '12c';

/** Values of the AUTH_VFR_DATA pair's flag: the driver picks its algorithm from it. */
const VERIFIER_TYPE = { '11g': 0xb152, '12c': 0x4815 } as const;
/** Real databases use 4096; the client accepts 1..100000, and logon cost is mostly this. */
const VGEN_COUNT = 4096;
const SDER_COUNT = 3;

/** What a database stores for a user: never the password itself, except that we also check it on phase two. */
export interface Verifier {
  kind: VerifierKind;
  password: string;
  salt: Buffer;
  /** key that encrypts the server's session-key half */
  key: Buffer;
}

export function makeVerifier(password: string, kind: VerifierKind): Verifier {
  if (kind === '11g') {
    const salt = crypto.randomBytes(10);
    const hash = crypto.createHash('sha1').update(password, 'utf8').update(salt).digest();
    return { kind, password, salt, key: Buffer.concat([hash, Buffer.alloc(4)]) };
  }
  const salt = crypto.randomBytes(16);
  const pwKey = crypto.pbkdf2Sync(
    Buffer.from(password, 'utf8'),
    Buffer.concat([salt, Buffer.from('AUTH_PBKDF2_SPEEDY_KEY')]),
    VGEN_COUNT,
    64,
    'sha512',
  );
  const key = crypto.createHash('sha512').update(pwKey).update(salt).digest().subarray(0, 32);
  return { kind, password, salt, key };
}

/** State a logon carries from phase one to phase two. */
export interface Challenge {
  verifier: Verifier;
  serverHalf: Buffer;
  cskSalt: Buffer;
}

function aes(key: Buffer, data: Buffer, encrypt: boolean): Buffer {
  const alg = `aes-${key.length * 8}-cbc`;
  const iv = Buffer.alloc(16);
  const c = encrypt ? crypto.createCipheriv(alg, key, iv) : crypto.createDecipheriv(alg, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function phaseOne(verifier: Verifier): { challenge: Challenge; pairs: KeyValue[] } {
  const serverHalf = crypto.randomBytes(verifier.kind === '11g' ? 48 : 32);
  const cskSalt = crypto.randomBytes(16);
  const pairs: KeyValue[] = [
    { key: 'AUTH_SESSKEY', value: hex(aes(verifier.key, serverHalf, true)) },
    { key: 'AUTH_VFR_DATA', value: hex(verifier.salt), flags: VERIFIER_TYPE[verifier.kind] },
  ];
  if (verifier.kind === '12c') {
    pairs.push(
      { key: 'AUTH_PBKDF2_CSK_SALT', value: hex(cskSalt) },
      { key: 'AUTH_PBKDF2_VGEN_COUNT', value: String(VGEN_COUNT) },
      { key: 'AUTH_PBKDF2_SDER_COUNT', value: String(SDER_COUNT) },
    );
  }
  return { challenge: { verifier, serverHalf, cskSalt }, pairs };
}

/**
 * Checks the phase-two pairs. Returns the AUTH_SVR_RESPONSE value on success,
 * null when the password is wrong (or the request is not decipherable).
 */
export function phaseTwo(ch: Challenge, pairs: Map<string, string>): string | null {
  const clientKeyHex = pairs.get('AUTH_SESSKEY');
  const passwordHex = pairs.get('AUTH_PASSWORD');
  if (!clientKeyHex || !passwordHex) return null;
  try {
    const clientHalf = aes(ch.verifier.key, Buffer.from(clientKeyHex, 'hex'), false);
    const combo = comboKey(ch, clientHalf);
    const plain = aes(combo, Buffer.from(passwordHex, 'hex'), false);
    const pad = plain[plain.length - 1]!;
    if (pad < 1 || pad > 16) return null;
    const password = plain.subarray(16, plain.length - pad).toString('utf8');
    if (password !== ch.verifier.password) return null;
    const proof = Buffer.concat([crypto.randomBytes(16), Buffer.from('SERVER_TO_CLIENT')]);
    return hex(aes(combo, proof, true));
  } catch {
    return null;
  }
}

function comboKey(ch: Challenge, clientHalf: Buffer): Buffer {
  const a = ch.serverHalf;
  if (ch.verifier.kind === '11g') {
    const x = Buffer.alloc(24);
    for (let i = 0; i < 24; i++) x[i] = a[16 + i]! ^ clientHalf[16 + i]!;
    const p1 = crypto.createHash('md5').update(x.subarray(0, 16)).digest();
    const p2 = crypto.createHash('md5').update(x.subarray(16)).digest();
    return Buffer.concat([p1, p2]).subarray(0, 24);
  }
  const mix = Buffer.from(hex(Buffer.concat([clientHalf.subarray(0, 32), a.subarray(0, 32)])), 'utf8');
  return crypto.pbkdf2Sync(mix, ch.cskSalt, SDER_COUNT, 32, 'sha512');
}

function hex(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}
