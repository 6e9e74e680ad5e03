import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../src/config/files.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { crossFieldRules, rangeProblem } from '../../../src/config/rules.js';
import { describeVariables, type Range, type VariableDoc } from '../../../src/config/spec.js';

const required: Environment = { DB_USER: 'orapool', DB_PASSWORD: 'pw', DB_CONNECT_STRING: 'db:1521/FREEPDB1' };

function problemsOf(env: Environment): ConfigError {
  try {
    loadConfig({ ...required, ...env }, (path) => {
      throw new Error(`unexpected read of ${path}`);
    });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** Values just outside each declared bound of a variable: one failing input per bound. */
function outside(doc: VariableDoc, range: Range): Array<[string, number]> {
  // Integers step by 1; decimals by half the bound (or 0.5 at 0), so 0.001 becomes 0.0005: below 1 ms, rounding to 0.
  const step = (bound: number) => (doc.type === 'integer' ? 1 : bound === 0 ? 0.5 : Math.abs(bound) / 2);
  const rows: Array<[string, number]> = [];
  if (range.minimum !== undefined) rows.push([`below minimum ${range.minimum}`, range.minimum - step(range.minimum)]);
  if (range.exclusiveMinimum !== undefined) rows.push([`at exclusive minimum ${range.exclusiveMinimum}`, range.exclusiveMinimum]);
  if (range.maximum !== undefined) rows.push([`above maximum ${range.maximum}`, range.maximum + step(range.maximum)]);
  if (range.exclusiveMaximum !== undefined) rows.push([`at exclusive maximum ${range.exclusiveMaximum}`, range.exclusiveMaximum]);
  return rows;
}

/** Every variable's range from the spec itself: a new ranged variable gets its rows without anyone writing them. */
const rangeRows = describeVariables().flatMap((doc) =>
  doc.range ? outside(doc, doc.range).map(([what, value]): [string, string, string] => [doc.name, what, String(value)]) : [],
);

describe('every declared range rejects a value outside it', () => {
  it('derives rows for the documented rules', () => {
    const named = new Set(rangeRows.map(([name]) => name));
    // The rules the README documents; each must come from a declared range.
    for (const name of ['DB_POOL_MAX', 'DB_POOL_INCREMENT', 'DB_POOL_MIN', 'DB_PROBE_INTERVAL', 'DB_RETRY_MAX_DELAY', 'SHED_HEAP_RATIO', 'MEMORY_HIGH_WATERMARK', 'MEMORY_LOW_WATERMARK', 'DB_POOL_TIMEOUT', 'DB_POOL_QUEUE_MAX', 'DB_CALL_TIMEOUT']) {
      expect(named, name).toContain(name);
    }
  });

  it.each(rangeRows)('%s %s (%s) is refused, naming only that variable', (name, _what, value) => {
    const error = problemsOf({ [name]: value });
    expect(error.problems.map((p) => p.variable)).toEqual([name]);
    expect(error.message).toContain(name);
    expect(error.problems[0]?.rule).toContain(value);
  });
});

describe('rangeProblem', () => {
  it('accepts the inclusive bounds themselves and refuses the exclusive ones', () => {
    expect(rangeProblem(1, { minimum: 1 })).toBeUndefined();
    expect(rangeProblem(120, { maximum: 120 })).toBeUndefined();
    expect(rangeProblem(0, { exclusiveMinimum: 0 })).toMatch(/> 0/);
    expect(rangeProblem(1, { exclusiveMaximum: 1 })).toMatch(/< 1/);
  });

  it('refuses NaN against any bound', () => {
    expect(rangeProblem(Number.NaN, { minimum: 0 })).toBeDefined();
  });

  it('states the reason and the bad value', () => {
    expect(rangeProblem(0, { minimum: 1, why: ': 0 would hang' })).toBe('must be >= 1: 0 would hang (got 0)');
  });
});

describe('every rule between variables has a failing example', () => {
  // Keyed by rule id: a new rule without an example here fails the first test.
  const examples: Record<string, Environment> = {
    'pool-min-at-most-max': { DB_POOL_MIN: '10', DB_POOL_MAX: '4' },
    'low-watermark-below-high': { MEMORY_HIGH_WATERMARK: '0.7', MEMORY_LOW_WATERMARK: '0.7' },
    'shutdown-within-budget': { SHUTDOWN_DELAY_SECONDS: '60', SHUTDOWN_DRAIN_SECONDS: '61' },
  };

  it('has an example for every declared rule, and none for a rule that does not exist', () => {
    expect(Object.keys(examples).sort()).toEqual(crossFieldRules.map((r) => r.id).sort());
  });

  it.each(crossFieldRules.map((r) => [r.id, r.variable] as const))('%s is reported on %s', (id, variable) => {
    const error = problemsOf(examples[id] ?? {});
    expect(error.problems.map((p) => p.variable)).toEqual([variable]);
  });

  it('does not report a rule between variables when one of them is already out of range (one line per mistake)', () => {
    const error = problemsOf({ DB_POOL_MAX: '0', DB_POOL_MIN: '5' });
    expect(error.problems.map((p) => p.variable)).toEqual(['DB_POOL_MAX']);
  });
});
