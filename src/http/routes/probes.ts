import type Router from '@koa/router';
import type { Readiness } from '../../health/readiness.js';

/**
 * Kubernetes probes. /livez says only "the process is alive": it never
 * touches the database, so a database outage never restarts healthy pods.
 * /readyz reads state kept by the background probe: free to call as often as
 * any prober likes.
 */
export function probeRoutes(router: Router, readiness: Readiness): void {
  router.get('/livez', (ctx) => {
    ctx.body = { status: 'alive' };
  });
  router.get('/readyz', (ctx) => {
    const status = readiness.status();
    ctx.set('Cache-Control', 'no-store');
    if (status.ready) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { status: 'not_ready', reasons: status.reasons };
    }
  });
}
