import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { describeError } from '../logger.js';
import type { Database } from '../db/types.js';
import { toAppError, type AppError } from './errors.js';
import { levelGate } from './log-level-gate.js';
import { requestIdOf } from './request-id.js';
import { writeRequestLine } from './request-log.js';
import type { ObservedRequest, RequestObserver } from './request-observer.js';
import type { RetryAfter } from './retry-after.js';
import { HEALTH_PATH, JSON_CONTENT_TYPE } from './routes/health.js';

export interface FastRefusalDeps {
  db: Pick<Database, 'refusal'>;
  logger: Logger;
  /** The same observers the Koa app's request log calls (HTTP metrics, the drain header). */
  observers: readonly RequestObserver[];
  /** The refusal's JSON text: the route's facts beside the error (routes/health-refusal-body.ts). */
  body: (error: AppError, thrown: unknown, requestId: string) => string;
  /** Admission control's expected wait, for the refusals that carry no estimate of their own. */
  retryAfterSeconds: () => number;
  /** The app's Retry-After spread (retry-after.ts). */
  retryAfter: RetryAfter;
}

/**
 * Refusals at the door. Under overload most requests to the database route
 * are refused (a full queue, an open breaker: Database.refusal()), and a
 * refusal answered through Koa pays for a context, the middleware chain and
 * the router before it says no: more than node:http's own work per request.
 * In a burst of new connections that is what the last client in the accept
 * queue waits for. So the server asks the database layer first and, when it
 * refuses, writes here exactly what the route and the error handler would:
 * the status, X-Request-Id, Retry-After, the JSON body, the HTTP metrics, the
 * drain header and the log line. Everything else, including every request
 * that is let in, goes to Koa, whose route asks again (a question without
 * side effects when the answer is no refusal).
 */
export function withFastRefusal(deps: FastRefusalDeps, koa: RequestListener): RequestListener {
  const enabled = levelGate(deps.logger);
  return (req, res) => {
    if (req.method !== 'GET' || !isHealthUrl(req.url ?? '')) return koa(req, res);
    const refused = deps.db.refusal?.();
    if (!refused) return koa(req, res);
    try {
      refuse(deps, enabled, req, res, refused);
    } catch (thrown) {
      // A bug here must not take the process down: log it, and let Koa answer (nothing was written: end() is the last step).
      deps.logger.error('Unhandled error', { event: 'unhandled_error', error: describeError(thrown) });
      koa(req, res);
    }
  };
}

/** The route's own path, with or without a query: other spellings (a trailing slash, upper case) still reach the route through Koa. */
function isHealthUrl(url: string): boolean {
  return url.startsWith(HEALTH_PATH) && (url.length === HEALTH_PATH.length || url.charCodeAt(HEALTH_PATH.length) === 63 /* ? */);
}

function refuse(deps: FastRefusalDeps, enabled: (level: string) => boolean, req: IncomingMessage, res: ServerResponse, refused: Error): void {
  const start = performance.now();
  const requestId = requestIdOf(req.headers);
  const error = toAppError(refused, deps.retryAfterSeconds);
  const body = deps.body(error, refused, requestId);
  // Written at once by writeHead, not one setHeader each: what Koa would have set, and what the observers add.
  const headers: Record<string, string | number> = { 'X-Request-Id': requestId };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(deps.retryAfter(error.retryAfterSeconds));
  headers['Content-Type'] = JSON_CONTENT_TYPE;
  headers['Content-Length'] = Buffer.byteLength(body);
  const request: ObservedRequest = { method: 'GET', status: error.status, _matchedRoute: HEALTH_PATH, set: (field, value) => void (headers[field] = value) };
  for (const o of deps.observers) o.started?.(request);
  const durationMs = performance.now() - start;
  for (const o of deps.observers) o.finished(request, durationMs / 1e3);
  if (enabled('info')) writeRequestLine(deps.logger, 'info', request, durationMs, requestId, error.code);
  res.writeHead(error.status, headers).end(body);
}
