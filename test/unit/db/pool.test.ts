import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { DbError, type AcquireFailureCause } from '../../../src/db/db-error.js';
import { OraclePool } from '../../../src/db/pool.js';
import type { PoolObserver } from '../../../src/db/types.js';
import { ErrorCode, toAppError } from '../../../src/http/errors.js';
import { memoryLogger } from '../support/memory-logger.js';

/**
 * OraclePool without a database: these cases never reach the driver (the
 * pool is never started, so no connection is attempted). What a started pool
 * does is covered by test/integration against the simulator.
 */
function setup() {
  const config = loadConfig({ DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'localhost:1/none', DB_RETRY_MAX_DELAY: '9' }, () => '');
  const failures: AcquireFailureCause[] = [];
  const observer: PoolObserver = {
    connectionRequested: () => undefined,
    acquired: () => undefined,
    acquireFailed: (cause) => failures.push(cause),
    released: () => undefined,
    slowHold: () => undefined,
    createFailed: () => undefined,
  };
  const sut = new OraclePool({ config, logger: memoryLogger('error').logger, observer });
  return { sut, failures };
}

const borrowError = (sut: OraclePool) => sut.withConnection(async () => 'never').then(() => undefined, (error: unknown) => error);

describe('OraclePool borrow before the pool exists', () => {
  it('fails as DATABASE_UNAVAILABLE with a retry estimate of half DB_RETRY_MAX_DELAY, counted as database_unavailable', async () => {
    const { sut, failures } = setup();
    const error = await borrowError(sut);
    expect(error).toBeInstanceOf(DbError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryInSeconds: 5 });
    expect(failures).toEqual(['database_unavailable']);
    expect(toAppError(error, 1)).toMatchObject({ code: ErrorCode.DATABASE_UNAVAILABLE, status: 503, retryAfterSeconds: 5 });
  });
});

describe('OraclePool borrow after close()', () => {
  it('fails as POOL_CLOSED, counted as pool_closed, which clients see as 503 SHUTTING_DOWN', async () => {
    const { sut, failures } = setup();
    await sut.close(0);
    const error = await borrowError(sut);
    expect(error).toBeInstanceOf(DbError);
    expect(error).toMatchObject({ code: 'POOL_CLOSED' });
    expect(failures).toEqual(['pool_closed']);
    const answer = toAppError(error, 2);
    expect(answer.code).toBe(ErrorCode.SHUTTING_DOWN);
    expect(answer.status).toBe(503);
  });

  it('resolves whenCreated() so nothing waits forever for a pool that will never exist', async () => {
    const { sut } = setup();
    await sut.close(0);
    await expect(sut.whenCreated()).resolves.toBeUndefined();
    expect(sut.created).toBe(false);
  });
});
