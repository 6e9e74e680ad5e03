// The benchmark itself: one simulator process, one service process per
// scenario (node dist/main.js, as production runs it), autocannon driving
// GET /api/health, the bare-server yardstick, and the team's ab command.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { freePort, projectRoot, startService, tsxBin, type ServiceProcess } from '../../test/support/processes.js';
import { ensureAb, hasAb, runAb } from './ab.js';
import { drive, type DriveResult } from './drive.js';
import { drivePolite, histogramDelta, histogramQuantileMs, parseHistogram, type HistogramSnapshot } from './polite.js';
import { describeMachine, loadAverage, waitForQuietMachine } from './machine.js';
import { afterConfig, beforeConfig, poolConfigs, queueingBound, serviceEnv, type PoolConfig, type PoolConfigName } from './scenarios.js';
import { shedTotal } from './tally.js';
import type { AbScenarioResult, BenchResults, OverheadResult, OverloadResult, ScenarioResult } from './types.js';

export interface LoadBenchOptions {
  mode: string;
  statementLatencyMs: number;
  statementLatencyP99Ms?: number;
  configs: PoolConfigName[];
  users: number[];
  durationSeconds: number;
  warmupSeconds: number;
  /** A client gives up on a request after this long (counted as a timeout). */
  clientTimeoutSeconds: number;
  /** Hard cap on requests per load run, on top of the duration. */
  maxRequestsPerRun: number;
  /**
   * Deliberate 503s: `users` Retry-After-honouring clients against `config`
   * (optionally with env overrides), then, when `storm`, the same load with
   * autocannon, which ignores Retry-After. false skips it.
   */
  overload: { config: PoolConfigName; users: number; env?: Record<string, string>; storm: boolean } | false;
  /** Bare server vs service at statement latency 0; false skips it. */
  overhead: { connections: number; rounds: number } | false;
  /** The team's ab command; false skips it. installAb: apt-get install apache2-utils when missing. */
  ab: { requests: number; concurrency: number; port: number; installAb: boolean } | false;
  /** Scenarios that would start after this many seconds are skipped, so the run stays bounded. */
  budgetSeconds: number;
  /** Before starting, wait at most this long for the machine to be quiet (1-minute load average < 1). 0: do not wait. */
  quietWaitSeconds: number;
  log: (line: string) => void;
}

const bareServerPath = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

/** Poll /readyz until the pool exists and a probe round-trip succeeded. */
async function waitReady(url: string, describe: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service at ${url} not ready within ${timeoutMs} ms; output:\n${describe()}`);
}

async function withService<T>(
  config: PoolConfig,
  sim: SimulatorProcess,
  fn: (service: ServiceProcess) => Promise<T>,
  port?: number,
): Promise<T> {
  const env = serviceEnv(config, sim.connectString);
  if (port !== undefined) env.PORT = String(port);
  // At LOG_LEVEL=warn the "listening" line (info) is not written: readiness is the signal.
  const service = await startService(env, { waitForListening: false });
  try {
    await waitReady(service.url, () => service.lines.join('\n'));
    return await fn(service);
  } finally {
    await service.stop();
  }
}

interface BareServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A yardstick server (bench/load/bare-server.ts): node:http, or Koa + @koa/router with no middleware. */
async function startBareServer(sim: SimulatorProcess, poolMax: number, framework: 'node' | 'koa'): Promise<BareServer> {
  const child = spawn(tsxBin, [bareServerPath, ...(framework === 'koa' ? ['--koa'] : [])], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      DB_USER: 'orapool',
      DB_PASSWORD: 'orapool-sim',
      DB_CONNECT_STRING: sim.connectString,
      DB_POOL_MIN: '5',
      DB_POOL_MAX: String(poolMax),
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { event?: string; port?: number };
          if (entry.event === 'listening' && entry.port) {
            clearInterval(timer);
            clearTimeout(giveUp);
            return resolve(entry.port);
          }
        } catch {
          // not JSON
        }
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        clearTimeout(giveUp);
        reject(new Error(`bare server exited:\n${lines.join('\n')}`));
      }
    }, 25);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`bare server did not start:\n${lines.join('\n')}`));
    }, 30_000);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
}

async function setLatency(sim: SimulatorProcess, ms: number, p99?: number): Promise<void> {
  await sim.control(`/latency?ms=${ms}${p99 !== undefined ? `&p99=${p99}` : ''}`);
}

export async function runLoadBenchmark(options: LoadBenchOptions): Promise<BenchResults> {
  const log = options.log;
  if (options.quietWaitSeconds > 0) await waitForQuietMachine(1, options.quietWaitSeconds, log);
  const startedAt = new Date();
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const machine = describeMachine();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart}`);
  log(`note: ${machine.note}`);

  const results: BenchResults = {
    schema: 'orapool-load-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    mode: options.mode,
    machine,
    settings: {
      statementLatencyMs: options.statementLatencyMs,
      ...(options.statementLatencyP99Ms !== undefined ? { statementLatencyP99Ms: options.statementLatencyP99Ms } : {}),
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      clientTimeoutSeconds: options.clientTimeoutSeconds,
      serviceLogLevel: 'warn',
      configs: { before: beforeConfig.summary, after: afterConfig.summary },
    },
    scenarios: [],
    notes: [
      'before emulates the team\'s original pool, which failed at once when exhausted: oracledb has no "no queue" mode and orapool rejects ' +
        'DB_POOL_QUEUE_MAX=0 / DB_POOL_TIMEOUT=0 (unbounded to the driver), so it runs with a one-slot queue that gives up after 100 ms ' +
        '(the smallest timeout that lets pool creation wait for its first 20-50 ms logon; 1 ms never creates the pool) and ' +
        'ADMISSION_CONTROL=false; its failures are 503 POOL_QUEUE_FULL / POOL_QUEUE_TIMEOUT answered in milliseconds, not the 8-12 s hangs the team saw.',
      'Users are closed-loop autocannon connections with no think time: each sends its next request as soon as the previous answer arrives, ' +
        'and ignores Retry-After, so a 503 is followed by another request at once.',
      `The service runs with LOG_LEVEL=warn (at info it writes one JSON line per request); its stdout is drained by the benchmark.`,
      'Latency percentiles are over successful (2xx) responses; 503 latency is reported separately. Warm-up responses are not counted.',
      'The overload scenario holds more users than pool max + queue max, so deliberate 503s are certain. Its main run uses users that honour ' +
        'Retry-After (keep-alive node:http loop; after a 503 the user sleeps Retry-After seconds; otherwise no think time); the autocannon ' +
        'run of the same load, which ignores Retry-After, is the worst case and is not judged against the target.',
      'The database is the orapool Oracle wire-protocol simulator (packages/oracle-sim), not a real Oracle Database.',
    ],
  };

  const simArgs = ['--latency-ms', String(options.statementLatencyMs)];
  if (options.statementLatencyP99Ms !== undefined) simArgs.push('--latency-p99-ms', String(options.statementLatencyP99Ms));
  const sim = await startSimulatorProcess(simArgs);
  log(`simulator listening on ${sim.connectString} (statement latency ${options.statementLatencyMs} ms)`);
  const runSeconds = options.warmupSeconds + options.durationSeconds;
  const load = (url: string, connections: number): Promise<DriveResult> =>
    drive({
      url,
      connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      maxRequests: options.maxRequestsPerRun,
      timeoutSeconds: options.clientTimeoutSeconds,
    });
  // A scenario costs its load time plus a few seconds to start and stop processes.
  const fits = (seconds: number) => elapsed() + seconds + 5 <= options.budgetSeconds;

  try {
    for (const name of options.configs) {
      const config = poolConfigs[name];
      for (const users of options.users) {
        const bound = queueingBound(users, config.poolMax, options.statementLatencyMs);
        const scenario: ScenarioResult = {
          name: `${name}@${users}`,
          config: name,
          users,
          statementLatencyMs: options.statementLatencyMs,
          poolMax: config.poolMax,
          bound,
          achievedToBound: null,
        };
        results.scenarios.push(scenario);
        if (!fits(runSeconds)) {
          scenario.skipped = `time budget of ${options.budgetSeconds} s reached`;
          log(`${scenario.name}: skipped (${scenario.skipped})`);
          continue;
        }
        log(`${scenario.name}: ${users} users for ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s ...`);
        await sim.control('/stats/reset');
        const m = await withService(config, sim, (service) => load(service.url, users));
        scenario.measurement = m;
        if (bound.expectedThroughput) scenario.achievedToBound = Number((m.throughput / bound.expectedThroughput).toFixed(3));
        log(
          `${scenario.name}: success ${(m.successRate * 100).toFixed(1)}%, ${m.throughput} ok/s` +
            (bound.expectedThroughput ? ` (bound ${bound.expectedThroughput}/s)` : '') +
            `, p95 ${m.latencyMs.ok.p95} ms, 503s ${shedTotal(m)}, timeouts ${m.timeouts}`,
        );
      }
    }

    if (options.overload) {
      const o = options.overload;
      const base = poolConfigs[o.config];
      const config: PoolConfig = o.env
        ? { ...base, poolMax: Number(o.env.DB_POOL_MAX ?? base.poolMax), env: { ...base.env, ...o.env }, summary: `${base.summary}, overridden: ${JSON.stringify(o.env)}` }
        : base;
      const overload: OverloadResult = {
        config: o.config,
        users: o.users,
        admittedAtOnce: config.poolMax + Number(config.env.DB_POOL_QUEUE_MAX),
        bound: queueingBound(o.users, config.poolMax, options.statementLatencyMs),
      };
      results.overload = overload;
      const expected = overload.bound.expectedThroughput;
      const ratio = (throughput: number) => (expected ? Number((throughput / expected).toFixed(3)) : null);
      if (!fits(runSeconds + 5)) {
        overload.skipped = `time budget of ${options.budgetSeconds} s reached`;
        log(`overload: skipped (${overload.skipped})`);
      } else {
        log(`overload: ${o.config}@${o.users}, clients honour Retry-After, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s ...`);
        const labels = { route: '/api/health', status: '503' };
        const scrape = async (url: string): Promise<HistogramSnapshot | undefined> => {
          try {
            const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
            return parseHistogram(text, 'orapool_http_request_duration_seconds', labels);
          } catch {
            return undefined;
          }
        };
        const polite = await withService(config, sim, async (service) => {
          let atStart: Promise<HistogramSnapshot | undefined> | undefined;
          const timer = setTimeout(() => (atStart = scrape(service.url)), options.warmupSeconds * 1000);
          const r = await drivePolite({
            url: service.url,
            users: o.users,
            durationSeconds: options.durationSeconds,
            warmupSeconds: options.warmupSeconds,
            timeoutSeconds: options.clientTimeoutSeconds,
            rampSeconds: Math.min(1, options.warmupSeconds),
          });
          clearTimeout(timer);
          const [before, after] = [await atStart, await scrape(service.url)];
          const delta = before && after ? histogramDelta(before, after) : undefined;
          return {
            ...r,
            achievedToBound: ratio(r.throughput),
            service503: delta ? { count: delta.count, p50Ms: histogramQuantileMs(delta, 0.5), p99Ms: histogramQuantileMs(delta, 0.99) } : null,
          };
        });
        overload.polite = polite;
        log(
          `overload (Retry-After honoured): ${polite.throughput} ok/s` +
            (expected ? ` (bound ${expected}/s)` : '') +
            `, ok p95 ${polite.latencyMs.ok.p95} ms, 503s ${shedTotal(polite)} (p99 ${polite.latencyMs.shed.p99} ms client, ` +
            `${polite.service503?.p99Ms ?? '?'} ms service), without Retry-After ${polite.shedWithoutRetryAfter}, timeouts ${polite.timeouts}`,
        );
        if (o.storm) {
          if (!fits(runSeconds + 5)) {
            results.notes.push(`overload storm (autocannon) skipped: time budget of ${options.budgetSeconds} s reached`);
          } else {
            log(`overload storm: ${o.config}@${o.users} with autocannon (ignores Retry-After) ...`);
            const storm = await withService(config, sim, (service) => load(service.url, o.users));
            overload.storm = { ...storm, achievedToBound: ratio(storm.throughput) };
            log(
              `overload storm: ${storm.throughput} ok/s, 503s ${shedTotal(storm)} ` +
                `(p99 ${storm.latencyMs.shed.p99} ms), timeouts ${storm.timeouts}`,
            );
          }
        }
      }
    }

    if (options.overhead) {
      const { connections, rounds } = options.overhead;
      if (!fits(3 * rounds * (runSeconds + 3))) {
        results.notes.push(`overhead comparison skipped: time budget of ${options.budgetSeconds} s reached`);
        log('overhead: skipped (time budget)');
      } else {
        log(`overhead: statement latency 0, ${connections} connections, ${rounds} alternating round(s) of bare node:http, bare Koa and the service ...`);
        await setLatency(sim, 0);
        const bare: DriveResult[] = [];
        const koa: DriveResult[] = [];
        const svc: DriveResult[] = [];
        const yardstick = async (framework: 'node' | 'koa') => {
          const server = await startBareServer(sim, afterConfig.poolMax, framework);
          try {
            return await load(server.url, connections);
          } finally {
            await server.stop();
          }
        };
        for (let round = 0; round < rounds; round++) {
          bare.push(await yardstick('node'));
          koa.push(await yardstick('koa'));
          svc.push(await withService(afterConfig, sim, (service) => load(service.url, connections)));
          log(`overhead round ${round + 1}: bare ${bare.at(-1)!.throughput}/s, Koa ${koa.at(-1)!.throughput}/s, service ${svc.at(-1)!.throughput}/s`);
        }
        await setLatency(sim, options.statementLatencyMs, options.statementLatencyP99Ms);
        const summary = (runs: DriveResult[]) => ({
          throughput: Number((runs.reduce((a, r) => a + r.throughput, 0) / runs.length).toFixed(1)),
          p95Ms: Number((runs.reduce((a, r) => a + r.latencyMs.ok.p95, 0) / runs.length).toFixed(2)),
          perRound: runs.map((r) => r.throughput),
        });
        const share = (part: number, whole: number) => (whole > 0 ? Number((part / whole).toFixed(3)) : 0);
        const overhead: OverheadResult = {
          connections,
          statementLatencyMs: 0,
          rounds,
          bare: summary(bare),
          koa: summary(koa),
          service: summary(svc),
          ratio: 0,
          koaRatio: 0,
        };
        overhead.ratio = share(overhead.service.throughput, overhead.bare.throughput);
        overhead.koaRatio = share(overhead.koa.throughput, overhead.bare.throughput);
        results.overhead = overhead;
        log(
          `overhead: service ${overhead.service.throughput}/s vs bare ${overhead.bare.throughput}/s = ${(overhead.ratio * 100).toFixed(1)}% ` +
            `(Koa alone: ${(overhead.koaRatio * 100).toFixed(1)}%)`,
        );
      }
    }

    if (options.ab) {
      const ab = options.ab;
      const abResult: AbScenarioResult = { config: 'after', mapping: '' };
      results.ab = abResult;
      const problem = ab.installAb ? ensureAb(log) : hasAb() ? undefined : 'ab (apache2-utils) is not installed';
      if (problem) {
        abResult.skipped = problem;
        log(`ab: SKIPPING the ab scenario only: ${problem}`);
      } else if (!fits(30)) {
        abResult.skipped = `time budget of ${options.budgetSeconds} s reached`;
      } else {
        const port = ab.port > 0 && (await portIsFree(ab.port)) ? ab.port : await freePort();
        abResult.mapping =
          port === ab.port
            ? `the service listens on 127.0.0.1:${port}; localhost resolves to 127.0.0.1 here`
            : ab.port === 0
              ? `the service listened on free port ${port}`
              : `port ${ab.port} was taken, so the service listened on ${port} and ab targeted http://localhost:${port}/api/health`;
        const url = `http://localhost:${port}/api/health`;
        abResult.result = await withService(
          afterConfig,
          sim,
          () => runAb({ requests: ab.requests, concurrency: ab.concurrency, url, timeoutSeconds: 120 }),
          port,
        );
        const r = abResult.result;
        log(`ab: ${r.command}: success ${(r.successRate * 100).toFixed(1)}%, ${r.requestsPerSecond} req/s, p95 ${r.latencyMs.p95} ms`);
      }
    }
  } finally {
    await sim.stop();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = loadAverage();
  log(`done in ${elapsed().toFixed(0)} s`);
  return results;
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function serviceIsBuilt(): boolean {
  return existsSync(`${projectRoot}dist/main.js`);
}
