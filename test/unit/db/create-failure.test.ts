import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCreateFailure, stoppedMessage } from '../../../src/db/create-failure.js';
import { ServerTypeMismatch } from '../../../src/db/server-type-check.js';
import { driverError } from '../support/fake-database.js';

describe('describeCreateFailure', () => {
  it.each(['ORA-01017', 'ORA-28000', 'ORA-28001'])('stops retrying on %s: another attempt is another failed logon', (code) => {
    expect(describeCreateFailure(driverError(code, 'denied'), 'db:1521/X').stopRetrying).toBeTruthy();
  });

  it.each(['NJS-503', 'NJS-510', 'ORA-12514', 'ORA-12516', 'ORA-00018'])('keeps retrying on %s: the database may come back', (code) => {
    expect(describeCreateFailure(driverError(code, 'down'), 'db:1521/X').stopRetrying).toBeUndefined();
  });

  it('stops on a server type the connect string resolved otherwise, naming what to change', () => {
    const failure = describeCreateFailure(new ServerTypeMismatch('pooled', 'dedicated'), 'mydb_high');
    expect(failure).toMatchObject({ code: 'SERVER_TYPE_MISMATCH', fix: 'server-type' });
    expect(failure.stopRetrying).toContain('add (SERVER=POOLED) to the tnsnames.ora entry');
    expect(stoppedMessage(failure)).toContain('not retrying');
    expect(describeCreateFailure(new ServerTypeMismatch('dedicated', 'pooled'), 'mydb_high').stopRetrying).toContain('set DB_SERVER_TYPE=pooled');
  });

  it('replaces a quoted connect string with its host, port and service', () => {
    const cs = 'tcps://db.example.com:1522/svc?wallet_location=/secret/wallet&ssl_server_dn_match=yes';
    const failure = describeCreateFailure(driverError('NJS-515', `error in parsing connect string "${cs}"`), cs);
    expect(failure).toEqual({ code: 'NJS-515', message: 'NJS-515: error in parsing connect string "tcps://db.example.com:1522/svc"' });
    expect(failure.message).not.toContain('wallet_location');
  });

  it('replaces the connect string the driver was given too: with DRCP it carries :pooled and pool_* parameters after the configured one', () => {
    const configured = 'tcps://db.example.com:1522/svc?wallet_location=/secret/wallet';
    const given = 'tcps://db.example.com:1522/svc:pooled?wallet_location=/secret/wallet&pool_boundary=statement';
    const failure = describeCreateFailure(driverError('NJS-515', `error in parsing connect string "${given}"`), [configured, given]);
    expect(failure.message).toBe('NJS-515: error in parsing connect string "tcps://db.example.com:1522/svc:pooled"');
    expect(failure.message).not.toContain('wallet_location');
  });

  it('keeps a message without a code, first line only', () => {
    expect(describeCreateFailure(new Error('boom\nstack-ish detail'), 'db:1521/X')).toEqual({ message: 'boom' });
  });
});

/** The thin driver's TLS errors as it words them: the cause on the second line (measured against the simulator). */
const tlsError = (first: string, cause: string) => Object.assign(new Error(`${first}\n${cause}`), { code: first.slice(0, 7) });

describe('describeCreateFailure over TLS', () => {
  const tls = { walletLocation: '/etc/orapool/wallet', walletPassword: true, configDir: '/etc/orapool/wallet' };

  it.each([
    ['NJS-505: unable to initiate TLS connection.', 'error:1C800064:Provider routines::bad decrypt', undefined, /DB_WALLET_PASSWORD does not match/],
    ['NJS-505: unable to initiate TLS connection.', 'error:1E08010C:DECODER routines::unsupported', undefined, /no client key and certificate/],
    ['NJS-512: invalid connection string parameters.', "ENOENT: no such file or directory, open '/etc/orapool/wallet/ewallet.pem'", undefined, /no ewallet\.pem in DB_WALLET_LOCATION \(\/etc\/orapool\/wallet\)/],
    ['NJS-512: invalid connection string parameters.', "EACCES: permission denied, open '/etc/orapool/wallet/ewallet.pem'", undefined, /not readable.*fsGroup/],
    ['NJS-506: connection to host h port 1 encountered TLS handshake failure. (CONNECTION_ID=x)', 'self-signed certificate in certificate chain', undefined, /not signed by a CA in ewallet\.pem/],
    ['NJS-506: connection to host h port 1 encountered TLS handshake failure. (CONNECTION_ID=x)', 'NJS-507: TLS detected an invalid certificate.', 'NJS-507', /SSL_SERVER_CERT_DN/],
    ['NJS-506: connection to host h port 1 encountered TLS handshake failure. (CONNECTION_ID=x)', 'NJS-508: TLS detected an invalid certificate. h not present', 'NJS-508', /host in DB_CONNECT_STRING/],
    ['NJS-500: connection to Oracle Database was closed or broken', 'NJS-501: connection to host h port 1 terminated unexpectedly. (CONNECTION_ID=x)\n[tlsv13 alert certificate required]', 'NJS-501', /requires a client certificate/],
  ])('stops retrying on %s (%s): a wallet problem names its setting', (first, cause, causeCode, reason) => {
    const failure = describeCreateFailure(tlsError(first, cause), 'tcps://h:1/X', tls);
    expect(failure.fix).toBe('wallet');
    expect(failure.stopRetrying).toMatch(reason);
    expect(failure.cause).toBe(causeCode);
    expect(failure.message).toBe(first);
  });

  it.each([
    ['NJS-500: connection to Oracle Database was closed or broken', 'NJS-521: connection to host h port 1 received end-of-file on communication channel.'],
    ['NJS-506: connection to host h port 1 encountered TLS handshake failure.', 'Client network socket disconnected before secure TLS connection was established'],
    ['NJS-503: connection to host h port 1 could not be established.', 'connect ECONNREFUSED h:1'],
  ])('keeps retrying on %s (%s): an outage or a restart gives the same', (first, cause) => {
    const failure = describeCreateFailure(tlsError(first, cause), 'tcps://h:1/X', tls);
    expect(failure.stopRetrying).toBeUndefined();
    expect(failure.fix).toBeUndefined();
  });

  it('without DB_WALLET_LOCATION, an untrusted certificate or a requested client certificate says to set it', () => {
    expect(describeCreateFailure(tlsError('NJS-506: handshake failure.', 'unable to verify the first certificate'), 'x', {}).stopRetrying).toMatch(
      /DB_WALLET_LOCATION is not set/,
    );
    expect(describeCreateFailure(tlsError('NJS-505: unable to initiate TLS connection.', 'bad decrypt'), 'x', { walletLocation: '/w' }).stopRetrying).toMatch(
      /DB_WALLET_PASSWORD is not set/,
    );
  });
});

describe('a wrong wallet password whose garbage happens to pass the padding check', () => {
  it('names DB_WALLET_PASSWORD, not a CA-only wallet, when ewallet.pem holds an encrypted key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orapool-wallet-'));
    try {
      writeFileSync(join(dir, 'ewallet.pem'), '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
      const error = tlsError('NJS-505: unable to initiate TLS connection.', 'error:1E08010C:DECODER routines::unsupported');
      expect(describeCreateFailure(error, 'x', { walletLocation: dir, walletPassword: true }).stopRetrying).toMatch(/DB_WALLET_PASSWORD does not match/);
      // The same words from a wallet with no key at all: a CA-only wallet.
      writeFileSync(join(dir, 'ewallet.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      expect(describeCreateFailure(error, 'x', { walletLocation: dir, walletPassword: true }).stopRetrying).toMatch(/no client key and certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
