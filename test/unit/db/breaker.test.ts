import { describe, expect, it } from 'vitest';
import { Breaker, type BreakerState } from '../../../src/db/breaker.js';
import { memoryLogger } from '../support/memory-logger.js';

/** A breaker on a clock the test moves by hand, recording every transition. */
function breaker(failureThreshold = 3, openSeconds = 5) {
  let now = 1000;
  const transitions: BreakerState[] = [];
  const log = memoryLogger();
  const sut = new Breaker({ failureThreshold, openSeconds, logger: log.logger, now: () => now, onTransition: (to) => transitions.push(to) });
  return {
    sut,
    transitions,
    log,
    advance: (seconds: number) => {
      now += seconds;
    },
    /** `n` requests admitted and failed with database-down evidence. */
    fail: (n: number) => {
      for (let i = 0; i < n; i++) sut.record('down', sut.admit() === 'trial');
    },
  };
}

describe('Breaker', () => {
  it('opens after the threshold of consecutive database-down failures, and refuses every request at once', async () => {
    const { sut, transitions, fail, log } = breaker(3);
    fail(2);
    expect(sut.state).toBe('closed');
    expect(sut.admit()).toBe('pass');
    fail(1);
    expect(sut.state).toBe('open');
    expect(transitions).toEqual(['open']);
    expect([sut.admit(), sut.admit()]).toEqual(['refuse', 'refuse']);
    await log.flush();
    expect(log.events('breaker_opened')).toMatchObject([{ by: 'requests', failures: 3, level: 'warn' }]);
  });

  it('counts consecutive failures only: an answer from the database in between starts the count again', () => {
    const { sut, fail } = breaker(3);
    fail(2);
    sut.record('answered', false);
    fail(2);
    expect(sut.state).toBe('closed');
  });

  it('never opens on outcomes that say nothing about the database (a busy pool, a bug)', () => {
    const { sut } = breaker(1);
    for (let i = 0; i < 100; i++) sut.record('none', false);
    expect(sut.state).toBe('closed');
  });

  it('gives Retry-After as the seconds left until the trial, at least 1', () => {
    const { sut, fail, advance } = breaker(1, 5);
    fail(1);
    expect(sut.retryAfterSeconds()).toBe(5);
    advance(3.2);
    expect(sut.retryAfterSeconds()).toBe(2);
    advance(1.7);
    expect(sut.retryAfterSeconds()).toBe(1);
  });

  it('lets exactly one trial through after the open duration, and closes when the database answers it', async () => {
    const { sut, fail, advance, transitions, log } = breaker(1, 5);
    fail(1);
    advance(4.9);
    expect(sut.admit()).toBe('refuse');
    advance(0.1);
    expect(sut.admit()).toBe('trial');
    expect(sut.state).toBe('half-open');
    expect(sut.admit()).toBe('refuse');
    sut.record('answered', true);
    expect(sut.state).toBe('closed');
    expect(sut.admit()).toBe('pass');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
    await log.flush();
    expect(log.events('breaker_closed')).toMatchObject([{ by: 'trial', openForSeconds: 5, level: 'info' }]);
  });

  it('opens again for a whole open duration when the trial finds the database still down, with one breaker_opened line per outage', async () => {
    const { sut, fail, advance, transitions, log } = breaker(1, 5);
    fail(1);
    advance(5);
    expect(sut.admit()).toBe('trial');
    advance(2);
    sut.record('down', true);
    expect(sut.state).toBe('open');
    advance(4.9);
    expect(sut.admit()).toBe('refuse');
    advance(0.1);
    expect(sut.admit()).toBe('trial');
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open']);
    await log.flush();
    expect(log.events('breaker_opened')).toHaveLength(1);
  });

  it('says whether it would refuse without claiming the trial', () => {
    const { sut, fail, advance } = breaker(1, 5);
    expect(sut.refusing()).toBe(false);
    fail(1);
    expect(sut.refusing()).toBe(true);
    advance(5);
    expect([sut.refusing(), sut.refusing()]).toEqual([false, false]);
    expect(sut.state).toBe('open');
    expect(sut.admit()).toBe('trial');
    expect(sut.refusing()).toBe(true);
  });

  it('allows another trial at once when the trial said nothing about the database', () => {
    const { sut, fail, advance } = breaker(1, 5);
    fail(1);
    advance(5);
    expect(sut.admit()).toBe('trial');
    sut.record('none', true);
    expect(sut.state).toBe('half-open');
    expect(sut.admit()).toBe('trial');
  });

  it('a late failure of a request admitted before the opening neither reopens nor extends it', () => {
    const { sut, fail, advance } = breaker(1, 5);
    fail(1);
    advance(3);
    sut.record('down', false);
    advance(2);
    expect(sut.admit()).toBe('trial');
  });

  it('opens on one failed background probe and closes on one that succeeds, without waiting for a trial', async () => {
    const { sut, transitions, log } = breaker(5, 60);
    sut.recordProbe('down');
    expect(sut.state).toBe('open');
    sut.recordProbe('none');
    expect(sut.state).toBe('open');
    sut.recordProbe('answered');
    expect(sut.state).toBe('closed');
    expect(transitions).toEqual(['open', 'closed']);
    await log.flush();
    expect(log.events('breaker_opened')).toMatchObject([{ by: 'probe' }]);
    expect(log.events('breaker_closed')).toMatchObject([{ by: 'probe' }]);
  });

  it('calls the listeners waiting for the next opening once, and not after they unsubscribed', () => {
    const { sut, fail } = breaker(1);
    const calls: string[] = [];
    sut.onNextOpen(() => calls.push('waiting'));
    const unsubscribe = sut.onNextOpen(() => calls.push('served'));
    unsubscribe();
    fail(1);
    expect(calls).toEqual(['waiting']);
    sut.recordProbe('answered');
    fail(1);
    expect(calls).toEqual(['waiting']);
  });
});
