/**
 * No figure in the documentation is copied by hand. A number is either
 * generated into its document (the benchmark page, the runbook's rule facts,
 * the chart README's tables: their generators must find nothing to change), or
 * it is listed below as a claim and checked against its source. Any other
 * measured-looking figure (a number with a unit) in hand-written prose fails.
 * Block quotes are exempt: they quote a report (the team's, in design.md), not a measurement of ours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLEET_DOC, renderFleetDoc } from '../../scripts/gen-fleet-doc.js';
import { PERF_DOC, renderPerfDoc, results } from '../../scripts/gen-perf-doc.js';
import { CONFIG_DIR_DEBOUNCE_MS, CONFIG_DIR_POLL_MS } from '../../src/config/watch-dir.js';
import { docFiles, handProse, read, ROOT } from './markdown.js';

// --- sources ------------------------------------------------------------------

/** The config defaults, as generated from the spec into values.yaml (config-drift.test.ts keeps them equal). */
const defaults = (parse(read('helm/orapool/values.yaml')) as { config: Record<string, number> }).config;
const values = parse(read('helm/orapool/values.yaml')) as { lifecycle: { preStopSleepSeconds: number; terminationMarginSeconds: number } };
const schema = JSON.parse(read('helm/orapool/values.schema.json')) as {
  properties: { config: { properties: Record<string, { minimum?: number; maximum?: number }> } };
};
const composeText = read('docker-compose.yml');
/** The app's stop_grace_period (the service extends an anchor, so read the text rather than one parsed key). */
const composeGraceSeconds = () => Number(/^\s*stop_grace_period:\s*(\d+)s\s*$/m.exec(composeText)![1]);
/** The Oracle service's memory need, as docker-compose.yml's header states it. */
const composeOracleGb = () => Number(/Oracle \(about (\d+) GB RAM/.exec(composeText)![1]);
const bench = results();

/** Every .ts file under src/, so a source-code constant is found wherever the src/ regroup puts it. */
function srcText(): string {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(ROOT, dir, e.name), 'utf8')] : [],
    );
  return walk('src').join('\n');
}
function shedRetryAfter(reason: string): number {
  const m = new RegExp(`reason: '${reason}',\\s*retryAfterSeconds: (\\d+)`).exec(srcText());
  if (!m) throw new Error(`no retryAfterSeconds for reason ${reason} under src/`);
  return Number(m[1]);
}
function overlay(env: string): { namespace: string; replicas: number; poolMax: number } {
  const k = parse(read(`k8s/overlays/${env}/kustomization.yaml`)) as {
    namespace: string;
    replicas: { count: number }[];
    configMapGenerator: { literals: string[] }[];
  };
  const literal = k.configMapGenerator.flatMap((g) => g.literals).find((l) => l.startsWith('DB_POOL_MAX='));
  return { namespace: k.namespace, replicas: k.replicas[0]!.count, poolMax: Number(literal!.split('=')[1]) };
}

// --- claims: hand-written figures and where they come from --------------------

interface Claim {
  file: string;
  /** Matches the figure in context; its capture groups are the numbers. Every match is checked. */
  pattern: RegExp;
  source: string;
  expected: () => (number | string)[];
}

const PER_WAITER_KB = 50; // design.md's one assumption about heap per waiting request; the MB figure is derived from it.
const q = defaults.DB_POOL_QUEUE_MAX!;
const shutdownGrace = () =>
  values.lifecycle.preStopSleepSeconds + defaults.SHUTDOWN_DELAY_SECONDS! + defaults.SHUTDOWN_DRAIN_SECONDS! + values.lifecycle.terminationMarginSeconds;

export const CLAIMS: Claim[] = [
  {
    file: 'README.md',
    pattern: /localhost:(\d+)/g,
    source: 'config default PORT',
    expected: () => [defaults.PORT!],
  },
  {
    file: 'README.md',
    pattern: /expected wait \((\d+) s for event loop, (\d+) s for heap\)/g,
    source: 'src/: the shed decisions\' retryAfterSeconds',
    expected: () => [shedRetryAfter('event_loop_delay'), shedRetryAfter('heap')],
  },
  {
    file: 'docs/design.md',
    pattern: /\(`Retry-After: (\d+)`\)[\s\S]*?\(`Retry-After: (\d+)`\)/g,
    source: 'src/: the shed decisions\' retryAfterSeconds',
    expected: () => [shedRetryAfter('event_loop_delay'), shedRetryAfter('heap')],
  },
  {
    file: 'docs/configuration.md',
    pattern: /timeouts of at least (\d+) ms/g,
    source: 'values.schema.json: minimum of DB_POOL_TIMEOUT',
    expected: () => [schema.properties.config.properties.DB_POOL_TIMEOUT!.minimum! * 1000],
  },
  {
    file: 'docs/design.md',
    pattern: /timeouts must be at least (\d+) ms/g,
    source: 'values.schema.json: minimum of DB_POOL_TIMEOUT',
    expected: () => [schema.properties.config.properties.DB_POOL_TIMEOUT!.minimum! * 1000],
  },
  {
    file: 'docs/design.md',
    pattern: /configurable pool \(min (\d+), max (\d+), (\d+) s queue timeout, (\d+) h session recycling\)/g,
    source: 'config defaults: the team\'s plan became the defaults',
    expected: () => [defaults.DB_POOL_MIN!, defaults.DB_POOL_MAX!, defaults.DB_POOL_TIMEOUT!, defaults.DB_POOL_RECYCLE! / 3600],
  },
  {
    file: 'docs/design.md',
    pattern: /about (\d+) KB of heap[\s\S]*?a queue of (\d+) costs about (\d+) MB/g,
    source: 'config default DB_POOL_QUEUE_MAX x the per-waiter estimate',
    expected: () => [PER_WAITER_KB, q, (q * PER_WAITER_KB) / 1000],
  },
  {
    file: 'docs/design.md',
    pattern: /default pool of\s+(\d+) and a (\d+) ms statement, (\d+) waiters drain in about ([\d.]+) s, so (\d+) concurrent users/g,
    source: 'config defaults and the benchmark\'s statement latency',
    expected: () => {
      const latency = bench.settings.statementLatencyMs;
      return [defaults.DB_POOL_MAX!, latency, q, (q * latency) / defaults.DB_POOL_MAX! / 1000, q];
    },
  },
  {
    file: 'docs/design.md',
    pattern: /The sum is capped at (\d+) s by the config/g,
    source: 'values.schema.json: maximum of SHUTDOWN_DELAY_SECONDS (MAX_SHUTDOWN_SECONDS)',
    expected: () => [schema.properties.config.properties.SHUTDOWN_DELAY_SECONDS!.maximum!],
  },
  {
    file: 'docs/design.md',
    pattern: /\((\d+) s with the defaults\), and compose sets `stop_grace_period: (\d+)s`/g,
    source: 'values.yaml lifecycle + config defaults; docker-compose.yml app.stop_grace_period',
    expected: () => [shutdownGrace(), composeGraceSeconds()],
  },
  {
    file: 'docs/deployment.md',
    pattern: /`docker stop -t (\d+)`; compose sets\s+`stop_grace_period: (\d+)s`/g,
    source: 'docker-compose.yml app.stop_grace_period',
    expected: () => [composeGraceSeconds(), composeGraceSeconds()],
  },
  {
    file: 'docs/deployment.md',
    pattern: /needs about (\d+) GB RAM[\s\S]*?without (\d+) GB to spare/g,
    source: "docker-compose.yml's note on the Oracle service",
    expected: () => [composeOracleGb(), composeOracleGb()],
  },
  {
    file: 'helm/orapool/README.md',
    pattern: /PROCESSES \((\d+) by default, as values-dev\.yaml notes\)/g,
    source: 'the comment in values-dev.yaml',
    expected: () => [Number(/PROCESSES defaults to (\d+)/.exec(read('helm/orapool/values-dev.yaml'))![1])],
  },
  {
    file: 'docs/operations.md',
    pattern: /min=(\d+) max=(\d+) increment=(\d+) queueTimeout=(\d+)s queueMax=(\d+) recycle=(\d+)s/g,
    source: 'config defaults (the preflight and pool_initialized examples)',
    expected: () => [defaults.DB_POOL_MIN!, defaults.DB_POOL_MAX!, defaults.DB_POOL_INCREMENT!, defaults.DB_POOL_TIMEOUT!, defaults.DB_POOL_QUEUE_MAX!, defaults.DB_POOL_RECYCLE!],
  },
  {
    file: 'docs/operations.md',
    pattern: /idleTimeout=(\d+)s pingInterval=(\d+)s/g,
    source: 'config defaults',
    expected: () => [defaults.DB_POOL_IDLE_TIMEOUT!, defaults.DB_POOL_PING_INTERVAL!],
  },
  {
    file: 'docs/operations.md',
    pattern: /debounced by (\d+) ms, plus a\s+content digest every (\d+) s/g,
    source: 'src/config/watch-dir.ts: CONFIG_DIR_DEBOUNCE_MS, CONFIG_DIR_POLL_MS',
    expected: () => [CONFIG_DIR_DEBOUNCE_MS, CONFIG_DIR_POLL_MS / 1000],
  },
  {
    file: 'docs/operations.md',
    pattern: /DB_POOL_MAX \((\d+)\)/g,
    source: 'config default DB_POOL_MAX',
    expected: () => [defaults.DB_POOL_MAX!],
  },
  ...['dev', 'staging', 'prod'].map(
    (env): Claim => ({
      file: 'docs/deployment.md',
      pattern: new RegExp(`^\\| ${env} \\| (\\S+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|$`, 'gm'),
      source: `k8s/overlays/${env}/kustomization.yaml (sessions = (replicas + 1 surge) x DB_POOL_MAX)`,
      expected: () => {
        const o = overlay(env);
        return [o.namespace, o.replicas, o.poolMax, (o.replicas + 1) * o.poolMax];
      },
    }),
  ),
];

/** A number with a unit: what a measurement or a setting looks like in prose. */
const FIGURE = /(?<![\w.-])\d[\d,]*(?:\.\d+)?(?:\s(?:ms|µs|s|h|min|minutes|seconds|KB|MB|GB|GiB|req\/s)|(?:ms|µs|%|\/s|KB|MB|GB|GiB))(?![\w/])/g;

describe('figures in the documentation', () => {
  it('docs/performance.md is exactly what npm run gen:perf-doc writes from bench/results/load-results.json', () => {
    const current = read(PERF_DOC);
    expect(current).toBe(renderPerfDoc(current));
  });

  it('docs/fleet.md is exactly what npm run gen:fleet-doc writes from bench/results/fleet-results.json', () => {
    const current = read(FLEET_DOC);
    expect(current).toBe(renderFleetDoc(current));
  });

  it.each(CLAIMS.map((c) => [`${c.file}: ${c.pattern.source.slice(0, 60)}`, c] as const))('%s matches its source', (_name, claim) => {
    const matches = [...read(claim.file).matchAll(claim.pattern)];
    expect(matches.length, `${claim.file} no longer says ${claim.pattern}; update the claim with the text`).toBeGreaterThan(0);
    for (const m of matches) {
      const found = m.slice(1).map((g) => (/^[\d.]+$/.test(g!) ? Number(g) : g));
      expect(found, `${claim.file} "${m[0]}" vs ${claim.source}`).toEqual(claim.expected());
    }
  });

  it.each(docFiles())('%s quotes no figure outside generated blocks, code and the claims above', (file) => {
    let text = read(file);
    for (const c of CLAIMS.filter((c) => c.file === file)) text = text.replace(c.pattern, '');
    const prose = handProse(text);
    const stray = [...prose.matchAll(FIGURE)].map((m) => {
      const at = m.index;
      return prose.slice(Math.max(0, at - 40), at + m[0].length + 10).replace(/\s+/g, ' ');
    });
    expect(stray).toEqual([]);
  });
});
