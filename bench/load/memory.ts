// Memory: RSS and V8 heap of the service and of bare Koa + @koa/router with
// the same pool, at idle, under 150 and under 1000 concurrent users, and a
// leak check: `cycles` load cycles of 1000 users with a forced GC after each
// (through the bench-only probe, servers.ts), whose heap must not grow.
import type { SimulatorProcess } from '@orapool/oracle-sim';
import type { DriveResult } from './drive.js';
import { afterConfig } from './scenarios.js';
import { startBareServer, startMeasuredService, type MeasuredServer, type ProbeReading } from './servers.js';

export interface MemoryPoint {
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * Where the RSS sits (absent in results recorded before these were):
   * the V8 heap as committed (heapTotal) and its two spaces that grow
   * under load (new space: the young generation's semi-spaces; old space:
   * what survived two scavenges, garbage included until the next full GC),
   * memory outside the heap that V8 is told about (external, of which
   * arrayBuffers), and RSS backed by files (the binary, libraries).
   */
  heapTotalBytes?: number;
  newSpaceBytes?: number;
  oldSpaceBytes?: number;
  externalBytes?: number;
  arrayBuffersBytes?: number;
  rssFileBytes?: number;
}

export interface MemorySide {
  /** After start-up, the pool at its minimum and a forced GC. */
  idle: MemoryPoint;
  /** Peak RSS (and heap at that moment) sampled during the load. */
  users150: MemoryPoint;
  users1000: MemoryPoint;
  /** users1000.rss - idle.rss. */
  rssGrowthBytes: number;
  /** Heap after a forced GC at the end of each leak-check cycle. */
  heapAfterGcPerCycle: number[];
  /** Last cycle / the baseline cycle - 1; the baseline is the second cycle when there are three or more (the first warms up JIT code and lazily made series). */
  leakGrowth: number;
}

export interface MemoryResult {
  users: [number, number];
  cycles: number;
  cycleSeconds: number;
  service: MemorySide;
  koa: MemorySide;
  /** service RSS growth / Koa's (target <= 1.3). */
  rssGrowthRatio: number;
}

export interface MemoryOptions {
  sim: SimulatorProcess;
  users: [number, number];
  cycles: number;
  /** Load for this long (after the warm-up) at each user count and in each cycle. */
  load: (url: string, users: number, onMeasureStart: () => void) => Promise<DriveResult>;
  cycleLoad: (url: string, users: number) => Promise<DriveResult>;
  cycleSeconds: number;
  log: (line: string) => void;
}

const point = (r: ProbeReading): MemoryPoint => ({
  rssBytes: r.memory.rss,
  heapUsedBytes: r.memory.heapUsed,
  heapTotalBytes: r.memory.heapTotal,
  newSpaceBytes: r.heapSpaces.new_space?.size ?? 0,
  oldSpaceBytes: r.heapSpaces.old_space?.size ?? 0,
  externalBytes: r.memory.external,
  arrayBuffersBytes: r.memory.arrayBuffers,
  ...(r.proc.rssFileBytes !== undefined ? { rssFileBytes: r.proc.rssFileBytes } : {}),
});

/** Peak RSS while `work` runs, sampled every 250 ms from when `begin` is called. */
async function peakDuring(server: MeasuredServer, work: (begin: () => void) => Promise<unknown>): Promise<MemoryPoint> {
  let peak: MemoryPoint = { rssBytes: 0, heapUsedBytes: 0 };
  let timer: NodeJS.Timeout | undefined;
  const sample = async () => {
    const p = point(await server.probe.read());
    if (p.rssBytes > peak.rssBytes) peak = p;
  };
  await work(() => {
    timer = setInterval(() => void sample().catch(() => {}), 250);
  });
  clearInterval(timer);
  await sample();
  return peak;
}

async function measureSide(server: MeasuredServer, options: MemoryOptions): Promise<MemorySide> {
  const idle = point(await server.probe.gc());
  const [low, high] = options.users;
  const users150 = await peakDuring(server, (begin) => options.load(server.url, low, begin));
  const users1000 = await peakDuring(server, (begin) => options.load(server.url, high, begin));
  const heapAfterGcPerCycle: number[] = [];
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    await options.cycleLoad(server.url, high);
    heapAfterGcPerCycle.push((await server.probe.gc()).memory.heapUsed);
  }
  const first = heapAfterGcPerCycle[heapAfterGcPerCycle.length >= 3 ? 1 : 0] ?? 0;
  const last = heapAfterGcPerCycle.at(-1) ?? 0;
  return {
    idle,
    users150,
    users1000,
    rssGrowthBytes: users1000.rssBytes - idle.rssBytes,
    heapAfterGcPerCycle,
    leakGrowth: first > 0 ? Number((last / first - 1).toFixed(4)) : 0,
  };
}

export async function measureMemory(options: MemoryOptions): Promise<MemoryResult> {
  const sides: Record<'service' | 'koa', MemorySide> = {} as never;
  for (const name of ['service', 'koa'] as const) {
    const server =
      name === 'service'
        ? await startMeasuredService('service', afterConfig, options.sim)
        : await startBareServer('koa', options.sim, {
            min: Number(afterConfig.env.DB_POOL_MIN),
            max: afterConfig.poolMax,
            queueMax: Number(afterConfig.env.DB_POOL_QUEUE_MAX),
          });
    try {
      sides[name] = await measureSide(server, options);
    } finally {
      await server.stop();
    }
    const s = sides[name];
    const mb = (b: number) => (b / 1048576).toFixed(1);
    const composition = (p: MemoryPoint) => `heap ${mb(p.heapUsedBytes)} used of ${mb(p.heapTotalBytes ?? 0)} (new ${mb(p.newSpaceBytes ?? 0)}, old ${mb(p.oldSpaceBytes ?? 0)}), external ${mb(p.externalBytes ?? 0)}`;
    options.log(
      `memory ${name}: RSS idle ${mb(s.idle.rssBytes)} MiB (${composition(s.idle)}), ${options.users[0]} users ${mb(s.users150.rssBytes)} MiB, ` +
        `${options.users[1]} users ${mb(s.users1000.rssBytes)} MiB (${composition(s.users1000)}); heap after GC per cycle ${s.heapAfterGcPerCycle.map(mb).join(', ')} MiB`,
    );
  }
  return {
    users: options.users,
    cycles: options.cycles,
    cycleSeconds: options.cycleSeconds,
    service: sides.service,
    koa: sides.koa,
    rssGrowthRatio: sides.koa.rssGrowthBytes > 0 ? Number((sides.service.rssGrowthBytes / sides.koa.rssGrowthBytes).toFixed(3)) : 0,
  };
}
