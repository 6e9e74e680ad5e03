import type { Middleware } from 'koa';
import type { Logger } from 'winston';
import { assignRequestId } from './request-id.js';

/** Paths polled by machines; logged at debug so they do not drown real traffic. */
const quietPaths = new Set(['/livez', '/readyz', '/metrics']);

/**
 * One log line per request: method, route template, status, duration and
 * the request id (request-id.ts), which it assigns first so every later
 * middleware and the error bodies see it.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    const requestId = assignRequestId(ctx);
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const level = quietPaths.has(ctx.path) ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        logger.log(level, `${ctx.method} ${routeOf(ctx)} ${ctx.status}`, {
          event: 'request',
          method: ctx.method,
          route: routeOf(ctx),
          status: ctx.status,
          durationMs: Number(durationMs.toFixed(2)),
          requestId,
          ...(ctx.state.errorCode ? { errorCode: ctx.state.errorCode } : {}),
        });
      }
    }
  };
}

/** The route template ("/api/health"), never the raw path, so labels and logs stay bounded. */
export function routeOf(ctx: object): string {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : 'unmatched';
}
