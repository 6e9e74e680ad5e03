import { describeVariables, MAX_SHUTDOWN_SECONDS, type Range, type VariableName } from './spec.js';

export interface ConfigProblem {
  variable: string;
  rule: string;
}

/** The first bound `value` breaks, as a rule for the operator; undefined when it keeps them all. */
export function rangeProblem(value: number, range: Range): string | undefined {
  const why = range.why ?? '';
  let broken: string | undefined;
  // Written as !(ok) so NaN breaks every bound.
  if (range.minimum !== undefined && !(value >= range.minimum)) broken = `must be >= ${range.minimum}${why}`;
  else if (range.exclusiveMinimum !== undefined && !(value > range.exclusiveMinimum)) broken = `must be > ${range.exclusiveMinimum}${why}`;
  else if (range.maximum !== undefined && !(value <= range.maximum)) broken = `must be <= ${range.maximum}${why}`;
  else if (range.exclusiveMaximum !== undefined && !(value < range.exclusiveMaximum)) broken = `must be < ${range.exclusiveMaximum}${why}`;
  if (broken === undefined) return undefined;
  return `${range.rule ?? broken} (got ${value})`;
}

/** Every spec range, checked over the values that parsed (`skip` names those that did not). */
export function rangeProblems(values: Record<string, unknown>, skip: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const doc of describeVariables()) {
    if (!doc.range || skip.has(doc.name)) continue;
    const rule = rangeProblem(values[doc.name] as number, doc.range);
    if (rule !== undefined) problems.push({ variable: doc.name, rule });
  }
  return problems;
}

/** A rule between variables: which one it is reported on, which it reads, and when it is broken. */
export interface CrossFieldRule {
  id: string;
  variable: VariableName;
  reads: readonly VariableName[];
  broken(n: (name: VariableName) => number): boolean;
  rule(n: (name: VariableName) => number): string;
}

export const crossFieldRules: readonly CrossFieldRule[] = [
  {
    id: 'pool-min-at-most-max',
    variable: 'DB_POOL_MIN',
    reads: ['DB_POOL_MIN', 'DB_POOL_MAX'],
    broken: (n) => n('DB_POOL_MIN') > n('DB_POOL_MAX'),
    rule: (n) => `must be <= DB_POOL_MAX (got DB_POOL_MIN=${n('DB_POOL_MIN')}, DB_POOL_MAX=${n('DB_POOL_MAX')})`,
  },
  {
    id: 'low-watermark-below-high',
    variable: 'MEMORY_LOW_WATERMARK',
    reads: ['MEMORY_HIGH_WATERMARK', 'MEMORY_LOW_WATERMARK'],
    // A high watermark of 0 turns the memory watch off, and with it the low one.
    broken: (n) => n('MEMORY_HIGH_WATERMARK') > 0 && n('MEMORY_LOW_WATERMARK') >= n('MEMORY_HIGH_WATERMARK'),
    rule: () => 'must be below MEMORY_HIGH_WATERMARK so readiness can recover',
  },
  {
    id: 'shutdown-within-budget',
    variable: 'SHUTDOWN_DRAIN_SECONDS',
    reads: ['SHUTDOWN_DELAY_SECONDS', 'SHUTDOWN_DRAIN_SECONDS'],
    broken: (n) => n('SHUTDOWN_DELAY_SECONDS') + n('SHUTDOWN_DRAIN_SECONDS') > MAX_SHUTDOWN_SECONDS,
    rule: () => `SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS must be <= ${MAX_SHUTDOWN_SECONDS}`,
  },
];

/**
 * The rules between variables, over values that parsed and kept their ranges
 * (`skip` names the others): one line per variable, never a second one about
 * the same mistake.
 */
export function crossFieldProblems(values: Record<string, unknown>, skip: ReadonlySet<string>): ConfigProblem[] {
  const n = (name: VariableName) => values[name] as number;
  const problems: ConfigProblem[] = [];
  for (const rule of crossFieldRules) {
    if (rule.reads.some((name) => skip.has(name)) || !rule.broken(n)) continue;
    problems.push({ variable: rule.variable, rule: rule.rule(n) });
  }
  return problems;
}
