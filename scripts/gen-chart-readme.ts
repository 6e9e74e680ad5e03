/**
 * Generates the tables of helm/orapool/README.md from the chart itself, so the
 * chart's documentation cannot drift from what it installs:
 *
 *   chart-values        every documented key of values.yaml: its default and the
 *                       `# --` comment above it (helm-docs style). Keys of the
 *                       `config:` block, which scripts/gen-config-docs.ts writes
 *                       from the config spec, use the plain comment it puts above each.
 *   chart-environments  per values-<env>.yaml: pods, surge, pool size and the
 *                       session budget the chart's guard computes.
 *   chart-drcp-example  the README's worked example: one Oracle Free, dedicated
 *                       (values-dev.yaml) against DRCP (ci/drcp-values.yaml).
 *
 *   npm run gen:chart-readme            rewrite
 *   npm run gen:chart-readme -- --check exit 1 on drift (test/docs/chart-readme.test.ts)
 */
import { parse } from 'yaml';
import { cell, readRepo, replaceBlock, runGenerator, stamp } from './doc-blocks.js';

export const CHART_README = 'helm/orapool/README.md';
export const VALUES = 'helm/orapool/values.yaml';
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

const CONFIG_START = '# --- config:start';
const CONFIG_END = '# --- config:end';

export interface ValueDoc {
  key: string;
  default: unknown;
  description: string;
}

type Tree = Record<string, unknown>;

function at(tree: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);
}

/**
 * The documented keys of values.yaml, in file order. A key is documented by a
 * comment block directly above it that starts with `# --` (continuation lines
 * are plain `#` lines), or, inside the generated config block, by any comment
 * directly above it. Children of a documented map are not listed separately.
 */
export function documentedValues(text: string = readRepo(VALUES)): ValueDoc[] {
  const tree = parse(text) as Tree;
  const docs: ValueDoc[] = [];
  const stack: { indent: number; key: string }[] = [];
  let comment: string[] = [];
  let inConfig = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(CONFIG_START)) inConfig = true;
    if (line.startsWith(CONFIG_END)) inConfig = false;
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      comment.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    const m = /^(\s*)([A-Za-z0-9_.-]+):(\s|$)/.exec(line);
    if (!m) {
      comment = [];
      continue;
    }
    const indent = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack.push({ indent, key: m[2]! });
    const path = stack.map((s) => s.key);
    const marker = comment.findIndex((c) => c.startsWith('-- ') || c === '--');
    let description: string | undefined;
    if (marker >= 0) description = comment.slice(marker).join(' ').replace(/^--\s*/, '');
    else if (inConfig && path[0] === 'config' && path.length === 2 && comment.length > 0) description = comment.join(' ');
    if (description !== undefined) docs.push({ key: path.join('.'), default: at(tree, path), description });
    comment = [];
  }
  return docs;
}

function valuesTable(): string {
  const rows = documentedValues().map(
    (d) => `| \`${d.key}\` | \`${cell(JSON.stringify(d.default) ?? 'null')}\` | ${cell(d.description)} |`,
  );
  return [
    stamp('scripts/gen-chart-readme.ts', 'values.yaml comments', 'npm run gen:chart-readme'),
    '',
    '| Key | Default | Description |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Tree = { ...(base as Tree) };
  for (const [k, v] of Object.entries(over as Tree)) out[k] = merge((base as Tree)[k], v);
  return out;
}

export interface EnvironmentFigures {
  env: string;
  pods: string;
  maxPods: number;
  surge: number;
  /** Pods that may still hold their sessions while they drain (the guard's `orapool.drainingPods`). */
  draining: number;
  poolMin: number;
  poolMax: number;
  /** Connections the pods may open at once: (pods + surge + draining) x DB_POOL_MAX. */
  connections: number;
  /** Database sessions at most: the connections when dedicated, the DRCP pool when pooled. */
  sessionsAtMost: number;
  maxSessions: number | null;
  serverType: 'dedicated' | 'pooled';
}

/** What the chart's budget guard computes for one environment (helm/orapool/templates/_helpers.tpl does the same). */
export function environmentFigures(env: string): EnvironmentFigures {
  return valuesFigures(env, `helm/orapool/values-${env}.yaml`);
}

/** The guard's figures for values.yaml overlaid with one values file of the chart. */
export function valuesFigures(env: string, file: string): EnvironmentFigures {
  const values = merge(parse(readRepo(VALUES)), parse(readRepo(file))) as Tree;
  const get = (path: string) => at(values, path.split('.'));
  const hpa = get('autoscaling.enabled') === true;
  const maxPods = Number(hpa ? get('autoscaling.maxReplicas') : get('replicaCount'));
  const rawSurge = get('rollout.maxSurge');
  const surge =
    typeof rawSurge === 'string' && rawSurge.endsWith('%') ? Math.ceil((maxPods * Number.parseFloat(rawSurge)) / 100) : Number(rawSurge);
  const rawUnavailable = get('rollout.maxUnavailable');
  const unavailable =
    typeof rawUnavailable === 'string' && rawUnavailable.endsWith('%') ? Math.floor((maxPods * Number.parseFloat(rawUnavailable)) / 100) : Number(rawUnavailable);
  const grace =
    (get('lifecycle.terminationGracePeriodSeconds') as number | null) ??
    Number(get('lifecycle.preStopSleepSeconds')) +
      Math.ceil(Number(get('config.SHUTDOWN_DELAY_SECONDS'))) +
      Math.ceil(Number(get('config.SHUTDOWN_DRAIN_SECONDS'))) +
      Number(get('lifecycle.terminationMarginSeconds'));
  const minReady = Number(get('minReadySeconds') ?? 0);
  let draining = minReady > 0 ? Math.min(maxPods, (surge + unavailable) * Math.ceil(grace / minReady)) : maxPods;
  if (hpa) draining = Math.max(draining, maxPods - Number(get('autoscaling.minReplicas')));
  const poolMax = Number(get('config.DB_POOL_MAX'));
  const connections = (maxPods + surge + draining) * poolMax;
  const pooled = get('config.DB_SERVER_TYPE') === 'pooled';
  return {
    env,
    pods: hpa ? `HPA ${String(get('autoscaling.minReplicas'))}–${maxPods}` : String(maxPods),
    maxPods,
    surge,
    draining,
    poolMin: Number(get('config.DB_POOL_MIN')),
    poolMax,
    connections,
    // With DRCP the database holds its pooled servers, however many pods connect (orapool.drcpBudget).
    sessionsAtMost: pooled ? Number(get('database.drcp.maxPooledServers')) : connections,
    maxSessions: (get('database.maxSessions') as number | null) ?? null,
    serverType: pooled ? 'pooled' : 'dedicated',
  };
}

function environmentsTable(): string {
  const rows = ENVIRONMENTS.map(environmentFigures).map(
    (f) =>
      `| ${f.env} | \`values-${f.env}.yaml\` | ${f.pods} (+${f.surge} surge, +${f.draining} draining) | ${f.poolMin} | ${f.poolMax} | ${f.sessionsAtMost} | ${f.maxSessions ?? 'off'} |`,
  );
  return [
    stamp('scripts/gen-chart-readme.ts', 'values.yaml and values-<env>.yaml', 'npm run gen:chart-readme'),
    '',
    '| Environment | Values file | Pods | `DB_POOL_MIN` | `DB_POOL_MAX` | Sessions at most | `database.maxSessions` |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The values files of the worked example: one Oracle Free, dedicated sessions against DRCP. */
export const DRCP_EXAMPLE = { dedicated: 'helm/orapool/values-dev.yaml', pooled: 'helm/orapool/ci/drcp-values.yaml' } as const;

/** Oracle Free's PROCESSES, as values-dev.yaml states it. */
export function oracleFreeProcesses(): number {
  return Number(/PROCESSES defaults to (\d+)/.exec(readRepo(DRCP_EXAMPLE.dedicated))![1]);
}

function drcpExampleTable(): string {
  const d = valuesFigures('dedicated', DRCP_EXAMPLE.dedicated);
  const p = valuesFigures('pooled', DRCP_EXAMPLE.pooled);
  const row = (what: string, a: string | number, b: string | number) => `| ${what} | ${a} | ${b} |`;
  return [
    stamp('scripts/gen-chart-readme.ts', `${DRCP_EXAMPLE.dedicated} and ${DRCP_EXAMPLE.pooled}`, 'npm run gen:chart-readme'),
    '',
    `| One Oracle Free (PROCESSES ${oracleFreeProcesses()}) | Dedicated: \`values-dev.yaml\` | DRCP: \`ci/drcp-values.yaml\` |`,
    '| --- | --- | --- |',
    row('Pods (running + surge + draining)', `${d.maxPods} + ${d.surge} + ${d.draining}`, `${p.maxPods} + ${p.surge} + ${p.draining}`),
    row('`DB_POOL_MAX` per pod', d.poolMax, p.poolMax),
    row('Connections the pods open at most', d.connections, p.connections),
    row('Database sessions at most (what the guard checks)', `${d.sessionsAtMost} (the connections)`, `${p.sessionsAtMost} (\`database.drcp.maxPooledServers\`)`),
    row('`database.maxSessions`', d.maxSessions ?? 'off', p.maxSessions ?? 'off'),
  ].join('\n');
}

export function renderChartReadme(current: string = readRepo(CHART_README)): string {
  let text = replaceBlock(current, 'chart-environments', environmentsTable(), CHART_README);
  text = replaceBlock(text, 'chart-drcp-example', drcpExampleTable(), CHART_README);
  text = replaceBlock(text, 'chart-values', valuesTable(), CHART_README);
  return text;
}

export const renderAll = () => new Map([[CHART_README, renderChartReadme()]]);

if (import.meta.url === `file://${process.argv[1]}`) runGenerator(renderAll, 'npm run gen:chart-readme');
