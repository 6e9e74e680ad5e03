import { describe, expect, it } from 'vitest';
import { startService } from '../support/processes.js';
import { dbEnv, metricValue, needsSimulatorReason, realOracle, startDatabase, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

/**
 * WAIT semantics, queue timeout, queue full and admission control, with the
 * real oracledb pool doing the queueing. Latency comes from the simulator.
 */
interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  ms: number;
}

async function callHealth(url: string): Promise<Answer> {
  const start = performance.now();
  const response = await fetch(`${url}/api/health`);
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after'), ms: performance.now() - start };
}

const concurrently = (n: number, url: string) => Promise.all(Array.from({ length: n }, () => callHealth(url)));

/** Scheduling and HTTP overhead on a loaded 2-core machine, on top of a configured time. */
const BUSY_MACHINE_ALLOWANCE_MS = 750;

describe.skipIf(realOracle)(`pool queueing (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const t = stackPerTest();

  it('queues instead of failing: pool max 2, 200 ms statements, 20 concurrent callers all get 200', async () => {
    const statementMs = 200;
    const poolMax = 2;
    const callers = 20;
    t.db = await startDatabase({ statementLatency: statementMs });
    t.service = await startService({ ...dbEnv(t.db), DB_POOL_MIN: '1', DB_POOL_MAX: String(poolMax), SHUTDOWN_DELAY_SECONDS: '0' });
    await waitUntilReady(t.service);
    const answers = await concurrently(callers, t.service.url);
    expect(answers.map((a) => a.status)).toEqual(Array(callers).fill(200));
    // They really queued: 20 statements of 200 ms through 2 connections take 10 turns (2 s) at least.
    expect(Math.max(...answers.map((a) => a.ms))).toBeGreaterThanOrEqual((callers / poolMax) * statementMs);
    expect(t.db.sim!.stats().sessionsPeak).toBeLessThanOrEqual(2);
  });

  it('answers 503 + Retry-After with POOL_QUEUE_TIMEOUT when the wait exceeds DB_POOL_TIMEOUT, and counts it', async () => {
    t.db = await startDatabase({ statementLatency: 3000 });
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '2',
      DB_POOL_MAX: '2',
      DB_POOL_TIMEOUT: '1',
      ADMISSION_CONTROL: 'false',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    const answers = await concurrently(6, t.service.url);
    const timedOut = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(timedOut).toHaveLength(4);
    for (const a of timedOut) {
      expect(a.code).toBe('POOL_QUEUE_TIMEOUT');
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      // Bounded by the 1 s queue timeout (DB_POOL_TIMEOUT), not by the 3 s statements.
      expect(a.ms).toBeGreaterThanOrEqual(1000);
      expect(a.ms).toBeLessThan(1000 + BUSY_MACHINE_ALLOWANCE_MS);
    }
    const metrics = await (await fetch(`${t.service.url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_pool_queue_timeouts_total')).toBe(4);
    expect(metricValue(metrics, 'orapool_pool_acquire_failures_total{cause="queue_timeout"}')).toBe(4);
  });

  it('answers 503 at once with POOL_QUEUE_FULL beyond DB_POOL_QUEUE_MAX waiters', async () => {
    t.db = await startDatabase({ statementLatency: 1000 });
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '2',
      DB_POOL_MAX: '2',
      DB_POOL_QUEUE_MAX: '2',
      ADMISSION_CONTROL: 'false',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    const answers = await concurrently(8, t.service.url);
    const full = answers.filter((a) => a.code === 'POOL_QUEUE_FULL');
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4); // 2 running + 2 queued
    expect(full).toHaveLength(4);
    for (const a of full) {
      expect(a.status).toBe(503);
      expect(a.retryAfter).not.toBeNull();
      // Rejected at once: well under one 1 s statement, which a queued request would wait at least.
      expect(a.ms).toBeLessThan(1000 / 2);
    }
    const metrics = await (await fetch(`${t.service.url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_pool_queue_full_rejections_total')).toBe(4);
  });

  it('sheds with OVERLOADED and a computed Retry-After when the expected wait exceeds the queue timeout', async () => {
    t.db = await startDatabase({ statementLatency: 1000 });
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '1',
      DB_POOL_TIMEOUT: '2',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    // Teach the t.service the hold time (about 1 s) with one request.
    expect((await callHealth(t.service.url)).status).toBe(200);
    const answers = await concurrently(6, t.service.url);
    const shed = answers.filter((a) => a.code === 'OVERLOADED');
    expect(shed.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 500)).toHaveLength(0);
    expect(answers.filter((a) => a.code === 'POOL_QUEUE_TIMEOUT')).toHaveLength(0);
    for (const a of shed) {
      expect(a.status).toBe(503);
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(2);
      // Shed at once: well under one 1 s statement, which an admitted request would wait at least.
      expect(a.ms).toBeLessThan(1000 / 2);
    }
    const metrics = await (await fetch(`${t.service.url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_shed_requests_total{reason="expected_wait"}')).toBe(shed.length);
    // One line when shedding starts, not one per shed request.
    expect(t.service.logs().filter((e) => e.event === 'shedding_started')).toHaveLength(1);
  });
});
