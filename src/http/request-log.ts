import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'winston';

/** Paths polled by machines; logged at debug so they do not drown real traffic. */
const quietPaths = new Set(['/livez', '/readyz', '/metrics']);
const validRequestId = /^[\w.:-]{1,128}$/;

/**
 * One log line per request: method, route template, status, duration and
 * the request id, which is taken from X-Request-Id when the caller sent a sane
 * one (so a trace spans the load balancer and us) and made up otherwise. It
 * is echoed in the response and the error bodies.
 */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    const incoming = ctx.get('X-Request-Id');
    const requestId = validRequestId.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
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
