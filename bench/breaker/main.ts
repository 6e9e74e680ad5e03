// npm run bench:breaker [-- --users 150] [--hold 10] [--out DIR]
//
// The database circuit breaker under load (issue 10, section 4): the
// simulator (statement latency 50 ms) and the built service (run `npm run
// build` first) as separate processes, 150 closed-loop users on GET
// /api/health, then the database frozen (TCP accepted, nothing answered) or
// refusing (every session killed, the listener refusing), held, and brought
// back, once with clients that honour Retry-After and once with clients that
// do not. Judged for the first, per fault, and printed as met / not met
// (never asserted); the second is reported as the worst case:
//   - p99 of every response to a request sent after the breaker opened <= 50 ms;
//   - throughput back to >= 90% of the pool bound within 2 probe intervals of recovery.
// The baseline throughput measured in the same run, before the fault, is
// reported beside the bound. Writes bench/results/breaker-results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../test/support/processes.js';
import { serviceIsBuilt } from '../load/run.js';
import { runBreakerBenchmark } from './run.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
  };
  const users = Number(flag('users', '150'));
  const holdSeconds = Number(flag('hold', '10'));
  if (!Number.isInteger(users) || users < 1 || !(holdSeconds > 0)) {
    process.stderr.write('usage: npm run bench:breaker -- [--users 150] [--hold 10] [--out DIR]\n');
    process.exit(2);
  }
  const outDir = flag('out', join(projectRoot, 'bench/results'));
  if (!serviceIsBuilt()) {
    process.stderr.write('bench:breaker: dist/main.js is missing; run `npm run build:sim && npm run build` first\n');
    process.exit(2);
  }
  const results = await runBreakerBenchmark({
    users,
    statementLatencyMs: 50,
    probeIntervalSeconds: 5,
    warmupMs: 3000,
    baselineMs: 5000,
    holdMs: holdSeconds * 1000,
    clients: ['polite', 'storm'],
    log: (line) => process.stderr.write(`[bench:breaker] ${line}\n`),
  });
  for (const v of results.targets) process.stdout.write(`${v.met === null ? 'reference' : v.met ? 'met' : 'NOT MET'}: ${v.target}\n    ${v.detail}\n`);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'breaker-results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`[bench:breaker] wrote ${file}\n`);
}

await main();
