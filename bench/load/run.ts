// The benchmark itself: one simulator process, one service process per
// scenario (node dist/main.js, as production runs it), autocannon driving
// GET /api/health, the bare-server yardstick, and the team's ab command.
import { existsSync } from 'node:fs';
import { startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { freePort, projectRoot, startService, type ServiceProcess } from '../../test/support/processes.js';
import { ensureAb, hasAb, runAb } from './ab.js';
import { drive, type DriveResult } from './drive.js';
import { measureOverhead, medianRatio } from './overhead.js';
import { BURST_STATEMENT_LATENCY_MS, measureBurst } from './burst.js';
import { measureMemory } from './memory.js';
import { readSomaxconn } from '../../src/listen-backlog.js';
import { drivePolite, histogramDelta, histogramQuantileMs, parseHistogram, shedRateCv, type HistogramSnapshot, type PoliteResult } from './polite.js';
import { median, startBareServer } from './servers.js';
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
  overload:
    | {
        config: PoolConfigName;
        users: number;
        env?: Record<string, string>;
        storm: boolean;
        /** Warm-up of the runs with polite clients (default: warmupSeconds); see main.ts for why it is longer. */
        politeWarmupSeconds?: number;
        /** Alternating rounds (service, bare 503 server) for the 503 latency ratio; the first is the spread run itself (default 1). */
        shedRounds?: number;
      }
    | false;
  /**
   * Bare servers vs service at statement latency 0 (overhead.ts); windowSeconds: measured seconds per
   * server per round (default: durationSeconds); profileDir: write flame summaries there. false skips it.
   */
  overhead: { connections: number; rounds: number; windowSeconds?: number; profileDir?: string } | false;
  /** 1000 new connections at once against pool 10 + queue 50 (burst.ts); false skips it. */
  burst: { connections: number; rounds: number; backlogRounds: number; warmupRounds: number; backlog: number; profileDir?: string } | false;
  /** RSS and heap, service against bare Koa, and the leak check (memory.ts); false skips it. */
  memory: { users: [number, number]; durationSeconds: number; cycles: number; cycleSeconds: number } | false;
  /** The team's ab command; false skips it. installAb: apt-get install apache2-utils when missing. */
  ab: { requests: number; concurrency: number; port: number; installAb: boolean } | false;
  /** Scenarios that would start after this many seconds are skipped, so the run stays bounded. */
  budgetSeconds: number;
  /** Before starting, wait at most this long for the machine to be quiet (1-minute load average < 1). 0: do not wait. */
  quietWaitSeconds: number;
  log: (line: string) => void;
}


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
  const loadOptions = (url: string, connections: number) => ({
    url,
    connections,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    maxRequests: options.maxRequestsPerRun,
    timeoutSeconds: options.clientTimeoutSeconds,
  });
  const load = (url: string, connections: number): Promise<DriveResult> => drive(loadOptions(url, connections));
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
        const politeWarmup = o.politeWarmupSeconds ?? options.warmupSeconds;
        log(`overload: ${o.config}@${o.users}, clients honour Retry-After, ${politeWarmup} s warm-up + ${options.durationSeconds} s ...`);
        const labels = { route: '/api/health', status: '503' };
        const scrape = async (url: string): Promise<HistogramSnapshot | undefined> => {
          try {
            const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
            return parseHistogram(text, 'orapool_http_request_duration_seconds', labels);
          } catch {
            return undefined;
          }
        };
        const politeRun = (cfg: PoolConfig) =>
          withService(cfg, sim, async (service) => {
            let atStart: Promise<HistogramSnapshot | undefined> | undefined;
            const timer = setTimeout(() => (atStart = scrape(service.url)), politeWarmup * 1000);
            const r = await drivePolite(politeOptions(service.url));
            clearTimeout(timer);
            const [before, after] = [await atStart, await scrape(service.url)];
            const delta = before && after ? histogramDelta(before, after) : undefined;
            return {
              ...r,
              achievedToBound: ratio(r.throughput),
              service503: delta ? { count: delta.count, p50Ms: histogramQuantileMs(delta, 0.5), p99Ms: histogramQuantileMs(delta, 0.99) } : null,
            };
          });
        const politeOptions = (url: string) => ({
          url,
          users: o.users,
          durationSeconds: options.durationSeconds,
          warmupSeconds: politeWarmup,
          timeoutSeconds: options.clientTimeoutSeconds,
          rampSeconds: Math.min(1, politeWarmup),
        });
        const polite = await politeRun(config);
        // The same run with Retry-After exact (RETRY_AFTER_JITTER=0): the lockstep the spread is there to break.
        log(`overload: the same with RETRY_AFTER_JITTER=0 ...`);
        const exact = await politeRun({ ...config, env: { ...config.env, RETRY_AFTER_JITTER: '0' } });
        overload.politeExactRetryAfter = exact;
        // The same clients against node:http answering 503 at once: the floor of a refusal's latency here.
        log(`overload: the same clients against a bare node:http 503 server ...`);
        const bareRun = async () => {
          const bare = await startBareServer('node-503', sim, { min: 0, max: 1 });
          try {
            return await drivePolite(politeOptions(bare.url));
          } finally {
            await bare.stop();
          }
        };
        overload.bare503 = await bareRun();
        // The client-side 503 p99 of one run swings several-fold on shared cores (the bare server's alone from 5.7 to
        // 33 ms between runs, and one round's ratio from 0.6 to 2.8 within a run), so the ratio is the median over
        // rounds, each a fresh service and a fresh bare server, in alternating order.
        const shedRound = (service: PoliteResult, bare: PoliteResult) => ({
          serviceMs: service.latencyMs.shed.p99,
          bareMs: bare.latencyMs.shed.p99,
          ratio: bare.latencyMs.shed.p99 > 0 ? Number((service.latencyMs.shed.p99 / bare.latencyMs.shed.p99).toFixed(3)) : null,
        });
        overload.shedRounds = [shedRound(polite, overload.bare503)];
        for (let round = 1; round < (o.shedRounds ?? 1); round++) {
          if (!fits(2 * (politeWarmup + options.durationSeconds + 5))) {
            results.notes.push(`overload 503 latency: round ${round + 1} of ${o.shedRounds} skipped: time budget of ${options.budgetSeconds} s reached`);
            break;
          }
          // Every other round the bare server goes first, so neither always runs after the other.
          const bareFirst = round % 2 === 1;
          log(`overload: 503 latency round ${round + 1} of ${o.shedRounds}: ${bareFirst ? 'the bare 503 server, then the service' : 'the service, then the bare 503 server'} ...`);
          const bareResult = bareFirst ? await bareRun() : undefined;
          const again = await politeRun(config);
          overload.shedRounds.push(shedRound(again, bareResult ?? (await bareRun())));
        }
        const ratios = overload.shedRounds.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));
        const wMs = overload.bound.expectedThroughput ? (overload.admittedAtOnce / overload.bound.expectedThroughput) * 1000 : null;
        overload.waves = {
          wMs: wMs === null ? null : Number(wMs.toFixed(1)),
          admittedP99OverW: wMs ? Number((polite.latencyMs.ok.p99 / wMs).toFixed(3)) : null,
          exactAdmittedP99OverW: wMs ? Number((exact.latencyMs.ok.p99 / wMs).toFixed(3)) : null,
          shedPerSecondCv: shedRateCv(polite.timeline),
          exactShedPerSecondCv: shedRateCv(exact.timeline),
          shedP99ToBare: ratios.length > 0 ? Number(median(ratios).toFixed(3)) : null,
        };
        log(
          `overload waves: admitted p99 / W ${overload.waves.admittedP99OverW} (exact Retry-After: ${overload.waves.exactAdmittedP99OverW}), ` +
            `CV of 503s per second ${overload.waves.shedPerSecondCv} (exact: ${overload.waves.exactShedPerSecondCv}), ` +
            `503 p99 / bare 503 server's ${overload.waves.shedP99ToBare} (median of ${overload.shedRounds.map((r) => `${r.serviceMs}/${r.bareMs} ms`).join(', ')})`,
        );
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

    if (options.burst) {
      const burst = options.burst;
      // About 5 s a round of a pair: the service's admitted requests take 3 s to drain, the bare server's none.
      if (!fits((burst.rounds + burst.backlogRounds + 2 * burst.warmupRounds) * 5 + 20)) {
        results.notes.push(`burst scenario skipped: time budget of ${options.budgetSeconds} s reached`);
      } else {
        const somaxconn = readSomaxconn();
        log(`burst: ${burst.connections} new connections at once against pool 10 + queue 50, backlog ${burst.backlog} (${burst.rounds} rounds) then 511 (${burst.backlogRounds} rounds), net.core.somaxconn ${somaxconn ?? 'unknown'}, ${burst.warmupRounds} warm-up burst(s) per server ...`);
        // Admitted requests hold their connection for half a second, so the 60 held at once stay held for the
        // whole burst and the rest are refused, however fast the shared cores deliver the connections.
        await setLatency(sim, BURST_STATEMENT_LATENCY_MS);
        try {
          results.burst = await measureBurst({ sim, connections: burst.connections, rounds: burst.rounds, backlogRounds: burst.backlogRounds, warmupRounds: burst.warmupRounds, backlog: burst.backlog, ...(burst.profileDir ? { profileDir: burst.profileDir } : {}), somaxconn, timeoutSeconds: options.clientTimeoutSeconds, log });
        } finally {
          await setLatency(sim, options.statementLatencyMs, options.statementLatencyP99Ms);
        }
        const b = results.burst;
        log(`burst: 503 p99 service ${b.service.shedP99Ms} ms vs bare ${b.bare.shedP99Ms} ms = ${b.ratio} (at backlog 511: ${b.serviceAt511.shedP99Ms} ms vs ${b.bareAt511.shedP99Ms} ms)`);
      }
    }

    if (options.memory) {
      const m = options.memory;
      const perSide = 2 * (options.warmupSeconds + m.durationSeconds) + m.cycles * (m.cycleSeconds + 1) + 10;
      if (!fits(2 * perSide)) {
        results.notes.push(`memory scenario skipped: time budget of ${options.budgetSeconds} s reached`);
      } else {
        log(`memory: service and bare Koa at idle, ${m.users.join(' and ')} users, then ${m.cycles} load cycles with a forced GC after each ...`);
        const timed = (seconds: number, warmup: number) => (url: string, users: number, onMeasureStart?: () => void) =>
          drive({ ...loadOptions(url, users), durationSeconds: seconds, warmupSeconds: warmup, ...(onMeasureStart ? { onMeasureStart } : {}) });
        results.memory = await measureMemory({
          sim,
          users: m.users,
          cycles: m.cycles,
          cycleSeconds: m.cycleSeconds,
          load: timed(m.durationSeconds, options.warmupSeconds),
          cycleLoad: timed(m.cycleSeconds, 0),
          log,
        });
      }
    }

    if (options.overhead) {
      const { connections, rounds } = options.overhead;
      const windowSeconds = options.overhead.windowSeconds ?? options.durationSeconds;
      if (!fits(4 * rounds * (windowSeconds + options.warmupSeconds + 4))) {
        results.notes.push(`overhead comparison skipped: time budget of ${options.budgetSeconds} s reached`);
        log('overhead: skipped (time budget)');
      } else {
        log(`overhead: statement latency 0, ${connections} connections, ${rounds} alternating round(s) of bare node:http, bare Koa, the service and the service at LOG_LEVEL=info ...`);
        await setLatency(sim, 0);
        const figures = await measureOverhead({
          sim,
          connections,
          rounds,
          load: (url, c, onMeasureStart) => drive({ ...loadOptions(url, c), durationSeconds: windowSeconds, onMeasureStart }),
          ...(options.overhead.profileDir ? { profileDir: options.overhead.profileDir } : {}),
          log,
        });
        await setLatency(sim, options.statementLatencyMs, options.statementLatencyP99Ms);
        const overhead: OverheadResult = {
          connections,
          statementLatencyMs: 0,
          rounds,
          windowSeconds,
          bare: figures.node,
          koa: figures.koa,
          service: figures.orapool,
          serviceInfo: figures.orapoolInfo,
          ratio: medianRatio(figures.orapool.perRound, figures.node.perRound),
          koaRatio: medianRatio(figures.koa.perRound, figures.node.perRound),
          serviceToKoa: medianRatio(figures.orapool.perRound, figures.koa.perRound),
          serviceInfoToKoa: medianRatio(figures.orapoolInfo.perRound, figures.koa.perRound),
        };
        results.overhead = overhead;
        log(
          `overhead: service ${overhead.service.throughput}/s = ${(overhead.serviceToKoa * 100).toFixed(1)}% of bare Koa ${overhead.koa.throughput}/s ` +
            `(bare node:http ${overhead.bare.throughput}/s; CPU per request: node ${overhead.bare.cpuMicrosPerRequest} µs, Koa ${overhead.koa.cpuMicrosPerRequest} µs, ` +
            `service ${overhead.service.cpuMicrosPerRequest} µs, at info ${overhead.serviceInfo.cpuMicrosPerRequest} µs)`,
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
