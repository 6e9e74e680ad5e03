import { defineConfig } from 'vitest/config';

/**
 * The suites Stryker runs against each mutant (`npm run test:mutation`).
 *
 * Only tests that load src/ in the test process itself can see a mutant:
 * Stryker instruments the TypeScript sources in its sandbox, and vitest
 * imports them from there. Left out, and why:
 * - test/integration/* that spawn `node dist/main.js` or `node dist/cli/*.js`
 *   (lifecycle, resilience, pool-queue, health): they run the built dist/,
 *   which holds no mutants, so they would only add minutes and kill nothing.
 * - test/deploy/* and test/bench/*: images, manifests, load runs (processes).
 * - the tests under packages/oracle-sim/test: tests of the simulator itself (not src/).
 * Kept: every unit suite, and pool-fairness, pool-lifecycle and pool-resize, the integration
 * suites that drive OraclePool in-process over the real driver and an
 * in-process simulator (about 0.2 s and 6 s). A new in-process integration suite belongs in the list below.
 * Also left out: test/unit/structure.test.ts. It reads
 * src/ as text (line counts, spelled error codes), and in Stryker's sandbox
 * src/ holds the instrumented sources, so it would fail the initial run.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/pool-fairness.test.ts', 'test/integration/pool-lifecycle.test.ts', 'test/integration/pool-resize.test.ts'],
    exclude: ['test/unit/structure.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
