import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChartFleet, resolveIntOrPercent } from '../../bench/fleet/chart.js';
import { writeFleetChart } from '../../bench/fleet/charts.js';
import { createConfigVolume } from '../../bench/fleet/config-volume.js';
import { resizedPool } from '../../bench/fleet/live-phases.js';
import { classify } from '../../bench/fleet/load.js';
import { planFleet } from '../../bench/fleet/plan.js';
import { fleetConsoleReport, writeFleetResults } from '../../bench/fleet/report.js';
import { runFleetBenchmark } from '../../bench/fleet/run.js';
import { PHASES, ZERO_LOSS_PHASES, type FleetResults } from '../../bench/fleet/types.js';
import { serviceIsBuilt } from '../../bench/load/run.js';

/**
 * The fleet benchmark in miniature, so it cannot rot: the same code as
 * `npm run bench:fleet` (the staging values rendered by helm, real pods, one
 * simulator whose session limit is the budget, the balancer, every phase) with
 * second-long phases. It asserts behaviour: no request lost where none may be,
 * the database never above its budget, the pods Kubernetes would run; never
 * how fast anything is.
 */
describe('bench:fleet smoke run', () => {
  let outDir: string;
  let results: FleetResults;

  beforeAll(async () => {
    if (!serviceIsBuilt()) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    outDir = mkdtempSync(join(tmpdir(), 'orapool-fleet-'));
    results = await runFleetBenchmark({
      mode: 'smoke',
      valuesFiles: ['values-staging.yaml'],
      sessionDivisor: 4,
      timeFactor: 0.05,
      users: 8,
      statementLatencyMs: 20,
      steadySeconds: 1,
      freezeSeconds: 1.5,
      endpointLagMs: 100,
      reloadDebounceMs: 500,
      clientTimeoutMs: 30_000,
      phases: [...PHASES],
      log: () => {},
    });
    writeFleetResults(results, outDir);
    await writeFleetChart(results, outDir);
  }, 120_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs every phase with the figures the chart renders', () => {
    expect(results.phases.map((p) => p.name)).toEqual([...PHASES]);
    const chart = readChartFleet(['values-staging.yaml']);
    expect(results.plan.replicas).toBe(chart.replicas);
    expect(results.plan.poolMax).toBe(Math.ceil(Number(chart.config.DB_POOL_MAX) / 4));
    const byName = Object.fromEntries(results.phases.map((p) => [p.name, p]));
    expect(byName['rolling-update']!.podsAtEnd).toBe(results.plan.replicas);
    // Surge pods and old pods still draining ran beside the others.
    expect(byName['rolling-update']!.peakPods).toBeGreaterThan(results.plan.replicas);
    expect(byName['scale-out']!.podsAtEnd).toBe(results.plan.maxReplicas);
    expect(byName['node-drain']!.podsAtEnd).toBe(results.plan.maxReplicas);
  });

  it('keeps the database within its session budget in every phase, with sessions really open', () => {
    for (const p of results.phases) {
      expect(p.sessions.peak, p.name).toBeLessThanOrEqual(p.budget);
      expect(p.sessions.peak, p.name).toBeGreaterThan(0);
      expect(p.sessions.logonsRefused, p.name).toBe(0);
    }
  });

  it('loses no request in steady load, the rolling update, the scale-out, the node drain, the resize and DRCP', () => {
    for (const p of results.phases.filter((x) => ZERO_LOSS_PHASES.includes(x.name))) {
      expect(p.load.ok, p.name).toBeGreaterThan(0);
      expect(p.load.lostBy, p.name).toEqual({});
    }
    // Every target but the resize's time, which is a wall-clock figure: the full run judges it.
    expect(results.targets.filter((t) => t.met === false && t.id !== 'resize-time')).toEqual([]);
    const resize = results.phases.find((p) => p.name === 'live-resize')!.resize!;
    expect(resize.available).toBe(true);
    expect(resize.timeToEffectMs).not.toBeNull();
  });

  it('has no pod answer a frozen database with anything but a 2xx or a clean 503, and serves again after it', () => {
    const freeze = results.phases.find((p) => p.name === 'database-freeze')!;
    expect(freeze.freeze!.frozenSeconds).toBeGreaterThan(0);
    // The only loss allowed is the Service's own: no ready pod, when READINESS_DATABASE=required lets readiness follow the database.
    expect(Object.keys(freeze.load.lostBy).filter((cause) => !cause.includes('NO_ENDPOINTS'))).toEqual([]);
    expect(freeze.load.ok).toBeGreaterThan(0);
  });

  it('writes the JSON, the chart and a console report with every target', () => {
    const json = JSON.parse(readFileSync(join(outDir, 'fleet-results.json'), 'utf8')) as FleetResults;
    expect(json.schema).toBe('orapool-fleet-bench/1');
    expect(json.timeline.length).toBeGreaterThan(0);
    expect(existsSync(join(outDir, 'fleet-sessions.svg'))).toBe(true);
    expect(readFileSync(join(outDir, 'fleet-sessions.svg'), 'utf8')).toMatch(/^<svg /);
    const text = fleetConsoleReport(results);
    for (const t of results.targets) expect(text).toContain(t.target);
  });
});

describe('fleet bench parts', () => {
  it('counts only 2xx and a 503 with Retry-After and a JSON code as answered', () => {
    expect(classify(200, undefined, '{}').outcome).toBe('ok');
    expect(classify(503, '1', '{"error":{"code":"DATABASE_UNAVAILABLE"}}')).toEqual({ outcome: 'shed', detail: 'DATABASE_UNAVAILABLE' });
    expect(classify(503, undefined, '{"error":{"code":"NO_ENDPOINTS"}}').outcome).toBe('lost');
    expect(classify(503, '1', 'Service Unavailable').outcome).toBe('lost');
    expect(classify(502, undefined, '{"error":{"code":"BAD_GATEWAY"}}').outcome).toBe('lost');
  });

  it('resolves rollout percentages as the Deployment controller does', () => {
    expect(resolveIntOrPercent('25%', 5, true)).toBe(2);
    expect(resolveIntOrPercent('25%', 5, false)).toBe(1);
    expect(resolveIntOrPercent(1, 5, true)).toBe(1);
  });

  it('scales sessions so the chart guard stays at least as tight (pool rounded up, budget down)', () => {
    const chart = readChartFleet(['values-prod.yaml']);
    const plan = planFleet(chart, { environment: 'prod', sessionDivisor: 3, timeFactor: 0.5 });
    expect(plan.poolMax).toBe(Math.ceil(Number(chart.config.DB_POOL_MAX) / 3));
    expect(plan.budget).toBe(Math.floor(chart.budget! / 3));
    expect((plan.maxReplicas + plan.maxSurge) * plan.poolMax).toBeLessThanOrEqual(plan.budget);
    expect(plan.shutdownDelaySeconds).toBe(Number(chart.config.SHUTDOWN_DELAY_SECONDS) * 0.5);
    // The largest replicaCount the guard renders: one more fails it.
    expect(plan.maxReplicasSource).toBe('budget guard');
  });

  it('lowers DB_POOL_MIN with DB_POOL_MAX so the new pair validates', () => {
    expect(resizedPool(10, 10)).toEqual({ DB_POOL_MIN: '5', DB_POOL_MAX: '5' });
    expect(resizedPool(2, 10)).toEqual({ DB_POOL_MIN: '2', DB_POOL_MAX: '5' });
  });

  it('updates the ConfigMap volume by swapping ..data, as the kubelet does', () => {
    const volume = createConfigVolume({ DB_POOL_MAX: '10' });
    try {
      const first = readlinkSync(join(volume.dir, '..data'));
      expect(readlinkSync(join(volume.dir, 'DB_POOL_MAX'))).toBe(join('..data', 'DB_POOL_MAX'));
      volume.update({ DB_POOL_MAX: '5' });
      expect(readlinkSync(join(volume.dir, '..data'))).not.toBe(first);
      expect(readFileSync(join(volume.dir, 'DB_POOL_MAX'), 'utf8')).toBe('5');
      expect(existsSync(join(volume.dir, first))).toBe(false);
    } finally {
      volume.remove();
    }
  });
});
