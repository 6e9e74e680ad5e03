import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectRoot, startService } from '../support/processes.js';
import { dbEnv, getJson, startDatabase, waitUntilReady } from '../support/database-target.js';
import { MEMORY_CHECK_INTERVAL_SECONDS } from '../../src/health/memory.js';
import { stackPerTest } from '../support/stack.js';

/** src/health/memory.ts: MemoryWatch.start() checks every 5 s (main.ts uses the default). */
const MEMORY_CHECK_INTERVAL_MS = MEMORY_CHECK_INTERVAL_SECONDS * 1000;
/** A busy 2-core machine: allocating/freeing the ballast, GC, scheduling. */
const BUSY_MACHINE_ALLOWANCE_MS = 3000;

const MiB = 1024 * 1024;
/** The stand-in container limit (the fixture serves it as cgroup memory.max); RSS is the process's real one. */
const LIMIT = 1024 * MiB;
const BALLAST = 384 * MiB;
const HIGH = 0.3;
const LOW = 0.2;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * MEMORY_HIGH_WATERMARK / MEMORY_LOW_WATERMARK wired through the running
 * service: real RSS growth (a ballast the preloaded fixture allocates on
 * SIGUSR2 and frees on the next) against a stand-in container limit, because
 * a test host has no cgroup limit of its own (test/support/memory-ballast.mjs).
 */
describe.skipIf(process.platform !== 'linux')('memory watermarks', () => {
  const t = stackPerTest();

  it('turns /readyz 503 with the memory reason above MEMORY_HIGH_WATERMARK, logs start and end of pressure, and recovers below MEMORY_LOW_WATERMARK', async () => {
    t.db = await startDatabase();
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '2',
      MEMORY_HIGH_WATERMARK: String(HIGH),
      MEMORY_LOW_WATERMARK: String(LOW),
      SHUTDOWN_DELAY_SECONDS: '0',
      NODE_OPTIONS: `--expose-gc --import=${projectRoot}test/support/memory-ballast.mjs`,
      ORAPOOL_TEST_MEMORY_LIMIT_BYTES: String(LIMIT),
      ORAPOOL_TEST_BALLAST_BYTES: String(BALLAST),
    });
    await waitUntilReady(t.service);
    const pid = t.service.child.pid!;
    const listening = t.service.logs().find((e) => e.event === 'listening')!;
    // The t.service measured the stand-in limit (the fixture is in place)...
    expect(listening.containerMemoryLimitBytes).toBe(LIMIT);
    // ...and the scenario is meaningful: idle is below the low watermark, idle + ballast above the high one.
    expect(rssOf(pid)).toBeLessThan(LOW * LIMIT);
    expect(rssOf(pid) + BALLAST).toBeGreaterThan(HIGH * LIMIT * 1.2);

    const bound = MEMORY_CHECK_INTERVAL_MS + BUSY_MACHINE_ALLOWANCE_MS;
    t.service.child.kill('SIGUSR2');
    const held = await t.service.waitForLog((e) => e.event === 'test_ballast' && e.held === true);
    expect(held.rssBytes as number).toBeGreaterThan(HIGH * LIMIT);
    const start = await t.service.waitForLog((e) => e.event === 'memory_pressure_start', bound);
    expect(start.level).toBe('warn');
    expect(start.rssBytes as number).toBeGreaterThan(HIGH * LIMIT);
    const pressured = await getJson(`${t.service.url}/readyz`);
    expect(pressured.status).toBe(503);
    expect(pressured.body.reasons).toEqual(['memory above MEMORY_HIGH_WATERMARK']);
    // Not an outage of liveness: only readiness turns off.
    expect((await fetch(`${t.service.url}/livez`)).status).toBe(200);

    t.service.child.kill('SIGUSR2');
    // (V8 may hand the freed backing store back to the system a little after gc(): the watch's next check sees it.)
    await t.service.waitForLog((e) => e.event === 'test_ballast' && e.held === false);
    const end = await t.service.waitForLog((e) => e.event === 'memory_pressure_end', bound);
    expect(end.rssBytes as number).toBeLessThan(LOW * LIMIT);
    const recovered = await getJson(`${t.service.url}/readyz`);
    expect(recovered.status).toBe(200);

    // One line per crossing, not one per check.
    expect(t.service.logs().filter((e) => e.event === 'memory_pressure_start')).toHaveLength(1);
    expect(t.service.logs().filter((e) => e.event === 'memory_pressure_end')).toHaveLength(1);
  });
});
