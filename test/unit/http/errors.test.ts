import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from '../../../src/db/db-error.js';
import { AppError, ErrorCode, publicMessages, toAppError } from '../../../src/http/errors.js';
import { driverError } from '../support/fake-database.js';

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

  it('answers a closed pool with 503 SHUTTING_DOWN', () => {
    const error = toAppError(new DbError(DbErrorCode.POOL_CLOSED, 'pool is closed'), 3);
    expect(error.code).toBe(ErrorCode.SHUTTING_DOWN);
    expect(error.status).toBe(503);
  });

  it("prefers the db layer's own retry estimate to the caller's", () => {
    const error = toAppError(new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'not created yet', { retryInSeconds: 15 }), 2);
    expect(error.retryAfterSeconds).toBe(15);
  });

  it('computes the fallback Retry-After only for database failures', () => {
    let reads = 0;
    const retry = () => {
      reads += 1;
      return 4;
    };
    toAppError(new TypeError('bug'), retry);
    toAppError(new AppError(ErrorCode.OVERLOADED, 503, 'shed', 1), retry);
    expect(reads).toBe(0);
    expect(toAppError(driverError('NJS-040', 'timeout'), retry).retryAfterSeconds).toBe(4);
    expect(reads).toBe(1);
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

describe('public messages', () => {
  it('give every error code a message of its own for clients', () => {
    const messages = Object.values(ErrorCode).map((code) => publicMessages[code]);
    for (const message of messages) expect(message.length).toBeGreaterThan(3);
    expect(new Set(messages).size).toBe(messages.length);
  });
});

describe('toAppError for a bug', () => {
  it('answers 500 INTERNAL and keeps the original error as the cause', () => {
    const bug = new TypeError('x is undefined');
    const error = toAppError(bug, 7);
    expect(error).toMatchObject({ code: ErrorCode.INTERNAL, status: 500 });
    expect(error.cause).toBe(bug);
  });
});
