import { ConfigError, loadConfig } from '../config/load.js';
import { connectTarget } from '../db/connect-target.js';
import { runPreflight, type CheckResult } from '../db/preflight.js';
import { environmentWithDotEnv } from '../config/dotenv.js';

/**
 * `npm run check` (in a container: `node dist/cli/check.js`): the preflight
 * operators run before a deployment. Prints each check with PASS/FAIL and,
 * on failure, what to do; exits 1 on any failure. Never prints secrets.
 */
function print(result: CheckResult): void {
  process.stdout.write(`  ${result.ok ? 'PASS' : 'FAIL'}  ${result.name}: ${result.detail}\n`);
  if (result.hint) process.stdout.write(`        -> ${result.hint}\n`);
}

async function main(): Promise<number> {
  process.stdout.write('orapool preflight\n');
  let config;
  try {
    config = loadConfig(environmentWithDotEnv(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print({ name: 'configuration', ok: false, detail: `${error.problems.length} problem(s)` });
    for (const problem of error.problems) process.stdout.write(`        -> ${problem.variable}: ${problem.rule}\n`);
    process.stdout.write('\nFAILED: fix the configuration first.\n');
    return 1;
  }
  const p = config.pool;
  print({
    name: 'configuration',
    ok: true,
    detail: `database ${connectTarget(config.db.connectString)}, pool min=${p.min} max=${p.max} increment=${p.increment} queueTimeout=${p.queueTimeoutSeconds}s queueMax=${p.queueMax} recycle=${p.recycleSeconds}s`,
  });
  const results = await runPreflight(config);
  results.forEach(print);
  const failed = results.filter((r) => !r.ok).length;
  const expected = 3;
  const skipped = expected - results.length;
  if (skipped > 0) process.stdout.write(`  SKIP  ${skipped} later check(s): they need the failed one\n`);
  process.stdout.write(failed === 0 ? '\nAll checks passed.\n' : `\nFAILED: ${failed} check(s) failed.\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
