import { describe, expect, it } from 'vitest';
import { startService } from '../support/processes.js';
import { dbEnv, metricValue, needsSimulatorReason, realOracle, startDatabase, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

/**
 * Load is not an outage: with the real driver's WAIT pool saturated (queue
 * timeouts, queue full, shedding), the replica stays in the Service and
 * keeps answering its probes and scrapes. If it did not, every replica would
 * leave the load balancer at once under load, which is the outage.
 */
interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  ms: number;
}

async function call(url: string): Promise<Answer> {
  const start = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    // /metrics is not JSON
  }
  return { status: response.status, code, retryAfter: response.headers.get('retry-after'), ms: performance.now() - start };
}

/** Calls `fn` back to back until `done` settles; returns every result. */
async function sampleUntil<T>(done: Promise<unknown>, fn: () => Promise<T>): Promise<T[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const samples: T[] = [];
  while (!finished) samples.push(await fn());
  samples.push(await fn());
  return samples;
}

describe.skipIf(realOracle)(`a busy pool (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const t = stackPerTest();

  it('keeps /readyz 200 and orapool_database_up 1 through queue timeouts and queue-full rejections', async () => {
    const statementMs = 1200;
    t.db = await startDatabase({ statementLatency: statementMs });
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '2',
      DB_POOL_MAX: '2',
      DB_POOL_TIMEOUT: '0.3',
      DB_POOL_QUEUE_MAX: '2',
      // The background probe runs several times during the load, and meets the busy pool.
      DB_PROBE_INTERVAL: '0.5',
      ADMISSION_CONTROL: 'false',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    const url = t.service.url;

    // Three waves of 8 callers against 2 connections and 2 queue places:
    // each wave has 2 served, 2 queue timeouts (0.3 s < 1.2 s statements) and 4 queue-full rejections.
    const load = (async () => {
      const answers: Answer[] = [];
      for (let wave = 0; wave < 3; wave++) answers.push(...(await Promise.all(Array.from({ length: 8 }, () => call(`${url}/api/health`)))));
      return answers;
    })();
    const readyz = await sampleUntil(load, () => call(`${url}/readyz`));
    const answers = await load;
    const codes = answers.map((a) => a.code ?? String(a.status));
    expect(codes.filter((c) => c === 'POOL_QUEUE_TIMEOUT').length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 'POOL_QUEUE_FULL').length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);

    expect(readyz.length).toBeGreaterThan(5);
    expect(readyz.filter((a) => a.status !== 200)).toEqual([]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_database_up')).toBe(1);
    expect(metricValue(metrics, 'orapool_pool_queue_timeouts_total')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'orapool_pool_queue_full_rejections_total')).toBeGreaterThan(0);
    // Nor did the probe (which borrows like a request, every 0.5 s here) ever call the database down.
    expect(t.service.logs().filter((e) => e.event === 'database_down')).toEqual([]);
  });

  it('answers /livez, /readyz and /metrics at once while admission control is shedding /api/health', async () => {
    t.db = await startDatabase({ statementLatency: 1000 });
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '1',
      DB_POOL_TIMEOUT: '2',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    const url = t.service.url;
    // Teach the t.service the hold time (about 1 s) with one request.
    expect((await call(`${url}/api/health`)).status).toBe(200);
    const load = Promise.all(Array.from({ length: 8 }, () => call(`${url}/api/health`)));
    await t.service.waitForLog((e) => e.event === 'shedding_started', 5000);
    // Sampled while the shed requests are being answered and the admitted ones queue.
    const probes = await Promise.all(['/livez', '/readyz', '/metrics'].map((path) => call(`${url}${path}`)));
    const answers = await load;
    expect(answers.filter((a) => a.code === 'OVERLOADED').length).toBeGreaterThan(0);
    for (const probe of probes) {
      expect(probe.status).toBe(200);
      // At once: not queued behind the 1 s statements (a probe stuck behind them would take >= 1 s).
      expect(probe.ms).toBeLessThan(500);
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_shed_requests_total{reason="expected_wait"}')).toBeGreaterThan(0);
  });
});
