// @ts-check
/**
 * Mutation testing over src/ (`npm run test:mutation`; see reports/mutation-summary.md).
 * Not part of `npm test` or CI: it is a measure to read, not a gate per push.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  // The in-process suites only: see the comment in vitest.mutation.config.ts.
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'src/**/*.ts',
    // Excluded because no in-process test can reach them; the process-level
    // suites that do run dist/, where no mutant is. Each would report 100%
    // "no coverage", which says nothing new. Bring a file back into the
    // measure as soon as a unit test imports it.
    '!src/main.ts', // composition root: wiring only, covered by lifecycle/health (spawned)
    '!src/cli/**/*.ts', // `orapool check` entry point (spawned by lifecycle.test.ts)
    '!src/**/preflight.ts', // only imported by the check CLI
    '!src/server.ts', // listen(): only imported by main.ts
    '!src/version.ts', // reads package.json at load: only imported by main.ts
  ],
  // Each test's coverage decides which tests run against a mutant.
  coverageAnalysis: 'perTest',
  // Re-runs only mutants whose code or tests changed since the committed
  // result; `npm run test:mutation -- --force` re-runs everything.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores, shared: one vitest worker per core.
  concurrency: 2,
  // Some suites measure wall time (hold times, admission windows); a loaded
  // machine makes them slower, not wrong.
  timeoutFactor: 2,
  timeoutMS: 10_000,
  thresholds: { high: 80, low: 60, break: null },
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['dist', 'bench/results', '.tools', '.vitest', 'reports'],
};

export default config;
