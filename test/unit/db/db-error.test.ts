import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode, withoutStack } from '../../../src/db/db-error.js';

describe('DbError', () => {
  it('is named DbError and keeps a cause only when given one', () => {
    const cause = new Error('driver');
    const withCause = new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'down', { cause });
    expect(withCause.name).toBe('DbError');
    expect(withCause.cause).toBe(cause);
    expect('cause' in new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'down')).toBe(false);
  });

  it('fast() makes one without stack frames, for refusals made at overload rates', () => {
    const error = DbError.fast(DbErrorCode.POOL_QUEUE_FULL, 'full');
    expect(error.stack).not.toMatch(/\n\s+at /);
    expect(new DbError(DbErrorCode.POOL_QUEUE_FULL, 'full').stack).toMatch(/\n\s+at /);
  });
});

describe('withoutStack', () => {
  it('restores the stack trace limit afterwards, also when making the error throws', () => {
    const limit = Error.stackTraceLimit;
    withoutStack(() => new Error('x'));
    expect(Error.stackTraceLimit).toBe(limit);
    expect(() =>
      withoutStack(() => {
        throw new Error('make failed');
      }),
    ).toThrow('make failed');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
