import { afterEach, vi } from 'vitest';
import { createApp, createRequestListener, type AppDeps } from '../../../src/app.js';
import { Admission } from '../../../src/admission/policy.js';
import { createPoolObserver, registerPoolGauges, registerServerModeInfo } from '../../../src/db/pool-metrics.js';
import { createHealthMetrics } from '../../../src/health/metrics.js';
import { Readiness } from '../../../src/health/readiness.js';
import { createRegistry } from '../../../src/metrics/registry.js';
import type { ServerModeReport } from '../../../src/db/connect-data.js';
import type { Registry } from 'prom-client';
import { FakeDatabase } from './fake-database.js';
import { listenEphemeral, type TestServer } from './http.js';
import { memoryLogger, type MemoryLogger } from './memory-logger.js';

/**
 * The app on a real ephemeral server with a fake database (the HTTP layer's
 * tests; pool behaviour is tested against the real driver in
 * test/integration). `listener: 'server'` (the default) serves what main.ts
 * serves, createRequestListener(): the door (http/fast-refusal.ts) in front
 * of Koa; `'koa'` serves createApp().callback() alone.
 */
export const VERSION = '9.8.7-test';

export interface Harness {
  registry: Registry;
  url: string;
  db: FakeDatabase;
  readiness: Readiness;
  log: MemoryLogger;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json(path: string): Promise<{ status: number; headers: Headers; body: Record<string, any> }>;
}

let servers: TestServer[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

export async function start(
  options: {
    listener?: 'server' | 'koa'; logLevel?: string; startedAtMs?: number; serverMode?: ServerModeReport; retryAfterJitter?: number; random?: () => number; databaseReadiness?: 'required' | 'startup' } = {},
): Promise<Harness> {
  const db = new FakeDatabase();
  const log = memoryLogger(options.logLevel ?? 'debug');
  const registry = createRegistry(VERSION);
  createPoolObserver(registry);
  registerPoolGauges(registry, db);
  registerServerModeInfo(registry, options.serverMode ?? { serverType: 'dedicated' });
  const readiness = new Readiness({ poolCreated: () => db.created, maxSuccessAgeSeconds: 60, databaseReadiness: options.databaseReadiness });
  createHealthMetrics(registry, readiness, () => ({ heapUsedBytes: 10, heapLimitBytes: 100, rssBytes: 50, containerLimitBytes: 0 }), {
    memoryHighWatermark: 0.9,
    fleetSessionBudget: 0,
  });
  const admission = new Admission({
    enabled: true,
    eventLoopDelayLimitMs: 1000,
    heapRatioLimit: 0.95,
    figures: () => db.figures(),
    meanHoldSeconds: () => db.meanHoldSeconds(),
    eventLoopDelayMs: () => 0,
    heapRatio: () => 0.1,
    logger: log.logger,
    registry,
  });
  const deps: AppDeps = {
    db,
    readiness,
    admission,
    registry,
    logger: log.logger,
    version: VERSION,
    startedAtMs: options.startedAtMs ?? Date.now(),
    serverMode: options.serverMode ?? { serverType: 'dedicated' },
    ...(options.retryAfterJitter !== undefined ? { retryAfterJitter: options.retryAfterJitter } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
  const server = await listenEphemeral(options.listener === 'koa' ? createApp(deps).callback() : createRequestListener(deps));
  servers.push(server);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
  return {
    registry,
    url: server.url,
    db,
    readiness,
    log,
    get,
    json: async (path) => {
      const response = await get(path);
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
    },
  };
}

