import { describe, expect, it } from 'vitest';
import { healthyBody, uptimeSeconds, type HealthFigures } from '../../../../src/http/routes/health-body.js';

/** The contract, as an object: the round-trip in milliseconds to the microsecond, the uptime in seconds to the tenth. */
const roundTripMs = (seconds: number) => Math.round(seconds * 1e6) / 1e3;
function healthyAnswer(serverMode: Parameters<typeof healthyBody>[0], version: string, f: HealthFigures) {
  return {
    status: 'ok',
    database: { reachable: true, roundTripMs: roundTripMs(f.roundTripSeconds), ...serverMode },
    pool: f.pool,
    version,
    uptimeSeconds: Math.round(f.uptimeMs / 100) / 10,
  };
}

const pool = { open: 40, inUse: 12, idle: 28, waiting: 3, min: 5, max: 40, queueMax: 1000, queueTimeoutSeconds: 30 };
type Mode = Parameters<typeof healthyBody>[0];
const cases: Array<[string, Mode, string, HealthFigures]> = [
  ['dedicated', { serverType: 'dedicated' }, '0.1.0', { roundTripSeconds: 0.001729, pool, uptimeMs: 12_345 }],
  ['DRCP with every field', { serverType: 'pooled', connectionClass: 'ORAPOOL', purity: 'self', poolBoundary: 'statement' }, '2.0.0-rc.1', { roundTripSeconds: 0, pool, uptimeMs: 0 }],
  ['DRCP without a class', { serverType: 'pooled', connectionClass: undefined, purity: 'default' }, '1.0.0', { roundTripSeconds: 1e-7, pool: { ...pool, queueTimeoutSeconds: 0.25 }, uptimeMs: 86_400_000 * 400 }],
  ['strings JSON must escape', { serverType: 'dedicated', connectionClass: 'a"b\\c\u2028' } as Mode, 'v"1\n', { roundTripSeconds: -0, pool, uptimeMs: 50 }],
  ['a clock that stepped back', { serverType: 'dedicated' }, '0.1.0', { roundTripSeconds: 0.5, pool, uptimeMs: -1_234 }],
  ['numbers JSON writes as null', { serverType: 'dedicated' }, '0.1.0', { roundTripSeconds: Number.NaN, pool: { ...pool, waiting: Number.POSITIVE_INFINITY }, uptimeMs: 1e30 }],
  ['whole milliseconds and seconds', { serverType: 'dedicated' }, '0.1.0', { roundTripSeconds: 0.05, pool, uptimeMs: 3_000 }],
];

describe('healthyBody', () => {
  it.each(cases)('writes exactly what JSON.stringify writes for the answer object (%s)', (_name, mode, version, figures) => {
    expect(healthyBody(mode, version)(figures)).toBe(JSON.stringify(healthyAnswer(mode, version, figures)));
  });

  it('agrees with JSON.stringify for 20,000 random round-trips and uptimes', () => {
    const body = healthyBody({ serverType: 'dedicated' }, '0.1.0');
    // A fixed LCG: the same numbers every run, spread over many magnitudes.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const figures = { roundTripSeconds: random() * 10 ** (random() * 8 - 6), pool, uptimeMs: Math.floor(random() * 10 ** (random() * 12)) };
      const text = body(figures);
      if (text !== JSON.stringify(healthyAnswer({ serverType: 'dedicated' }, '0.1.0', figures))) expect.fail(`differs for ${JSON.stringify(figures)}: ${text}`);
    }
  });

  it('answers the database facts, the pool, the version and the uptime, in that order', () => {
    const answer = JSON.parse(healthyBody({ serverType: 'dedicated' }, '0.1.0')({ roundTripSeconds: 0.0025, pool, uptimeMs: 7_049 })) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual(['status', 'database', 'pool', 'version', 'uptimeSeconds']);
    expect(answer).toEqual({ status: 'ok', database: { reachable: true, roundTripMs: 2.5, serverType: 'dedicated' }, pool, version: '0.1.0', uptimeSeconds: 7 });
  });

  it('leaves out fields of the pool figures that the answer does not carry', () => {
    const answer = JSON.parse(healthyBody({ serverType: 'dedicated' }, '0.1.0')({ roundTripSeconds: 0.001, pool: { ...pool, increment: 1 } as never, uptimeMs: 1 })) as { pool: object };
    expect(answer.pool).not.toHaveProperty('increment');
  });
});

describe('the answer’s rounding', () => {
  it('gives the round-trip in milliseconds to the microsecond and the uptime in seconds to the tenth', () => {
    const body = healthyBody({ serverType: 'dedicated' }, '0.1.0');
    const roundTrip = (seconds: number) => (JSON.parse(body({ roundTripSeconds: seconds, pool, uptimeMs: 0 })) as { database: { roundTripMs: number } }).database.roundTripMs;
    expect(roundTrip(0.0012344)).toBe(1.234);
    expect(roundTrip(0.0012346)).toBe(1.235);
    expect(uptimeSeconds(12_349)).toBe(12.3);
    expect(uptimeSeconds(12_351)).toBe(12.4);
  });
});
