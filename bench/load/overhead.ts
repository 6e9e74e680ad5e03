// The service's own cost per request: at statement latency 0 the pool
// round-trip is as cheap as it gets, so what is left is each server's own
// work. Four servers do the same round-trip, started fresh each round and
// run in alternating rounds (A B C D, D C B A, ...) so drift on a shared
// machine hits all of them alike: bare node:http, bare Koa + @koa/router,
// orapool as benchmarked (LOG_LEVEL=warn) and orapool at its default
// LOG_LEVEL=info (an access-log line per request; reported, not judged).
// Each reports throughput and CPU microseconds per request (the server
// process's own CPU time over the measured window, from its probe), and with
// `profile` a CPU profile of the last round, summarised by flame.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorProcess } from '@orapool/oracle-sim';
import type { DriveResult } from './drive.js';
import { flameMarkdown, summarizeProfile } from './flame.js';
import { afterConfig } from './scenarios.js';
import { cpuMicrosPerRequest, median, startBareServer, startMeasuredService, type MeasuredServer, type ProbeReading } from './servers.js';
import { projectRoot } from '../../test/support/processes.js';

export type OverheadServer = 'node' | 'koa' | 'orapool' | 'orapoolInfo';
export const overheadServers: OverheadServer[] = ['node', 'koa', 'orapool', 'orapoolInfo'];

export interface ServerFigures {
  /** Median over the rounds. */
  throughput: number;
  p95Ms: number;
  cpuMicrosPerRequest: number;
  perRound: number[];
  cpuPerRound: number[];
  /** With --profile: busy (non-idle) profile time per request, and the summary file. */
  profile?: { busyMicrosPerRequest: number; file: string };
}

export interface OverheadOptions {
  sim: SimulatorProcess;
  connections: number;
  rounds: number;
  load: (url: string, connections: number, onMeasureStart: () => void) => Promise<DriveResult>;
  /** Write flame summaries of the last round here (markdown), or undefined for no profiles. */
  profileDir?: string;
  log: (line: string) => void;
}

async function start(server: OverheadServer, sim: SimulatorProcess): Promise<MeasuredServer> {
  const pool = { min: Number(afterConfig.env.DB_POOL_MIN), max: afterConfig.poolMax };
  if (server === 'node' || server === 'koa') return startBareServer(server, sim, pool);
  return startMeasuredService(server, afterConfig, sim, server === 'orapoolInfo' ? { LOG_LEVEL: 'info' } : {});
}

export async function measureOverhead(options: OverheadOptions): Promise<Record<OverheadServer, ServerFigures>> {
  const runs = new Map<OverheadServer, Array<{ drive: DriveResult; cpu: number }>>(overheadServers.map((s) => [s, []]));
  const profiles = new Map<OverheadServer, ServerFigures['profile']>();
  for (let round = 0; round < options.rounds; round++) {
    const profiling = options.profileDir !== undefined && round === options.rounds - 1;
    // Every other round in reverse order (A B C D, D C B A, ...), so no server always follows the same one.
    const order = round % 2 === 1 ? [...overheadServers].reverse() : overheadServers;
    for (const name of order) {
      const server = await start(name, options.sim);
      try {
        let atStart: Promise<ProbeReading> | undefined;
        const drive = await options.load(server.url, options.connections, () => {
          atStart = profiling ? server.probe.startProfile().then(() => server.probe.read()) : server.probe.read();
        });
        const atEnd = await server.probe.read();
        const profileText = profiling ? await server.probe.stopProfile() : undefined;
        const cpu = atStart ? cpuMicrosPerRequest(await atStart, atEnd, drive.responses) : 0;
        runs.get(name)!.push({ drive, cpu });
        if (profileText && options.profileDir) {
          mkdirSync(options.profileDir, { recursive: true });
          const summary = summarizeProfile(profileText, projectRoot);
          const file = join(options.profileDir, `${name}.md`);
          const title = `CPU profile: ${name}, statement latency 0, ${options.connections} connections, round ${round + 1} of ${options.rounds}`;
          writeFileSync(file, flameMarkdown(title, summary, drive.responses));
          profiles.set(name, { busyMicrosPerRequest: Number(((summary.busyMs * 1000) / Math.max(1, drive.responses)).toFixed(1)), file });
        }
      } finally {
        await server.stop();
      }
    }
    const last = (s: OverheadServer) => runs.get(s)!.at(-1)!;
    options.log(
      `overhead round ${round + 1}: ` +
        overheadServers.map((s) => `${s} ${last(s).drive.throughput}/s (${last(s).cpu} µs CPU/req)`).join(', '),
    );
  }
  const figures = {} as Record<OverheadServer, ServerFigures>;
  for (const name of overheadServers) {
    const r = runs.get(name)!;
    figures[name] = {
      // Rounded: the median of an even number of rounds is a mean of two, which prints as 4378.200000000001.
      throughput: round1(median(r.map((x) => x.drive.throughput))),
      p95Ms: round1(median(r.map((x) => x.drive.latencyMs.ok.p95))),
      cpuMicrosPerRequest: round1(median(r.map((x) => x.cpu))),
      perRound: r.map((x) => x.drive.throughput),
      cpuPerRound: r.map((x) => x.cpu),
      ...(profiles.get(name) ? { profile: profiles.get(name)! } : {}),
    };
  }
  return figures;
}

const round1 = (v: number) => Number(v.toFixed(1));

/** Per round a / b (adjacent in time, so drift cancels), then the median. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return Number(median(a.map((v, i) => (b[i]! > 0 ? v / b[i]! : 0))).toFixed(3));
}
