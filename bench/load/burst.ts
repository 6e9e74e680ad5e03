// A burst of new connections: `connections` clients each open their own TCP
// connection and send one GET in the same instant, against a small pool, so
// most must be refused (503) at once. What decides their latency is first the
// kernel's accept queue (the listen backlog: a connection that finds it full
// waits for a SYN retransmit, a second or more), then the server's own work
// per refusal. So the service is compared with a bare node:http server that
// answers 503 at once, both given the same backlog (the comparison isolates
// the service's work), and each at Node's default backlog (511) and at the
// service's default (HTTP_LISTEN_BACKLOG), which shows what the backlog does.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { SimulatorProcess } from '@orapool/oracle-sim';
import { percentiles, type Percentiles } from './stats.js';
import { poolConfigs, type PoolConfig } from './scenarios.js';
import { median, startBareServer, startMeasuredService, type MeasuredServer } from './servers.js';
import { flameMarkdown, summarizeProfile } from './flame.js';
import { projectRoot } from '../../test/support/processes.js';

/** The statement latency during bursts (run.ts sets it on the simulator). */
export const BURST_STATEMENT_LATENCY_MS = 500;

export interface BurstOnce {
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  latencyMs: { shed: Percentiles; all: Percentiles };
}

/** One burst: every request on its own new connection, all sent before any answer can arrive. */
export async function burstOnce(url: string, connections: number, timeoutSeconds: number): Promise<BurstOnce> {
  const target = new URL('/api/health', url);
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const shed: number[] = [];
  const all: number[] = [];
  const one = () =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const req = http.get(target, { agent: false, timeout: timeoutSeconds * 1000, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - sent;
          const status = String(res.statusCode ?? 0);
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          all.push(ms);
          if (status === '503') shed.push(ms);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        errors[code] = (errors[code] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: connections }, one));
  return { byStatus, errors, latencyMs: { shed: percentiles(shed), all: percentiles(all) } };
}

export interface BurstSide {
  /** Median over the rounds of the 503s' p99, ms. */
  shedP99Ms: number;
  perRound: number[];
  last: BurstOnce;
}

export interface BurstResult {
  connections: number;
  statementLatencyMs: number;
  pool: { max: number; queueMax: number };
  rounds: number;
  /** Unmeasured bursts each server took first (JIT warm-up). */
  warmupRounds?: number;
  /** The backlog both servers get in the judged comparison (the service's default). */
  backlog: number;
  /** Node's default, for contrast. */
  nodeDefaultBacklog: 511;
  somaxconn: number | null;
  service: BurstSide;
  bare: BurstSide;
  serviceAt511: BurstSide;
  bareAt511: BurstSide;
  /** service / bare at the judged backlog (target <= 1.25). */
  ratio: number;
}

export interface BurstOptions {
  sim: SimulatorProcess;
  connections: number;
  rounds: number;
  /** Unmeasured bursts per server before the measured rounds. */
  warmupRounds: number;
  backlog: number;
  somaxconn: number | undefined;
  timeoutSeconds: number;
  log: (line: string) => void;
  /** Write flame summaries of the last round's bursts at the judged backlog here (burst-orapool.md, burst-bare.md). */
  profileDir?: string;
}

export async function measureBurst(options: BurstOptions): Promise<BurstResult> {
  const pool = { max: 10, queueMax: 50 };
  const config: PoolConfig = {
    ...poolConfigs.after,
    poolMax: pool.max,
    env: { ...poolConfigs.after.env, DB_POOL_MIN: String(pool.max), DB_POOL_MAX: String(pool.max), DB_POOL_QUEUE_MAX: String(pool.queueMax) },
  };
  const sides: Array<[keyof Pick<BurstResult, 'service' | 'bare' | 'serviceAt511' | 'bareAt511'>, () => Promise<MeasuredServer>]> = [
    ['service', () => startMeasuredService('service', config, options.sim, { HTTP_LISTEN_BACKLOG: String(options.backlog) })],
    ['bare', () => startBareServer('node-503', options.sim, { min: 0, max: 1 }, { LISTEN_BACKLOG: String(options.backlog) })],
    ['serviceAt511', () => startMeasuredService('service', config, options.sim, { HTTP_LISTEN_BACKLOG: '511' })],
    ['bareAt511', () => startBareServer('node-503', options.sim, { min: 0, max: 1 }, { LISTEN_BACKLOG: '511' })],
  ];
  const servers: MeasuredServer[] = [];
  const runs = new Map<string, BurstOnce[]>(sides.map(([name]) => [name, []]));
  try {
    for (const [, start] of sides) servers.push(await start());
    // A fresh process's first bursts time V8 compiling the refusal path, not the path itself (in trials the
    // service's first two bursts took 1.5 to 1.9 x a bare server's, later ones about 1 x): each server takes
    // its warm-up bursts first, as the overhead comparison warms up before it measures.
    for (let round = 0; round < options.warmupRounds; round++) {
      for (const server of servers) {
        await burstOnce(server.url, options.connections, options.timeoutSeconds);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      // Every other round in reverse order (A B C D, D C B A, ...), so no server always follows the same one.
      const order = [...sides.entries()];
      if (round % 2 === 1) order.reverse();
      for (const [i, [name]] of order) {
        const profiled = options.profileDir !== undefined && round === options.rounds - 1 && (name === 'service' || name === 'bare');
        if (profiled) await servers[i]!.probe.startProfile();
        runs.get(name)!.push(await burstOnce(servers[i]!.url, options.connections, options.timeoutSeconds));
        if (profiled) writeBurstProfile(options.profileDir!, name === 'service' ? 'orapool' : 'bare', await servers[i]!.probe.stopProfile(), options.connections);
        // burstOnce waited for every answer; let the sockets close before the next burst.
        await new Promise((r) => setTimeout(r, 500));
      }
      options.log(`burst round ${round + 1}: 503 p99 ` + sides.map(([name]) => `${name} ${runs.get(name)!.at(-1)!.latencyMs.shed.p99} ms`).join(', '));
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const side = (name: string): BurstSide => {
    const r = runs.get(name)!;
    const perRound = r.map((x) => x.latencyMs.shed.p99);
    return { shedP99Ms: median(perRound), perRound, last: r.at(-1)! };
  };
  const service = side('service');
  const bare = side('bare');
  const ratios = service.perRound.map((v, i) => (bare.perRound[i]! > 0 ? v / bare.perRound[i]! : 0));
  return {
    connections: options.connections,
    statementLatencyMs: BURST_STATEMENT_LATENCY_MS,
    pool,
    rounds: options.rounds,
    warmupRounds: options.warmupRounds,
    backlog: options.backlog,
    nodeDefaultBacklog: 511,
    somaxconn: options.somaxconn ?? null,
    service,
    bare,
    serviceAt511: side('serviceAt511'),
    bareAt511: side('bareAt511'),
    ratio: Number(median(ratios).toFixed(3)),
  };
}

function writeBurstProfile(dir: string, name: string, profileText: string, connections: number): void {
  mkdirSync(dir, { recursive: true });
  const title = `${name}: CPU profile of one burst of ${connections} new connections (pool 10 + queue 50), the whole process while it lasted`;
  writeFileSync(join(dir, `burst-${name}.md`), flameMarkdown(title, summarizeProfile(profileText, projectRoot), connections));
}
