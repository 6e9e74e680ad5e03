import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the box skews results. */
  loadAverageAtStart: number;
  /** Filled in when the run ends. */
  loadAverageAtEnd?: number;
  note: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    platform: `${process.platform} ${release()}`,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadAverageAtStart: Number(loadavg()[0]!.toFixed(2)),
    note:
      `The load generator (autocannon, in this process), the service and the simulator share these ${list.length} cores, ` +
      'so CPU-bound figures (overhead, 503 storms) are lower than on separate machines.',
  };
}

export const loadAverage = () => Number(loadavg()[0]!.toFixed(2));

/**
 * Wait (at most maxSeconds) for the 1-minute load average to drop below
 * `below`, so the run does not start while other work is using the cores.
 * Returns the load average it started with.
 */
export async function waitForQuietMachine(below: number, maxSeconds: number, log: (line: string) => void): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  if (loadAverage() >= below) log(`waiting up to ${maxSeconds} s for the 1-minute load average (${loadAverage()}) to drop below ${below} ...`);
  while (loadAverage() >= below && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2000));
  return loadAverage();
}
