import type Router from '@koa/router';
import type { Readiness } from '../../health/readiness.js';

/**
 * Kubernetes probes. /livez says only "the process is alive": it never
 * touches the database, so a database outage never restarts healthy pods.
 * /readyz reads state kept by the background probe: free to call as often as
 * any prober likes. Whether a database outage makes it 503 is
 * READINESS_DATABASE's choice (health/readiness.ts).
 */
export function probeRoutes(router: Router, readiness: Readiness): void {
  router.get('/livez', (ctx) => {
    ctx.body = { status: 'alive' };
  });
  router.get('/readyz', (ctx) => {
    const status = readiness.status();
    ctx.set('Cache-Control', 'no-store');
    if (status.ready) {
      // READINESS_DATABASE=startup keeps a replica ready through an outage; the body still says the database is down.
      ctx.body = status.notes.length === 0 ? { status: 'ready' } : { status: 'ready', notes: status.notes, database: { up: status.database.up, lastError: status.database.lastError } };
    } else {
      ctx.status = 503;
      ctx.body = { status: 'not_ready', reasons: status.reasons };
    }
  });
}
