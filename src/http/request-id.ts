import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'koa';

const validRequestId = /^[\w.:-]{1,128}$/;

/**
 * Give the request its id: X-Request-Id when the caller sent a sane one (so
 * a trace spans the load balancer and us), a new UUID otherwise. Kept in
 * ctx.state.requestId for the log line, the slow-hold warning and error
 * bodies, and echoed in the response. A function the request log calls
 * first, not a middleware of its own: one fewer promise per request.
 */
export function assignRequestId(ctx: Context): string {
  // The raw header, as the door reads it (fast-refusal.ts): ctx.get() lower-cases the name on every call.
  const id = requestIdOf(ctx.req.headers);
  ctx.state.requestId = id;
  ctx.set('X-Request-Id', id);
  return id;
}

/**
 * The request's id from its raw headers (here and at the door). node:http
 * joins a repeated X-Request-Id into one string, as it does every header it
 * does not know; the joined value is not a sane id.
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  return requestIdFrom(headers['x-request-id'] as string | undefined);
}

/** The caller's X-Request-Id when it is sane, else a new UUID. */
function requestIdFrom(incoming: string | undefined): string {
  return incoming !== undefined && validRequestId.test(incoming) ? incoming : randomUUID();
}
