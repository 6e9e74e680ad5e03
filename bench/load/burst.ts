// A burst of new connections: `connections` clients each open their own TCP
// connection and send one GET in the same instant, against a small pool, so
// most must be refused (503) at once. What decides their latency is first the
// kernel's accept queue (the listen backlog: a connection that finds it full
// waits for a SYN retransmit, a second or more), then the server's own work
// per refusal. So the service is compared with a bare node:http server that
// answers 503 at once, both given the same backlog (the comparison isolates
// the service's work), and each at Node's default backlog (511) and at the
// service's default (HTTP_LISTEN_BACKLOG), which shows what the backlog does.
//
// Two phases, each with only its own pair of servers alive: the judged pair at
// the service's default backlog, then the pair at 511. On two shared cores one
// burst's p99 swings by 2x from one round to the next (the client, the server
// and every other process compete for the same cores), so the judged pair
// takes many alternating rounds and nothing else runs beside it; the 511 pair
// only shows what the backlog does, and takes fewer.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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
  /** The client process's CPU time for the burst, ms (its work is as large as the server's). */
  clientCpuMs: number;
}

interface BurstAnswer {
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  shed: number[];
  all: number[];
  clientCpuMs: number;
}

/**
 * The burst's client process (burst-client.mjs): one per measurement, so
 * every burst, in a full run or alone, is sent and timed by the same fresh
 * process.
 */
export class BurstClient {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: AsyncIterator<string>;

  constructor() {
    this.#child = spawn(process.execPath, [fileURLToPath(new URL('./burst-client.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
    // A client that died is reported by burst() (its output ends), not by an unhandled EPIPE on its input.
    this.#child.stdin.on('error', () => {});
  }

  /** One burst of `connections` new connections against `url`. */
  async burst(url: string, connections: number, timeoutSeconds: number): Promise<BurstOnce> {
    this.#child.stdin.write(`${JSON.stringify({ url, connections, timeoutSeconds })}\n`);
    const next = await this.#lines.next();
    if (next.done) throw new Error(`burst client exited (code ${this.#child.exitCode})`);
    const answer = JSON.parse(next.value) as BurstAnswer;
    return {
      byStatus: answer.byStatus,
      errors: answer.errors,
      latencyMs: { shed: percentiles(answer.shed), all: percentiles(answer.all) },
      clientCpuMs: Number(answer.clientCpuMs.toFixed(1)),
    };
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.stdin.end();
    await exited;
  }
}

export interface BurstSide {
  /** Median over the rounds of the 503s' p99, ms. */
  shedP99Ms: number;
  perRound: number[];
  /** Median over the rounds of the client process's CPU time per burst, ms. */
  clientCpuMs?: number;
  last: BurstOnce;
}

export interface BurstResult {
  connections: number;
  statementLatencyMs: number;
  pool: { max: number; queueMax: number };
  /** Alternating rounds of the judged pair (service and bare at `backlog`). */
  rounds: number;
  /** Alternating rounds of the pair at Node's default backlog, measured after the judged pair, alone. */
  backlogRounds?: number;
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
  /** Rounds of the pair at Node's default backlog (511). */
  backlogRounds: number;
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
  const client = new BurstClient();
  const runs = new Map<string, BurstOnce[]>();
  const pair = (names: [string, string], backlog: number): Array<[string, () => Promise<MeasuredServer>]> => [
    [names[0], () => startMeasuredService('service', config, options.sim, { HTTP_LISTEN_BACKLOG: String(backlog) })],
    [names[1], () => startBareServer('node-503', options.sim, { min: 0, max: 1 }, { LISTEN_BACKLOG: String(backlog) })],
  ];
  try {
    await measurePair(pair(['service', 'bare'], options.backlog), options.rounds, true);
    await measurePair(pair(['serviceAt511', 'bareAt511'], 511), options.backlogRounds, false);
  } finally {
    await client.stop();
  }

  async function measurePair(sides: Array<[string, () => Promise<MeasuredServer>]>, rounds: number, judged: boolean): Promise<void> {
    const servers: MeasuredServer[] = [];
    for (const [name] of sides) runs.set(name, []);
    try {
      for (const [, start] of sides) servers.push(await start());
      // A fresh process's first bursts time V8 compiling the refusal path, not the path itself (in trials the
      // service's first two bursts took 1.5 to 1.9 x a bare server's, later ones about 1 x): each server takes
      // its warm-up bursts first, as the overhead comparison warms up before it measures.
      for (let round = 0; round < options.warmupRounds; round++) {
        for (const server of servers) {
          await client.burst(server.url, options.connections, options.timeoutSeconds);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      for (let round = 0; round < rounds; round++) {
        // Every other round in reverse order (A B, B A, ...), so neither server always goes first.
        const order = [...sides.entries()];
        if (round % 2 === 1) order.reverse();
        for (const [i, [name]] of order) {
          const profiled = judged && options.profileDir !== undefined && round === rounds - 1;
          if (profiled) await servers[i]!.probe.startProfile();
          runs.get(name)!.push(await client.burst(servers[i]!.url, options.connections, options.timeoutSeconds));
          if (profiled) writeBurstProfile(options.profileDir!, name === 'service' ? 'orapool' : 'bare', await servers[i]!.probe.stopProfile(), options.connections);
          // The client waited for every answer; let the sockets close before the next burst.
          await new Promise((r) => setTimeout(r, 500));
        }
        options.log(`burst round ${round + 1}: 503 p99 ` + sides.map(([name]) => `${name} ${runs.get(name)!.at(-1)!.latencyMs.shed.p99} ms`).join(', '));
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }

  const side = (name: string): BurstSide => {
    const r = runs.get(name)!;
    const perRound = r.map((x) => x.latencyMs.shed.p99);
    return { shedP99Ms: median(perRound), perRound, clientCpuMs: Number(median(r.map((x) => x.clientCpuMs)).toFixed(1)), last: r.at(-1)! };
  };
  const service = side('service');
  const bare = side('bare');
  const ratios = service.perRound.map((v, i) => (bare.perRound[i]! > 0 ? v / bare.perRound[i]! : 0));
  return {
    connections: options.connections,
    statementLatencyMs: BURST_STATEMENT_LATENCY_MS,
    pool,
    rounds: options.rounds,
    backlogRounds: options.backlogRounds,
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
