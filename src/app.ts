import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Logger } from 'winston';
import type { Admission } from './admission/policy.js';
import type { ServerModeReport } from './db/connect-data.js';
import type { Database } from './db/types.js';
import type { Readiness } from './health/readiness.js';
import { errorAnswers } from './http/error-handler.js';
import { httpMetrics } from './http/metrics.js';
import { requestLog } from './http/request-log.js';
import { retryAfterSpread } from './http/retry-after.js';
import { healthRoutes } from './http/routes/health.js';
import { healthRefusalBody } from './http/routes/health-refusal-body.js';
import { withFastRefusal } from './http/fast-refusal.js';
import type { RequestObserver } from './http/request-observer.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { probeRoutes } from './http/routes/probes.js';
import { drainConnections } from './shutdown/drain.js';

export interface AppDeps {
  db: Database;
  readiness: Readiness;
  admission: Admission;
  registry: Registry;
  logger: Logger;
  version: string;
  startedAtMs: number;
  serverMode: ServerModeReport;
  /** RETRY_AFTER_JITTER; 0 when absent (exact Retry-After). */
  retryAfterJitter?: number;
  /** For tests of the spread; Math.random otherwise. */
  random?: () => number;
}

/**
 * Build the Koa app from its dependencies. It never listens (koa's lesson):
 * tests drive app.callback() or a server of their own, main.ts listens on
 * createRequestListener().
 */
export function createApp(deps: AppDeps): Koa {
  return buildApp(deps, requestObservers(deps));
}

/**
 * What the server answers with: the Koa app behind the door that answers
 * refusals without it (http/fast-refusal.ts). Both share one set of
 * observers, so a request is counted once whichever answers it.
 */
export function createRequestListener(deps: AppDeps): RequestListener {
  const observers = requestObservers(deps);
  const app = buildApp(deps, observers);
  return withFastRefusal(
    {
      db: deps.db,
      logger: deps.logger,
      observers,
      body: healthRefusalBody(deps),
      retryAfterSeconds: () => deps.admission.retryAfterSeconds(),
      retryAfter: retryAfterOf(deps),
    },
    app.callback(),
  );
}

function requestObservers(deps: AppDeps): RequestObserver[] {
  return [httpMetrics(deps.registry), drainConnections(() => deps.readiness.shuttingDown)];
}

const retryAfterOf = (deps: AppDeps) => retryAfterSpread(deps.retryAfterJitter ?? 0, deps.random);

function buildApp(deps: AppDeps, observers: readonly RequestObserver[]): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are answered and logged by errorAnswers (on the request log's frame); koa's default would print stacks to stderr.
  app.silent = true;

  // One frame for the log line, the error answers, the metrics and the drain header: one Koa layer, not four.
  app.use(requestLog(deps.logger, observers, errorAnswers(deps.logger, () => deps.admission.retryAfterSeconds(), retryAfterOf(deps))));

  // One router, so a request is matched once. allowedMethods without
  // `throw`: the router sets 405 (or 501) and the Allow header; errorAnswers
  // turns the empty response into our JSON error.
  const router = new Router();
  probeRoutes(router, deps.readiness);
  metricsRoutes(router, deps.registry, deps.logger);
  healthRoutes(router, deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
