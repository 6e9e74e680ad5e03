import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Tests run the simulator package as it ships (its built dist/, through
    // its exports and bin), so build it first; a no-op when it is up to date.
    globalSetup: ['test/support/build-packages.ts'],
    // Integration and deployment tests start real processes (the service, the
    // simulator, Prometheus, a Docker engine): generous bounds, never retries.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: more workers only make the process-spawning suites fight.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
