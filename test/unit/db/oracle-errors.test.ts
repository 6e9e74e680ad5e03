import { describe, expect, it } from 'vitest';
import { acquireFailureCause, DbError } from '../../../src/db/db-error.js';
import { causeCode, driverCode, isBrokenConnectionError, isDatabaseDownError, operatorHint, rejectedLogon, toDbError, walletProblem } from '../../../src/db/oracle-errors.js';
import { driverError } from '../support/fake-database.js';

describe('driverCode', () => {
  it('reads the code property when it is a driver code', () => {
    expect(driverCode(Object.assign(new Error('whatever'), { code: 'ORA-03113' }))).toBe('ORA-03113');
  });

  it('parses the code from the start of the message when the code property is absent', () => {
    expect(driverCode(new Error('NJS-040: connection request timeout. Request exceeded "queueTimeout" of 1000'))).toBe('NJS-040');
    expect(driverCode(new Error('ORA-01017: invalid credential'))).toBe('ORA-01017');
  });

  it('parses the message when the code property is not a driver code', () => {
    expect(driverCode(Object.assign(new Error('NJS-076: queue full'), { code: 'ERR_SOMETHING' }))).toBe('NJS-076');
  });

  it('takes a code property only when it is exactly a driver code', () => {
    // Not a driver code as a whole: the message decides (here it has none).
    expect(driverCode(Object.assign(new Error('plain'), { code: 'XORA-01017' }))).toBeUndefined();
    expect(driverCode(Object.assign(new Error('plain'), { code: 'ORA-01017x' }))).toBeUndefined();
  });

  it('does not find a code in the middle of a message', () => {
    expect(driverCode(new Error('wrapped: NJS-040: timeout'))).toBeUndefined();
  });

  it('returns undefined for non-objects and errors without a code', () => {
    expect(driverCode(undefined)).toBeUndefined();
    expect(driverCode(null)).toBeUndefined();
    expect(driverCode('NJS-040')).toBeUndefined();
    expect(driverCode(new Error('plain failure'))).toBeUndefined();
    expect(driverCode({ code: 42, message: 17 })).toBeUndefined();
  });
});

describe('isBrokenConnectionError', () => {
  it.each(['NJS-123', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-521', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-01012', 'ORA-00028', 'ORA-02396', 'ORA-02399'])(
    'treats %s as a broken connection',
    (code) => {
      expect(isBrokenConnectionError(driverError(code, 'broken'))).toBe(true);
    },
  );

  it('recognises a broken connection from the message alone', () => {
    expect(isBrokenConnectionError(new Error('ORA-03113: end-of-file on communication channel'))).toBe(true);
  });

  it.each(['NJS-040', 'NJS-076', 'ORA-00942', 'ORA-01017'])('does not treat %s as a broken connection', (code) => {
    expect(isBrokenConnectionError(driverError(code, 'not broken'))).toBe(false);
  });

  it('does not treat errors without a driver code as broken', () => {
    expect(isBrokenConnectionError(new Error('user code failed'))).toBe(false);
    expect(isBrokenConnectionError(undefined)).toBe(false);
  });
});

describe('toDbError and acquireFailureCause', () => {
  it.each([
    ['NJS-040', 'POOL_QUEUE_TIMEOUT', 'queue_timeout'],
    ['NJS-076', 'POOL_QUEUE_FULL', 'queue_full'],
    ['NJS-064', 'POOL_CLOSED', 'pool_closed'],
    ['NJS-065', 'POOL_CLOSED', 'pool_closed'],
    ['NJS-123', 'DATABASE_TIMEOUT', 'database_unavailable'],
    ['ORA-12541', 'DATABASE_UNAVAILABLE', 'database_unavailable'],
  ])('classifies %s as %s (acquire cause %s), keeping the driver error as the cause', (code, domain, cause) => {
    const original = driverError(code, 'text');
    const error = toDbError(original);
    expect(error).toBeInstanceOf(DbError);
    expect(error?.code).toBe(domain);
    expect(error?.driverCode).toBe(code);
    expect(error?.cause).toBe(original);
    expect(acquireFailureCause(error)).toBe(cause);
  });

  it('leaves an error without a driver code alone: it is a bug, not the database', () => {
    expect(toDbError(new Error('something else'))).toBeUndefined();
    expect(acquireFailureCause(new Error('something else'))).toBe('other');
  });

  it('passes a DbError through as it is', () => {
    const error = new DbError('POOL_CLOSED', 'closed');
    expect(toDbError(error)).toBe(error);
  });

  it('marks only a busy pool as busy (its database may be fine)', () => {
    expect(toDbError(driverError('NJS-040', 't'))?.busy).toBe(true);
    expect(toDbError(driverError('NJS-076', 'f'))?.busy).toBe(true);
    expect(toDbError(driverError('NJS-500', 'broken'))?.busy).toBe(false);
  });
});

describe('rejectedLogon', () => {
  it.each(['ORA-01017', 'ORA-28000', 'ORA-28001'])('stops retrying after %s', (code) => {
    expect(rejectedLogon(code)).toBeDefined();
  });

  it('lets every other failure be retried', () => {
    expect(rejectedLogon('NJS-503')).toBeUndefined();
    expect(rejectedLogon(undefined)).toBeUndefined();
  });
});

describe('operatorHint', () => {
  const settings = { poolMax: 40, connectTimeoutSeconds: 10, callTimeoutSeconds: 5 };

  it('quotes the settings that matter for the failure', () => {
    expect(operatorHint(driverError('ORA-00020', 'maximum number of processes exceeded'), settings)).toContain('DB_POOL_MAX (40)');
    expect(operatorHint(driverError('NJS-510', 'connect timeout'), settings)).toContain('DB_CONNECT_TIMEOUT (10s)');
  });

  it.each([
    ['ORA-01017', 'DB_USER and DB_PASSWORD'],
    ['ORA-28000', 'ACCOUNT UNLOCK'],
    ['ORA-12514', 'service name in DB_CONNECT_STRING'],
    ['NJS-518', 'service name in DB_CONNECT_STRING'],
    ['ORA-00018', 'ran out of sessions/processes'],
    ['ORA-00020', 'ran out of sessions/processes'],
    ['ORA-12516', 'ran out of sessions/processes'],
    ['ORA-12519', 'ran out of sessions/processes'],
    ['ORA-12520', 'the DRCP pool is not started'],
    ['NJS-501', 'Nothing answered at that host and port'],
    ['NJS-503', 'Nothing answered at that host and port'],
    ['NJS-511', 'Nothing answered at that host and port'],
    ['NJS-040', 'within the queue timeout'],
    ['NJS-123', 'DB_CALL_TIMEOUT (5s)'],
  ])('tells the operator what to do about %s', (code, advice) => {
    expect(operatorHint(driverError(code, 'x'), settings)).toContain(advice);
  });

  it('reads a listener refusal whose cause is ORA-12520 as a DRCP pool that is not started', () => {
    const refused = driverError('NJS-511', 'connection to listener at host db port 1521 was refused. (CONNECTION_ID=x)\nCause: ORA-12520');
    expect(causeCode(refused)).toBe('ORA-12520');
    expect(operatorHint(refused, settings)).toContain('DBMS_CONNECTION_POOL.START_POOL');
    expect(operatorHint(driverError('NJS-511', 'refused'), settings)).toContain('Nothing answered at that host and port');
  });

  it('points an error without any driver code at the connect string and TLS settings, not at the docs', () => {
    const hint = operatorHint(new Error('getaddrinfo ENOTFOUND db.example'), settings);
    expect(hint).toContain('DB_CONNECT_STRING');
    expect(hint).not.toContain('Oracle documentation');
  });

  it('points at the connect string for an unknown network error and at the docs for an unknown ORA code', () => {
    expect(operatorHint(driverError('NJS-599', 'x'), settings)).toContain('DB_CONNECT_STRING');
    expect(operatorHint(driverError('ORA-99999', 'x'), settings)).toContain('ORA-99999');
  });
});

describe('walletProblem and the preflight hint over TLS', () => {
  const err = (first: string, cause: string) => Object.assign(new Error(`${first}\n${cause}`), { code: first.slice(0, 7) });
  const s = { poolMax: 4, connectTimeoutSeconds: 10, callTimeoutSeconds: 5, walletLocation: '/w', walletPassword: true, configDir: '/w' };

  it.each([
    ['NJS-516: no configuration directory specified', 'DB_CONFIG_DIR is not set'],
    ['NJS-517: cannot connect to Oracle Database. Unable to find "x" in /w/tnsnames.ora', 'tnsnames.ora in DB_CONFIG_DIR (/w) does not hold'],
    ['NJS-520: cannot connect to Oracle Database. File tnsnames.ora not found in /w', 'no tnsnames.ora in DB_CONFIG_DIR (/w)'],
  ])('%s names DB_CONFIG_DIR', (message, words) => {
    expect(walletProblem(new Error(message), s)).toContain(words);
  });

  it('an encrypted key that the driver cannot load is a password problem, whatever words OpenSSL chose', () => {
    const unusual = new Error('NJS-505: unable to initiate TLS connection. Please check if wallet credentials are valid\nerror:1E08010C:DECODER routines::unsupported');
    Object.assign(unusual, { code: 'NJS-505' });
    expect(walletProblem(unusual, { ...s, walletPassword: false, walletKeyEncrypted: true })).toContain('is encrypted and DB_WALLET_PASSWORD is not set');
    expect(walletProblem(unusual, { ...s, walletPassword: true, walletKeyEncrypted: true })).toContain('DB_WALLET_PASSWORD does not match');
    expect(walletProblem(unusual, { ...s, walletPassword: false, walletKeyEncrypted: false })).toContain('only CA certificates?');
  });

  it('the preflight hint is the words the service stops with, with the code and its cause', () => {
    const dn = err('NJS-506: handshake failure. (CONNECTION_ID=abc)', 'NJS-507: TLS detected an invalid certificate.');
    expect(operatorHint(dn, s)).toBe(`TLS/wallet: ${walletProblem(dn, s)} (NJS-506 caused by NJS-507; the service does not retry this).`);
  });

  it('an end-of-file over TCPS is retried, but the hint points at the client certificate if it persists', () => {
    const eof = err('NJS-500: connection to Oracle Database was closed or broken', 'NJS-521: end-of-file on communication channel');
    expect(walletProblem(eof, s)).toBeUndefined();
    expect(operatorHint(eof, s)).toMatch(/client certificate in DB_WALLET_LOCATION/);
    expect(operatorHint(eof, { ...s, walletLocation: undefined })).not.toMatch(/client certificate/);
  });

  it('never reads a cause from the first line, and ignores errors without a message', () => {
    expect(causeCode(new Error('NJS-506: handshake failure'))).toBeUndefined();
    expect(causeCode(undefined)).toBeUndefined();
    expect(walletProblem(undefined)).toBeUndefined();
  });
});

describe('isDatabaseDownError', () => {
  it.each(['NJS-123', 'NJS-503', 'NJS-510', 'NJS-518', 'ORA-03113', 'ORA-12541', 'ORA-01034'])('reads %s as the database down', (code) => {
    expect(isDatabaseDownError(driverError(code, 'test'))).toBe(true);
    expect(isDatabaseDownError(toDbError(driverError(code, 'test')))).toBe(true);
  });

  it.each(['ORA-00942', 'ORA-00028', 'ORA-02396', 'NJS-500', 'NJS-040', 'NJS-076', 'ORA-01017', 'ORA-00020'])('does not read %s as the database down', (code) => {
    expect(isDatabaseDownError(toDbError(driverError(code, 'test')))).toBe(false);
  });

  it('reads a listener refusal as down, unless the listener says the database is up but out of processes or pooled servers', () => {
    const refused = (cause: string) => driverError('NJS-511', `connection to listener at host h port 1 was refused. (CONNECTION_ID=x)\nCause: ${cause}`);
    expect(isDatabaseDownError(toDbError(refused('ORA-12528')))).toBe(true);
    expect(isDatabaseDownError(toDbError(refused('refused')))).toBe(true);
    for (const cause of ['ORA-12516', 'ORA-12519', 'ORA-12520']) expect(isDatabaseDownError(toDbError(refused(cause)))).toBe(false);
  });

  it('reads an error without a driver code as not down', () => {
    expect(isDatabaseDownError(new Error('bug'))).toBe(false);
    expect(isDatabaseDownError(undefined)).toBe(false);
  });
});
