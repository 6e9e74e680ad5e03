// Throughput of the real driver pool against the Oracle simulator.
//
//   npm run bench:sim -- [--ops 20000 | --seconds 10] [--latency-ms 0]
//                        [--pool-max 40] [--borrowers 200] [--tls | --compare-tls [--rounds 3]]
//
// --tls: the simulator listens with mutual TLS and the pool connects with its
// generated wallet. --compare-tls: plain TCP and TLS runs with the same
// settings, alternated `--rounds` times (default 1), and the ratio of their
// median throughputs (TLS / plain) in the last JSON line. Each run also
// reports the CPU (in cores) the simulator and the bench process used: the
// simulator is not the bottleneck while it uses less than its client.
//
// The simulator runs as a separate process (in-process it would compete with
// the client for the event loop and the numbers would measure both). Each op
// is borrow + SELECT 1 FROM DUAL + release; its time includes queueing for a
// pooled connection. Prints a table and one JSON line, then exits.
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import oracledb from 'oracledb';
import { startSimulatorProcess } from '@orapool/oracle-sim';

interface Args {
  ops?: number;
  seconds?: number;
  latencyMs: number;
  poolMax: number;
  borrowers: number;
  modes: Array<'tcp' | 'tls'>;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): number | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got "${raw}"`);
    return n;
  };
  const ops = get('ops');
  const seconds = get('seconds');
  return {
    ops: ops ?? (seconds === undefined ? 20_000 : undefined),
    seconds,
    latencyMs: get('latency-ms') ?? 0,
    poolMax: get('pool-max') ?? 40,
    borrowers: get('borrowers') ?? 200,
    modes: argv.includes('--compare-tls') ? ['tcp', 'tls'] : argv.includes('--tls') ? ['tls'] : ['tcp'],
    rounds: Math.max(1, get('rounds') ?? 1),
  };
}

/** CPU seconds a process has used (Linux /proc; null elsewhere): to tell whether the simulator is the bottleneck. */
async function cpuSeconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results: Array<{ transport: string; opsPerSecond: number; errors: number }> = [];
  for (let round = 0; round < args.rounds; round++) for (const mode of args.modes) results.push(await run(args, mode));
  if (args.modes.length === 2) {
    const median = (t: string) => {
      const v = results.filter((r) => r.transport === t).map((r) => r.opsPerSecond).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)]!;
    };
    const [tcp, tls] = [median('tcp'), median('tls')];
    const ratio = Number((tls / tcp).toFixed(3));
    process.stdout.write(`sim-throughput: TLS / plain TCP = ${ratio} (median ops/s over ${args.rounds} round(s): ${tls} / ${tcp})\n`);
    process.stdout.write(`${JSON.stringify({ event: 'sim-throughput-tls-ratio', rounds: args.rounds, tcpOpsPerSecond: tcp, tlsOpsPerSecond: tls, ratio })}\n`);
  }
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
}

async function run(args: Args, mode: 'tcp' | 'tls'): Promise<{ transport: string; opsPerSecond: number; errors: number }> {
  // a throwaway wallet password: never printed, the wallet is removed after the run
  const walletPassword = randomBytes(12).toString('hex');
  const tlsArgs = mode === 'tls' ? ['--tls', '--wallet-password', walletPassword] : [];
  const sim = await startSimulatorProcess(['--latency-ms', String(args.latencyMs), ...tlsArgs], { detached: false, inheritStderr: true });
  // never hang: a stuck run is a failed run
  const budgetMs = ((args.seconds ?? 0) + 120) * 1000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: no result after ${budgetMs / 1000} s, giving up\n`);
    void sim.stop().finally(() => process.exit(1));
  }, budgetMs);
  watchdog.unref();

  const pool = await oracledb.createPool({
    user: 'orapool',
    password: 'orapool-sim',
    connectString: sim.connectString,
    ...(sim.tls ? { walletLocation: sim.tls.walletDir, walletPassword } : {}),
    poolMin: 0,
    poolMax: args.poolMax,
    queueMax: -1,
    queueTimeout: 60_000,
  });
  const times: number[] = [];
  let errors = 0;
  let issued = 0;
  const deadline = args.seconds !== undefined ? Date.now() + args.seconds * 1000 : Infinity;
  const more = () => (args.ops !== undefined ? issued < args.ops : Date.now() < deadline);
  const started = process.hrtime.bigint();
  const simCpuBefore = await cpuSeconds(sim.child.pid);
  const clientCpuBefore = process.cpuUsage();
  try {
    await Promise.all(
      Array.from({ length: args.borrowers }, async () => {
        while (more()) {
          issued++;
          const t0 = process.hrtime.bigint();
          let conn: oracledb.Connection | undefined;
          try {
            conn = await pool.getConnection();
            const r = await conn.execute<[number]>('SELECT 1 FROM DUAL');
            if (r.rows?.[0]?.[0] !== 1) throw new Error('unexpected result');
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch {
            errors++;
          } finally {
            await conn?.close().catch(() => errors++);
          }
        }
      }),
    );
  } finally {
    await pool.close(0).catch(() => {});
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const simCpuAfter = await cpuSeconds(sim.child.pid);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  // share of one core each side used during the run: the simulator is not the bottleneck while its share stays below the client's
  const simCpuCores = simCpuBefore === null || simCpuAfter === null ? null : Number(((simCpuAfter - simCpuBefore) / seconds).toFixed(2));
  const clientCpuCores = Number(((clientCpu.user + clientCpu.system) / 1e6 / seconds).toFixed(2));
  const statsRes = await fetch(`http://127.0.0.1:${sim.controlPort}/stats`).catch(() => null);
  const simStats = statsRes ? ((await statsRes.json()) as { sessionsPeak?: number }) : {};
  await sim.stop();
  if (sim.tls) await rm(sim.tls.walletDir, { recursive: true, force: true });
  clearTimeout(watchdog);

  times.sort((a, b) => a - b);
  const result = {
    ops: times.length,
    seconds: Number(seconds.toFixed(3)),
    opsPerSecond: Math.round(times.length / seconds),
    p50Ms: Number(percentile(times, 50).toFixed(2)),
    p95Ms: Number(percentile(times, 95).toFixed(2)),
    p99Ms: Number(percentile(times, 99).toFixed(2)),
    errors,
    poolMax: args.poolMax,
    borrowers: args.borrowers,
    latencyMs: args.latencyMs,
    transport: mode,
    simCpuCores,
    clientCpuCores,
    sessionsPeak: simStats.sessionsPeak ?? null,
  };
  const rows: Array<[string, string]> = [
    ['ops', String(result.ops)],
    ['seconds', result.seconds.toFixed(2)],
    ['ops/s', String(result.opsPerSecond)],
    ['p50 ms', result.p50Ms.toFixed(2)],
    ['p95 ms', result.p95Ms.toFixed(2)],
    ['p99 ms', result.p99Ms.toFixed(2)],
    ['errors', String(result.errors)],
    ['sim CPU', simCpuCores === null ? 'n/a' : `${simCpuCores} cores`],
    ['bench CPU', `${clientCpuCores} cores`],
  ];
  process.stdout.write(
    `sim-throughput (${mode === 'tls' ? 'mutual TLS' : 'plain TCP'}): pool ${args.poolMax}, ${args.borrowers} borrowers, SELECT 1 FROM DUAL, statement latency ${args.latencyMs} ms\n`,
  );
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(8)} ${v.padStart(10)}\n`);
  process.stdout.write(`${JSON.stringify({ event: 'sim-throughput', ...result })}\n`);
  return result;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
