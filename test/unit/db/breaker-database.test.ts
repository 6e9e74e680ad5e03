import { describe, expect, it } from 'vitest';
import { Breaker } from '../../../src/db/breaker.js';
import { BreakerDatabase, evidenceOf } from '../../../src/db/breaker-database.js';
import { DbError, DbErrorCode } from '../../../src/db/db-error.js';
import { toDbError } from '../../../src/db/oracle-errors.js';
import { roundTrip } from '../../../src/db/round-trip.js';
import { driverError, FakeDatabase } from '../support/fake-database.js';
import { memoryLogger } from '../support/memory-logger.js';

function setup(failureThreshold = 2) {
  let now = 0;
  const inner = new FakeDatabase();
  const breaker = new Breaker({ failureThreshold, openSeconds: 5, logger: memoryLogger().logger, now: () => now });
  const sut = new BreakerDatabase(inner, breaker);
  return { inner, breaker, sut, advance: (s: number) => (now += s) };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'served',
    (e: unknown) => (e instanceof DbError ? `${e.code}${e.facts.breakerOpen ? ' (breaker)' : ''}` : 'other'),
  );

/** A borrow failing the way the pool reports a driver error. */
const failing = (code: string) => toDbError(driverError(code, 'test'));

describe('BreakerDatabase', () => {
  it('opens after consecutive database-down failures and then refuses at once with DATABASE_UNAVAILABLE and a retry time, without borrowing', async () => {
    const { inner, breaker, sut } = setup(2);
    inner.failWith = failing('NJS-123');
    expect(await outcome(sut.withConnection(roundTrip))).toBe('DATABASE_TIMEOUT');
    expect(await outcome(sut.withConnection(roundTrip))).toBe('DATABASE_TIMEOUT');
    expect(breaker.state).toBe('open');
    const borrowsBefore = inner.withConnectionCalls;
    const refused = await sut.withConnection(roundTrip).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DbError);
    expect((refused as DbError).code).toBe(DbErrorCode.DATABASE_UNAVAILABLE);
    expect((refused as DbError).retryInSeconds).toBe(5);
    expect(inner.withConnectionCalls).toBe(borrowsBefore);
  });

  it.each([
    ['a SQL error', 'ORA-00942'],
    ['a killed session', 'ORA-00028'],
    ['a queue timeout (a busy pool)', 'NJS-040'],
    ['a full queue', 'NJS-076'],
    ['a closed connection alone', 'NJS-500'],
  ])('never opens on %s', async (_what, code) => {
    const { inner, breaker, sut } = setup(2);
    inner.failWith = failing(code);
    for (let i = 0; i < 10; i++) await outcome(sut.withConnection(roundTrip));
    expect(breaker.state).toBe('closed');
  });

  it('never opens on a bug in the handler', async () => {
    const { breaker, sut } = setup(1);
    for (let i = 0; i < 3; i++) await outcome(sut.withConnection(() => Promise.reject(new TypeError('bug'))));
    expect(breaker.state).toBe('closed');
  });

  it('releases the borrows still waiting for a connection when it opens, and never runs their handler once a connection comes', async () => {
    const { inner, sut } = setup(2);
    let openGate!: () => void;
    inner.gate = new Promise((r) => (openGate = r));
    let ran = 0;
    const waiting = [1, 2, 3].map(() => outcome(sut.withConnection(async (c) => (ran++, roundTrip(c)))));
    // Two other requests time out on the database (they got here before the gate).
    inner.gate = undefined;
    inner.failWith = failing('NJS-510');
    await outcome(sut.withConnection(roundTrip));
    await outcome(sut.withConnection(roundTrip));
    expect(await Promise.all(waiting)).toEqual(['DATABASE_UNAVAILABLE (breaker)', 'DATABASE_UNAVAILABLE (breaker)', 'DATABASE_UNAVAILABLE (breaker)']);
    // The driver hands out connections later: they go back unused.
    inner.failWith = undefined;
    openGate();
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(0);
    expect(inner.executed).toEqual([]);
  });

  it('leaves a borrow that already holds a connection to finish on its own', async () => {
    const { inner, breaker, sut } = setup(1);
    let finish!: () => void;
    const holding = outcome(sut.withConnection(() => new Promise<void>((r) => (finish = r))));
    await new Promise((r) => setImmediate(r));
    inner.failWith = failing('NJS-503');
    await outcome(sut.withConnection(roundTrip));
    expect(breaker.state).toBe('open');
    finish();
    expect(await holding).toBe('served');
    // Its answer came on a session it already held: no trial, so the breaker stays open.
    expect(breaker.state).toBe('open');
  });

  it('closes when the single trial after the open duration is answered', async () => {
    const { inner, breaker, sut, advance } = setup(1);
    inner.failWith = failing('NJS-518');
    await outcome(sut.withConnection(roundTrip));
    inner.failWith = undefined;
    expect(await outcome(sut.withConnection(roundTrip))).toBe('DATABASE_UNAVAILABLE (breaker)');
    advance(5);
    expect(await outcome(sut.withConnection(roundTrip))).toBe('served');
    expect(breaker.state).toBe('closed');
  });

  it('offers its refusal to ask before admission control only while it would refuse a borrow', async () => {
    const { inner, sut, advance } = setup(1);
    expect(sut.refusal()).toBeUndefined();
    inner.failWith = failing('NJS-503');
    await outcome(sut.withConnection(roundTrip));
    expect(sut.refusal()).toMatchObject({ code: DbErrorCode.DATABASE_UNAVAILABLE, retryInSeconds: 5 });
    advance(5);
    expect(sut.refusal()).toBeUndefined();
  });

  it('never releases the trial when a failed probe reopens the breaker meanwhile: its answer still closes it', async () => {
    const { inner, breaker, sut, advance } = setup(1);
    inner.failWith = failing('NJS-503');
    await outcome(sut.withConnection(roundTrip));
    advance(5);
    inner.failWith = undefined;
    let connectionComes!: () => void;
    inner.gate = new Promise((r) => (connectionComes = r));
    const trial = outcome(sut.withConnection(roundTrip));
    expect(breaker.state).toBe('half-open');
    inner.gate = undefined;
    inner.failWith = failing('NJS-123');
    await outcome(sut.forProbe().withConnection(roundTrip));
    expect(breaker.state).toBe('open');
    inner.failWith = undefined;
    connectionComes();
    expect(await trial).toBe('served');
    expect(breaker.state).toBe('closed');
  });

  it('lets the background probe through while open, and closes on its success', async () => {
    const { inner, breaker, sut } = setup(1);
    inner.failWith = failing('NJS-503');
    await outcome(sut.withConnection(roundTrip));
    inner.failWith = undefined;
    expect(await outcome(sut.forProbe().withConnection(roundTrip))).toBe('served');
    expect(breaker.state).toBe('closed');
  });

  it('opens on one failed background probe', async () => {
    const { inner, breaker, sut } = setup(5);
    inner.failWith = failing('NJS-123');
    expect(await outcome(sut.forProbe().withConnection(roundTrip))).toBe('DATABASE_TIMEOUT');
    expect(breaker.state).toBe('open');
  });
});

describe('evidenceOf', () => {
  it('reads database-down codes as down, errors the database sent as answered, and the rest as nothing', () => {
    expect(evidenceOf(failing('NJS-123'))).toBe('down');
    expect(evidenceOf(failing('ORA-01034'))).toBe('down');
    expect(evidenceOf(failing('ORA-00942'))).toBe('answered');
    expect(evidenceOf(failing('NJS-040'))).toBe('none');
    expect(evidenceOf(new Error('bug'))).toBe('none');
  });
});
