import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether ewallet.pem in the wallet directory holds a password-encrypted
 * private key. Read only to classify a failed TLS setup: a wrong wallet
 * password usually fails the decryption's padding check ("bad decrypt"), but
 * about one time in 256 the padding is valid by chance and the garbage then
 * fails to decode, in the words a CA-only wallet (no key at all) also gets.
 * False when the file cannot be read: other checks name that problem.
 */
export function walletKeyEncrypted(walletLocation: string | undefined): boolean {
  if (!walletLocation) return false;
  try {
    return readFileSync(join(walletLocation, 'ewallet.pem'), 'utf8').includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
  } catch {
    return false;
  }
}
