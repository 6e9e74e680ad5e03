import type Router from '@koa/router';
import type { Database } from '../../db/database.js';
import { roundTrip } from '../../health/db-probe.js';
import type { Readiness } from '../../health/readiness.js';
import { AppError, ErrorCode, publicMessages, toAppError } from '../../errors.js';
import type { Admission } from '../admission.js';
import { setErrorHeaders } from '../error-handler.js';

/** Answers about load, not about the database: reachability is unknown then. */
const busyCodes: ReadonlySet<ErrorCode> = new Set([ErrorCode.POOL_QUEUE_TIMEOUT, ErrorCode.POOL_QUEUE_FULL, ErrorCode.OVERLOADED]);

export interface HealthDeps {
  db: Database;
  readiness: Readiness;
  admission: Admission;
  version: string;
  startedAtMs: number;
}

/**
 * GET /api/health: the path the team load-tests. Every call borrows a pooled
 * connection and runs SELECT 1 FROM DUAL, so it measures exactly what an API
 * request pays: queueing for a connection plus one round-trip.
 */
export function healthRoutes(router: Router, deps: HealthDeps): void {
  router.get('/api/health', async (ctx) => {
    const base = () => {
      const f = deps.db.figures();
      return {
        pool: {
          open: f.open,
          inUse: f.inUse,
          idle: f.idle,
          waiting: f.waiting,
          min: f.min,
          max: f.max,
          queueMax: f.queueMax,
          queueTimeoutSeconds: f.queueTimeoutSeconds,
        },
        version: deps.version,
        uptimeSeconds: Number(((Date.now() - deps.startedAtMs) / 1000).toFixed(1)),
      };
    };
    try {
      const decision = deps.admission.decide();
      if (!decision.admit) throw AppError.fast(ErrorCode.OVERLOADED, 503, `shed: ${decision.reason}`, decision.retryAfterSeconds);
      const seconds = await roundTrip(deps.db, deps.readiness, { route: '/api/health', requestId: ctx.state.requestId as string });
      ctx.body = { status: 'ok', database: { reachable: true, roundTripMs: Number((seconds * 1000).toFixed(3)) }, ...base() };
    } catch (thrown) {
      const error = toAppError(thrown, () => deps.admission.retryAfterSeconds());
      if (error.code === ErrorCode.INTERNAL) throw thrown;
      setErrorHeaders(ctx, error);
      ctx.body = {
        status: 'unavailable',
        reason: error.code === ErrorCode.DATABASE_UNAVAILABLE ? deps.readiness.status().reasons.join('; ') || publicMessages[error.code] : publicMessages[error.code],
        error: { code: error.code, message: publicMessages[error.code] },
        requestId: ctx.state.requestId,
        // A busy pool is not an unreachable database: only say "unreachable" when it is.
        database: { reachable: busyCodes.has(error.code) ? null : false },
        ...base(),
      };
    }
  });
}
