// The fleet benchmark: N real `node dist/main.js` pods against one simulator
// whose session limit is the budget, behind the readiness-aware balancer,
// under steady load, while the phases replay what Kubernetes does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { projectRoot } from '../../test/support/processes.js';
import { describeMachine, loadAverage } from '../load/machine.js';
import { queueingBound } from '../load/scenarios.js';
import { startBalancer } from './balancer.js';
import { readChartFleet } from './chart.js';
import { createConfigVolume } from './config-volume.js';
import { drainNode, rollingUpdate, scaleTo, type Cluster } from './kubernetes.js';
import { freezeAndRecover, liveResize } from './live-phases.js';
import { startLoad, type LoadGenerator, type RequestRecord } from './load.js';
import { measureLoad } from './measure.js';
import { planFleet } from './plan.js';
import { PodManager } from './pods.js';
import { SessionSampler } from './sampler.js';
import { judgeFleet } from './targets.js';
import { PHASES, type FleetResults, type PhaseName, type PhaseResult } from './types.js';

export interface FleetBenchOptions {
  mode: string;
  /** Values files under helm/orapool, rendered in order (the environment). */
  valuesFiles: string[];
  sessionDivisor: number;
  timeFactor: number;
  users: number;
  statementLatencyMs: number;
  steadySeconds: number;
  /** How long the database stays frozen; null: twice the rendered DB_CALL_TIMEOUT, so calls time out and a breaker has time to open and show. */
  freezeSeconds: number | null;
  /** Pod deletion to endpoint removal (endpoints controller + kube-proxy). */
  endpointLagMs: number;
  /** The live reload watcher's debounce when neither the rendered config nor the built service states it. */
  reloadDebounceMs: number;
  clientTimeoutMs: number;
  phases: PhaseName[];
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const titles: Record<PhaseName, string> = {
  steady: 'Steady load',
  'rolling-update': 'Rolling update',
  'scale-out': 'Scale-out to max replicas',
  'node-drain': 'Node drain within the PDB',
  'live-resize': 'Live DB_POOL_MAX change (CONFIG_DIR)',
  'database-freeze': 'Database freeze and recovery',
  drcp: 'DRCP (pooled servers)',
};

/**
 * The live reload watcher's debounce: a setting in the rendered config, else
 * the built service's CONFIG_DIR_DEBOUNCE_MS (dist/config/watch-dir.js), else
 * the option (a build without live reload).
 */
async function watcherDebounce(config: Record<string, string>, fallbackMs: number): Promise<{ ms: number; source: string }> {
  const key = Object.keys(config).find((k) => /^CONFIG.*DEBOUNCE/.test(k));
  if (key) return { ms: /_MS$/.test(key) ? Number(config[key]) : Number(config[key]) * 1000, source: `${key} in the rendered ConfigMap` };
  const built = join(projectRoot, 'dist/config/watch-dir.js');
  if (existsSync(built)) {
    const value = ((await import(pathToFileURL(built).href)) as { CONFIG_DIR_DEBOUNCE_MS?: unknown }).CONFIG_DIR_DEBOUNCE_MS;
    if (typeof value === 'number') return { ms: value, source: 'CONFIG_DIR_DEBOUNCE_MS of the built service' };
  }
  return { ms: fallbackMs, source: 'assumed (the built service states no debounce)' };
}

export async function runFleetBenchmark(o: FleetBenchOptions): Promise<FleetResults> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const machine = describeMachine();
  const chart = readChartFleet(o.valuesFiles);
  const plan = planFleet(chart, { environment: o.valuesFiles.join(' + '), sessionDivisor: o.sessionDivisor, timeFactor: o.timeFactor });
  o.log(`${plan.environment}: ${plan.replicas} pods (max ${plan.maxReplicas}), DB_POOL_MAX ${plan.poolMax}, budget ${plan.budget} sessions`);
  const simArgs = ['--latency-ms', String(o.statementLatencyMs), '--max-sessions', String(plan.budget)];
  let sim: SimulatorProcess = await startSimulatorProcess(simArgs);
  const liveKeys = { DB_POOL_MIN: plan.podConfig.DB_POOL_MIN!, DB_POOL_MAX: plan.podConfig.DB_POOL_MAX! };
  const volume = createConfigVolume(liveKeys);
  let drcpEnv: Record<string, string> = {};
  const { PORT: _port, HOST: _host, ...podConfig } = plan.podConfig;
  const pods = new PodManager({
    env: () => ({ ...podConfig, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', DB_USER: 'orapool', DB_PASSWORD: 'orapool-sim', DB_CONNECT_STRING: sim.connectString, CONFIG_DIR: volume.dir, ...drcpEnv }),
    readinessPeriodMs: plan.readinessPeriodSeconds * 1000,
    failureThreshold: plan.readinessFailureThreshold,
    successThreshold: plan.readinessSuccessThreshold,
    endpointLagMs: o.endpointLagMs,
    gracePeriodMs: plan.terminationGracePeriodSeconds * 1000,
  });
  const cluster: Cluster = { plan, pods, revision: 1, desired: plan.replicas, log: o.log };
  const balancer = await startBalancer(() => pods.endpoints().map((p) => ({ port: p.service.port })));
  const sampler = new SessionSampler(sim, started, 100);
  const records: RequestRecord[] = [];
  let load: LoadGenerator | undefined;
  const startLoadNow = () => (load = startLoad(balancer.url, { users: o.users, timeoutMs: o.clientTimeoutMs, maxBackoffMs: 1000 }));
  const stopLoad = async () => {
    if (!load) return;
    await load.stop();
    records.push(...load.records);
    load = undefined;
  };
  const allRecords = () => (load ? [...records, ...load.records] : records);
  const phases: PhaseResult[] = [];
  let poolMax = plan.poolMax;
  let poolMin = plan.poolMin;
  let steadyThroughput = 0;
  const freezeSeconds = o.freezeSeconds ?? 2 * Number(plan.podConfig.DB_CALL_TIMEOUT);

  const phase = async (name: PhaseName, action: (result: PhaseResult) => Promise<void>) => {
    if (!o.phases.includes(name)) return;
    o.log(`phase ${name} ...`);
    await sampler.beginPhase();
    const from = Date.now();
    const podsAtStart = pods.running().length;
    const users = o.users;
    const result = { name, title: titles[name], startSecond: (from - started) / 1000, podsAtStart, notes: [] as string[] } as PhaseResult;
    let peakPods = 0;
    const watch = setInterval(() => (peakPods = Math.max(peakPods, pods.running().length + pods.draining().length)), 50);
    try {
      await action(result);
      await pods.settle();
    } finally {
      clearInterval(watch);
    }
    const to = Date.now();
    result.seconds = Number(((to - from) / 1000).toFixed(2));
    result.podsAtEnd = pods.running().length;
    const killed = pods.pods.filter((p) => p.killed && p.deletedAt !== null && p.deletedAt >= from).length;
    if (killed > 0) result.notes.push(`${killed} pods outlived the termination grace period and were killed`);
    result.peakPods = Math.max(peakPods, result.podsAtEnd);
    result.sessions = await sampler.endPhase(result.drcp?.available === true);
    result.budget = plan.budget;
    result.load = measureLoad(allRecords(), from, to);
    result.bound = queueingBound(users, Math.min(podsAtStart, result.podsAtEnd) * poolMax, o.statementLatencyMs);
    result.achievedToBound = result.bound.expectedThroughput ? Number((result.load.throughput / result.bound.expectedThroughput).toFixed(3)) : null;
    o.log(`  ${result.seconds} s, peak sessions ${result.sessions.peak}/${result.budget}, ${result.load.ok} ok, ${result.load.lost} lost`);
    phases.push(result);
  };

  try {
    sampler.start();
    await scaleTo(cluster, plan.replicas);
    startLoadNow();
    await sleep(500);
    const steadyMs = o.steadySeconds * 1000;
    await phase('steady', async () => {
      await sleep(steadyMs);
    });
    steadyThroughput = phases.find((p) => p.name === 'steady')?.load.throughput ?? 0;
    await phase('rolling-update', async (r) => {
      const rollout = await rollingUpdate(cluster);
      r.notes.push(`${rollout.steps} old pods deleted; maxSurge ${plan.maxSurge}, maxUnavailable ${plan.maxUnavailable}, minReadySeconds ${plan.minReadySeconds}`);
    });
    await phase('scale-out', async (r) => {
      await scaleTo(cluster, plan.maxReplicas);
      await sleep(steadyMs);
      r.notes.push(`to ${plan.maxReplicas} replicas (${plan.maxReplicasSource})`);
    });
    await phase('node-drain', async (r) => {
      const drain = await drainNode(cluster);
      r.notes.push(`${drain.evicted} pods evicted, at most ${drain.mostAtOnce} draining at once, ${drain.refusals} evictions refused by the PDB and retried`);
    });
    await phase('live-resize', async (r) => {
      const debounce = await watcherDebounce(plan.podConfig, o.reloadDebounceMs);
      r.resize = await liveResize({ pods: pods.running(), volume, current: liveKeys, poolMin, poolMax, debounceMs: debounce.ms, debounceSource: debounce.source, sim, holdMs: steadyMs });
      if (r.resize.available) {
        poolMax = r.resize.toMax;
        poolMin = Math.min(poolMin, poolMax);
      } else r.notes.push('not available in this build: no orapool_config_generation series, the pools kept their size');
    });
    await phase('database-freeze', async (r) => {
      r.freeze = await freezeAndRecover({ sim, pods: pods.running(), records: load!.records, frozenMs: freezeSeconds * 1000, recoverMs: Math.max(steadyMs, 2 * Number(plan.podConfig.DB_PROBE_INTERVAL) * 1000, 2 * Number(plan.podConfig.DB_BREAKER_OPEN_SECONDS ?? 0) * 1000), baselinePerSecond: steadyThroughput });
      if (!r.freeze.breaker) r.notes.push('no breaker in this build (no orapool_database_breaker_state series): requests wait for the call timeout');
    });
    if (o.phases.includes('drcp')) {
      // DRCP is a different database setup: a fresh simulator with pooled servers (as many as the budget) and a fresh fleet.
      await stopLoad();
      await pods.stopAll();
      await sim.stop();
      sim = await startSimulatorProcess([...simArgs, '--pooled-servers', String(plan.budget)]);
      sampler.use(sim);
      drcpEnv = { DB_SERVER_TYPE: 'pooled', DB_CONNECTION_CLASS: plan.podConfig.DB_CONNECTION_CLASS || 'orapool' };
      cluster.revision++;
      await scaleTo(cluster, plan.replicas);
      startLoadNow();
      await sleep(500);
      await phase('drcp', async (r) => {
        const health = (await (await fetch(`${pods.running()[0]!.service.url}/api/health`)).json()) as { database?: { serverType?: string } };
        const serverType = health.database?.serverType ?? null;
        r.drcp = { available: serverType === 'pooled', serverType, pooledServers: plan.budget };
        if (!r.drcp.available) r.notes.push('not available in this build: /api/health reports no pooled server type, so the pods ran dedicated sessions');
        await sleep(steadyMs);
      });
    }
  } finally {
    await stopLoad();
    sampler.stop();
    await pods.stopAll();
    await balancer.close();
    await sim.stop();
    volume.remove();
  }
  machine.loadAverageAtEnd = loadAverage();
  const { podConfig: _config, ...planSummary } = plan;
  const results: FleetResults = {
    schema: 'orapool-fleet-bench/1',
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: o.mode,
    machine,
    plan: planSummary,
    settings: { users: o.users, statementLatencyMs: o.statementLatencyMs, steadySeconds: o.steadySeconds, freezeSeconds, endpointLagMs: o.endpointLagMs, clientTimeoutMs: o.clientTimeoutMs },
    phases: PHASES.flatMap((n) => phases.filter((p) => p.name === n)),
    timeline: sampler.samples,
    targets: [],
  };
  results.targets = judgeFleet(results);
  return results;
}
