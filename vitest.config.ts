import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration and deployment tests start real processes (the service, the
    // simulator, Prometheus, a Docker engine): generous bounds, never retries.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: more workers only make the process-spawning suites fight.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
