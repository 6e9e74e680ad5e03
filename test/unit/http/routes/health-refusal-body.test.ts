import { describe, expect, it } from 'vitest';
import { breakerOpenError } from '../../../../src/db/breaker-database.js';
import type { ServerModeReport } from '../../../../src/db/connect-data.js';
import { poolClosedError, queueFullError, queueTimeoutError } from '../../../../src/db/queue-errors.js';
import type { PoolFigures } from '../../../../src/db/types.js';
import { Readiness } from '../../../../src/health/readiness.js';
import { errorBody } from '../../../../src/http/error-handler.js';
import { AppError, ErrorCode, toAppError } from '../../../../src/http/errors.js';
import { healthRefusalBody } from '../../../../src/http/routes/health-refusal-body.js';
import { healthRefusalDetails } from '../../../../src/http/routes/health.js';

// The door writes the refusal's text by hand; Koa's path renders the same
// refusal as an object (healthRefusalDetails beside errorBody) and
// stringifies it. The two must be the same text, byte for byte.

const figures: PoolFigures = { open: 10, inUse: 10, idle: 0, waiting: 50, min: 10, max: 10, increment: 1, queueMax: 50, queueTimeoutSeconds: 30 };

function setup(serverMode: ServerModeReport = { serverType: 'dedicated' }, version = '0.1.0') {
  let pool = { ...figures };
  const db = { figures: () => ({ ...pool }) };
  const readiness = new Readiness({ poolCreated: () => true, maxSuccessAgeSeconds: 60 });
  const deps = { db, readiness, version, startedAtMs: 1_700_000_000_000, serverMode };
  const text = healthRefusalBody(deps);
  const object = healthRefusalDetails({ ...deps, db: db as never });
  /** Both renderings of one refusal; the uptime is read from the clock by both, so the clock is held still. */
  const both = (thrown: Error, requestId = '0b7c8a4e-5d1f-4e8a-9c3b-2a6d7e8f9a01', uptimeMs = 12_345) => {
    const error = toAppError(thrown, () => 4);
    const now = Date.now;
    const at = deps.startedAtMs + uptimeMs;
    Date.now = () => at;
    try {
      const hand = text(error, thrown, requestId);
      error.details = object(error, thrown);
      return { hand, reference: JSON.stringify(errorBody(error, requestId)) };
    } finally {
      Date.now = now;
    }
  };
  return { both, readiness, setPool: (p: PoolFigures) => void (pool = p) };
}

const refusals: Array<[string, () => Error]> = [
  ['a full queue', () => queueFullError(50)],
  ['a queue timeout', () => queueTimeoutError(30_000)],
  ['an open circuit breaker', () => breakerOpenError(4)],
  ['a pool closed for shutdown', () => poolClosedError()],
  ['admission control shedding', () => AppError.fast(ErrorCode.OVERLOADED, 503, 'shed: expected wait 31 s exceeds what the queue timeout leaves', 2)],
  // The same code as a full pool queue, but not the pool's own error: the database's reachability is not known to be fine.
  ['a full-queue code not from the pool', () => new AppError(ErrorCode.POOL_QUEUE_FULL, 503, 'queue full upstream', 1)],
  // A 4xx exposes its own message, so two of one code must not share a text.
  ['a 4xx with one message', () => new AppError(ErrorCode.NOT_FOUND, 404, 'no pool "a"')],
  ['a 4xx with another message', () => new AppError(ErrorCode.NOT_FOUND, 404, 'no pool "b"')],
];

describe('healthRefusalBody', () => {
  it.each(refusals)('writes exactly what Koa writes for %s', (_name, refusal) => {
    const { both } = setup();
    const { hand, reference } = both(refusal());
    expect(hand).toBe(reference);
  });

  it('stays equal when refusals of different kinds alternate (each kind keeps its own reason and reachability)', () => {
    const { both } = setup();
    for (let round = 0; round < 3; round++) {
      for (const [, refusal] of refusals) {
        const { hand, reference } = both(refusal());
        expect(hand).toBe(reference);
      }
    }
  });

  it('says what readiness knows of an outage as it changes, not what it knew the first time', () => {
    const { both, readiness } = setup();
    const first = both(breakerOpenError(4));
    expect(first.hand).toBe(first.reference);
    readiness.recordFailure('ORA-12541 "listener" \\ down');
    const second = both(breakerOpenError(4));
    expect(second.hand).toBe(second.reference);
    expect(JSON.parse(second.hand).reason).toContain('ORA-12541 "listener" \\ down');
  });

  it.each<[string, ServerModeReport, string]>([
    ['DRCP with every field', { serverType: 'pooled', connectionClass: 'ORAPOOL', purity: 'self', poolBoundary: 'statement' }, '2.0.0-rc.1'],
    ['DRCP without a class', { serverType: 'pooled', connectionClass: undefined, purity: 'default' }, '1.0.0'],
    ['strings JSON must escape', { serverType: 'dedicated', connectionClass: 'a"b\\c\u2028' } as ServerModeReport, 'v"1\n'],
  ])('writes the server mode and version as JSON does (%s)', (_name, mode, version) => {
    const { both } = setup(mode, version);
    for (const [, refusal] of refusals) {
      const { hand, reference } = both(refusal(), 'trace:42.a-b_c');
      expect(hand).toBe(reference);
    }
  });

  it('agrees with Koa for 5,000 random pool figures and uptimes', () => {
    const { both, setPool } = setup();
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const int = () => Math.floor(random() * 10 ** Math.floor(random() * 7));
    for (let i = 0; i < 5_000; i++) {
      setPool({ open: int(), inUse: int(), idle: int(), waiting: int(), min: int(), max: int(), increment: 1, queueMax: int(), queueTimeoutSeconds: random() < 0.5 ? int() : random() * 100 });
      const [, refusal] = refusals[i % refusals.length]!;
      const { hand, reference } = both(refusal(), undefined, Math.floor(random() * 10 ** (random() * 11)));
      if (hand !== reference) expect.fail(`differs at ${i}:\n${hand}\n${reference}`);
    }
  });
});
