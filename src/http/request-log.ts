import type { Middleware } from 'koa';
import type { Logger } from 'winston';
import type { ErrorAnswers } from './error-handler.js';
import { levelGate } from './log-level-gate.js';
import { assignRequestId } from './request-id.js';
import type { ObservedRequest, RequestObserver } from './request-observer.js';

/** Paths polled by machines; logged at debug so they do not drown real traffic. */
const quietPaths = new Set(['/livez', '/readyz', '/metrics']);

/**
 * One log line per request: method, route template, status, duration and
 * the request id (request-id.ts), which it assigns first so every later
 * middleware and the error bodies see it. The observers (HTTP metrics, the
 * drain header) ride on the same frame and the same clock reading, and so do
 * the error handler's answers when given (error-handler.ts): each Koa layer
 * is a promise, a bound dispatch and a reaction per request.
 */
export function requestLog(logger: Logger, observers: readonly RequestObserver[] = [], answers?: ErrorAnswers): Middleware {
  const enabled = levelGate(logger);
  // Not async: a request waiting for a connection (a second at 1000 users) would hold a suspended frame; a closure is smaller.
  return (ctx, next) => {
    const start = performance.now();
    const requestId = assignRequestId(ctx);
    for (const o of observers) o.started?.(ctx);
    const finish = () => {
      const durationMs = performance.now() - start;
      for (const o of observers) o.finished(ctx, durationMs / 1e3);
      // Checked before the path is read and the fields are built: a line that will not be written costs nothing else.
      if (!enabled('info')) return;
      const level = quietPaths.has(ctx.path) ? 'debug' : 'info';
      if (enabled(level)) writeRequestLine(logger, level, ctx, durationMs, requestId, ctx.state.errorCode as string | undefined);
    };
    if (answers) {
      return next().then(
        () => (answers.settled(ctx), finish()),
        (thrown: unknown) => (answers.thrown(ctx, thrown), finish()),
      );
    }
    return next().then(finish, (error: unknown) => {
      finish();
      throw error;
    });
  };
}

/** The request's log line: here and at the door (fast-refusal.ts), so both write the same. */
export function writeRequestLine(logger: Logger, level: string, request: ObservedRequest, durationMs: number, requestId: string, errorCode: string | undefined): void {
  logger.log(level, `${request.method} ${routeOf(request)} ${request.status}`, {
    event: 'request',
    method: request.method,
    route: routeOf(request),
    status: request.status,
    durationMs: Number(durationMs.toFixed(2)),
    requestId,
    ...(errorCode ? { errorCode } : {}),
  });
}

/** The route template ("/api/health"), never the raw path, so labels and logs stay bounded. */
export function routeOf(ctx: object): string {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : 'unmatched';
}
