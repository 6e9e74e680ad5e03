import type { RequestObserver } from '../http/request-observer.js';

/**
 * While the service drains (after SIGTERM), tell keep-alive clients to
 * reconnect (to another replica), including those whose request began
 * before the signal, so the listener can close as soon as the last response
 * is out (shutdown.ts step 3).
 */
export function drainConnections(shuttingDown: () => boolean): RequestObserver {
  return {
    finished: (ctx) => {
      if (shuttingDown()) ctx.set('Connection', 'close');
    },
  };
}
