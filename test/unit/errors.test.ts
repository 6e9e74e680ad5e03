import { describe, expect, it } from 'vitest';
import {
  acquireFailureCause,
  AppError,
  driverCode,
  ErrorCode,
  isBrokenConnectionError,
  publicMessages,
  toAppError,
} from '../../src/errors.js';
import { driverError } from './support/fake-database.js';

describe('toAppError', () => {
  const cases: Array<[string, string, ErrorCode]> = [
    ['NJS-040', 'connection request timeout. Request exceeded "queueTimeout" of 1000', ErrorCode.POOL_QUEUE_TIMEOUT],
    ['NJS-076', 'connection request rejected. Pool queue length "queueMax" 5 reached', ErrorCode.POOL_QUEUE_FULL],
    ['NJS-123', 'call timeout of 5000 ms exceeded', ErrorCode.DATABASE_TIMEOUT],
    ['NJS-064', 'connection pool is closing', ErrorCode.SHUTTING_DOWN],
    ['NJS-065', 'connection pool was closed', ErrorCode.SHUTTING_DOWN],
    ['ORA-01017', 'invalid credential or not authorized; logon denied', ErrorCode.DATABASE_UNAVAILABLE],
    ['ORA-12541', 'Cannot connect. No listener at host 10.0.0.1 port 1521.', ErrorCode.DATABASE_UNAVAILABLE],
    ['NJS-500', 'connection to the Oracle Database was broken', ErrorCode.DATABASE_UNAVAILABLE],
    ['NJS-503', 'connection to host db.internal port 1521 could not be established', ErrorCode.DATABASE_UNAVAILABLE],
    ['TNS-12535', 'operation timed out', ErrorCode.DATABASE_UNAVAILABLE],
    ['DPI-1080', 'connection was closed by ORA-3113', ErrorCode.DATABASE_UNAVAILABLE],
  ];

  it.each(cases)('maps %s to 503 %s with the given Retry-After', (code, text, expected) => {
    const error = toAppError(driverError(code, text), 7);
    expect(error.code).toBe(expected);
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.expose).toBe(false);
  });

  it('keeps the driver error as the cause and never puts the driver text in the public message', () => {
    const original = driverError('ORA-12541', 'Cannot connect. No listener at host secret-db.corp port 1521.');
    const error = toAppError(original, 2);
    expect(error.cause).toBe(original);
    expect(publicMessages[error.code]).not.toContain('secret-db.corp');
    expect(error.message).not.toContain('secret-db.corp');
  });

  it('maps an error without a driver code to 500 INTERNAL with no Retry-After', () => {
    const error = toAppError(new TypeError('cannot read properties of undefined'), 9);
    expect(error.code).toBe(ErrorCode.INTERNAL);
    expect(error.status).toBe(500);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.expose).toBe(false);
  });

  it('maps a thrown non-Error value to 500 INTERNAL', () => {
    const error = toAppError('a string was thrown', 1);
    expect(error.status).toBe(500);
    expect(error.code).toBe(ErrorCode.INTERNAL);
  });

  it('passes an AppError through unchanged', () => {
    const appError = new AppError(ErrorCode.OVERLOADED, 503, 'shed', 4);
    expect(toAppError(appError, 99)).toBe(appError);
  });
});

describe('AppError.expose', () => {
  it('exposes 4xx messages and hides 5xx messages', () => {
    expect(new AppError(ErrorCode.NOT_FOUND, 404, 'no route').expose).toBe(true);
    expect(new AppError(ErrorCode.INTERNAL, 500, 'boom').expose).toBe(false);
    expect(new AppError(ErrorCode.OVERLOADED, 503, 'shed').expose).toBe(false);
  });
});

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
  it.each(['NJS-123', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-521', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-01012', 'ORA-00028'])(
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

describe('acquireFailureCause', () => {
  it('names the cause of a failed acquire', () => {
    expect(acquireFailureCause(driverError('NJS-040', 'timeout'))).toBe('queue_timeout');
    expect(acquireFailureCause(driverError('NJS-076', 'full'))).toBe('queue_full');
    expect(acquireFailureCause(driverError('NJS-064', 'closing'))).toBe('pool_closed');
    expect(acquireFailureCause(driverError('NJS-065', 'closed'))).toBe('pool_closed');
    expect(acquireFailureCause(driverError('ORA-12541', 'no listener'))).toBe('database_unavailable');
    expect(acquireFailureCause(new Error('something else'))).toBe('other');
  });
});
