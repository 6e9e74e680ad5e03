import type Router from '@koa/router';
import type { Admission } from '../../admission/policy.js';
import { toDbError } from '../../db/oracle-errors.js';
import type { ServerModeReport } from '../../db/connect-data.js';
import type { Database } from '../../db/types.js';
import { probeRoundTrip } from '../../health/db-probe.js';
import type { Readiness } from '../../health/readiness.js';
import { AppError, ErrorCode, publicMessages, toAppError } from '../errors.js';
import { healthyBody, uptimeSeconds, type HealthPoolReport } from './health-body.js';

export interface HealthDeps {
  db: Database;
  readiness: Readiness;
  admission: Admission;
  version: string;
  startedAtMs: number;
  /** Dedicated or DRCP, as configured: reported beside reachability, never the connect string. */
  serverMode: ServerModeReport;
}

/**
 * GET /api/health: the path load tests drive. Every call borrows a pooled
 * connection and runs the round-trip (db/round-trip.ts), so it measures
 * exactly what an API request pays: queueing for a connection plus one
 * round-trip. Failures are answered by the error handler, with the pool
 * figures beside the error.
 */
/** The route's path, as the door (fast-refusal.ts) matches it too. */
export const HEALTH_PATH = '/api/health';

/** What Koa answers for `ctx.type = 'json'`; the door's refusals carry it too. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function healthRoutes(router: Router, deps: HealthDeps): void {
  const refusalDetails = healthRefusalDetails(deps);
  const body = healthyBody(deps.serverMode, deps.version);

  // A failure becomes its 503 with the route's facts beside it; a bug (INTERNAL) goes on as it is, to a 500 without details.
  const fail = (thrown: unknown): never => {
    const error = toAppError(thrown, () => deps.admission.retryAfterSeconds());
    if (error.code === ErrorCode.INTERNAL) throw thrown;
    error.details = refusalDetails(error, thrown);
    throw error;
  };

  // Not async: a request waiting for a connection holds a closure, not a suspended frame.
  router.get(HEALTH_PATH, (ctx) => {
    // A database known down (or a full queue) answers before admission control, whose expected wait it skews.
    const refused = deps.db.refusal?.();
    if (refused) return fail(refused);
    const decision = deps.admission.decide();
    if (!decision.admit) return fail(AppError.fast(ErrorCode.OVERLOADED, 503, `shed: ${decision.reason}`, decision.retryAfterSeconds));
    return probeRoundTrip(deps.db, deps.readiness, { route: HEALTH_PATH, requestId: ctx.state.requestId as string }).then((seconds) => {
      // Text, not an object for Koa to stringify: this is every request's body (health-body.ts). The
      // header as Koa's `ctx.type = 'json'` writes it, without its MIME database lookups on every request.
      ctx.set('Content-Type', JSON_CONTENT_TYPE);
      ctx.body = body({ roundTripSeconds: seconds, pool: deps.db.figures(), uptimeMs: Date.now() - deps.startedAtMs });
    }, fail);
  });
}

/**
 * The facts /api/health gives beside a 503 (the error handler renders them
 * with the error): the route's and the door's (fast-refusal.ts), the same.
 */
export function healthRefusalDetails(deps: Omit<HealthDeps, 'admission'>): (error: AppError, thrown: unknown) => Record<string, unknown> {
  return (error, thrown) => ({
    status: 'unavailable',
    reason: refusalReason(deps.readiness, error),
    database: { reachable: reachableAfter(error, thrown), ...deps.serverMode },
    pool: poolReport(deps.db),
    version: deps.version,
    uptimeSeconds: uptimeSeconds(Date.now() - deps.startedAtMs),
  });
}

/** A busy pool (or a shed request) is not an unreachable database: only say "unreachable" (false) when it is; null is unknown. */
export function reachableAfter(error: AppError, thrown: unknown): null | false {
  return error.code === ErrorCode.OVERLOADED || toDbError(thrown)?.busy === true ? null : false;
}

/** The refusal's reason: the public message of its code, or for an unavailable database what readiness knows of the outage. */
export function refusalReason(readiness: Readiness, error: AppError): string {
  return error.code === ErrorCode.DATABASE_UNAVAILABLE ? databaseReason(readiness) || publicMessages[error.code] : publicMessages[error.code];
}

function poolReport(db: Pick<Database, 'figures'>): HealthPoolReport {
  const f = db.figures();
  return { open: f.open, inUse: f.inUse, idle: f.idle, waiting: f.waiting, min: f.min, max: f.max, queueMax: f.queueMax, queueTimeoutSeconds: f.queueTimeoutSeconds };
}

/** What readiness knows about the outage, whether or not READINESS_DATABASE lets it make the replica unready. */
function databaseReason(readiness: Readiness): string {
  const status = readiness.status();
  return [...status.reasons, ...status.notes].join('; ');
}
