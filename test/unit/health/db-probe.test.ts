import { afterEach, describe, expect, it, vi } from 'vitest';
import { DbError, DbErrorCode } from '../../../src/db/db-error.js';
import { breakerOpenError } from '../../../src/db/breaker-database.js';
import { DbProbe, failureCode, probeRoundTrip } from '../../../src/health/db-probe.js';
import { Readiness } from '../../../src/health/readiness.js';
import { driverError, FakeDatabase } from '../support/fake-database.js';
import { memoryLogger } from '../support/memory-logger.js';

function setup(intervalSeconds = 5) {
  let now = 100;
  const db = new FakeDatabase();
  const readiness = new Readiness({ poolCreated: () => db.created, maxSuccessAgeSeconds: 20, now: () => now });
  const log = memoryLogger('debug');
  const sut = new DbProbe(db, readiness, log.logger, intervalSeconds);
  return {
    sut,
    db,
    readiness,
    log,
    advance: (seconds: number) => {
      now += seconds;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DbProbe.probe', () => {
  it('runs one SELECT 1 FROM DUAL and makes the replica ready', async () => {
    const { sut, db, readiness } = setup();
    await sut.probe();
    expect(db.executed).toEqual(['SELECT 1 FROM DUAL']);
    expect(db.borrows).toEqual([{ route: 'background-probe' }]);
    expect(readiness.status().ready).toBe(true);
  });

  it('does not borrow while the pool does not exist', async () => {
    const { sut, db } = setup();
    db.created = false;
    await sut.probe();
    expect(db.withConnectionCalls).toBe(0);
  });

  it('skips its round-trip while a success younger than the interval proves the database answers', async () => {
    const { sut, db, readiness, advance } = setup(5);
    readiness.recordSuccess(0.001);
    advance(4.9);
    await sut.probe();
    expect(db.withConnectionCalls).toBe(0);
    advance(0.1);
    await sut.probe();
    expect(db.withConnectionCalls).toBe(1);
  });

  it('probes again at once after a failure, without waiting for the interval', async () => {
    const { sut, db, readiness } = setup(5);
    readiness.recordSuccess(0.001);
    readiness.recordFailure('ORA-03113');
    await sut.probe();
    expect(db.withConnectionCalls).toBe(1);
  });

  it('runs one round-trip at a time', async () => {
    const { sut, db } = setup();
    let release!: () => void;
    db.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = sut.probe();
    const second = sut.probe();
    release();
    await Promise.all([first, second]);
    expect(db.withConnectionCalls).toBe(1);
  });

  it('records a database failure and turns readiness off', async () => {
    const { sut, db, readiness } = setup();
    db.failWith = driverError('ORA-12541', 'no listener');
    await sut.probe();
    expect(readiness.status().ready).toBe(false);
    expect(readiness.database().lastError).toBe('ORA-12541');
  });

  it('never reads a busy pool (NJS-040, NJS-076) as a database outage', async () => {
    const { sut, db, readiness, advance } = setup();
    await sut.probe();
    for (const code of ['NJS-040', 'NJS-076']) {
      advance(5);
      db.failWith = driverError(code, 'busy');
      await sut.probe();
    }
    expect(readiness.database().lastError).toBeNull();
    expect(readiness.status().ready).toBe(true);
  });

  it('does not record a circuit breaker refusal (no round-trip was tried): readiness keeps the failure that opened it', async () => {
    const { db, readiness } = setup();
    readiness.recordFailure('NJS-123');
    db.failWith = breakerOpenError(5);
    await expect(probeRoundTrip(db, readiness, { route: '/api/health' })).rejects.toBe(db.failWith);
    expect(readiness.database().lastError).toBe('NJS-123');
  });

  it('logs one line when the database goes down and one when it comes back, not one per probe', async () => {
    const { sut, db, log, advance } = setup();
    await sut.probe();
    db.failWith = driverError('ORA-03113', 'end-of-file on communication channel');
    for (let i = 0; i < 5; i++) {
      advance(5);
      await sut.probe();
    }
    db.failWith = undefined;
    for (let i = 0; i < 3; i++) {
      advance(5);
      await sut.probe();
    }
    await log.flush();
    expect(log.entries().map((e) => e.event)).toEqual(['database_up', 'database_down', 'database_up']);
    expect(log.events('database_down')[0]).toMatchObject({ level: 'warn', error: 'ORA-03113' });
  });
});

describe('DbProbe.start', () => {
  it('probes as soon as the pool exists, then on every interval, until stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { sut, db, readiness } = setup(5);
    sut.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(db.withConnectionCalls).toBe(1);
    readiness.recordFailure('ORA-03113'); // so the next ticks really probe
    await vi.advanceTimersByTimeAsync(5_000);
    expect(db.withConnectionCalls).toBe(2);
    readiness.recordFailure('ORA-03113');
    sut.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(db.withConnectionCalls).toBe(2);
  });
});

describe('probeRoundTrip', () => {
  it('rethrows the failure after recording its code', async () => {
    const { db, readiness } = setup();
    const failure = driverError('NJS-123', 'call timeout');
    db.failWith = failure;
    await expect(probeRoundTrip(db, readiness, { route: '/api/health' })).rejects.toBe(failure);
    expect(readiness.database().lastError).toBe('NJS-123');
  });

  it('records a failure that is not the database (a bug) as INTERNAL and rethrows it unchanged', async () => {
    const { db, readiness } = setup();
    const bug = new TypeError('cannot read properties of undefined');
    db.failWith = bug;
    await expect(probeRoundTrip(db, readiness, { route: '/api/health' })).rejects.toBe(bug);
    expect(readiness.database().lastError).toBe('INTERNAL');
  });
});

describe('failureCode', () => {
  it('uses the driver code, then the domain code, then INTERNAL', () => {
    expect(failureCode(new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'x'))).toBe('DATABASE_UNAVAILABLE');
    expect(failureCode(new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'x', { driverCode: 'NJS-503' }))).toBe('NJS-503');
    expect(failureCode(driverError('ORA-01017', 'denied'))).toBe('ORA-01017');
    expect(failureCode(new Error('bug'))).toBe('INTERNAL');
  });
});
