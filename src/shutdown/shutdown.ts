import type { Server } from 'node:http';
import type { Logger } from 'winston';

export interface ShutdownDeps {
  server: Server;
  logger: Logger;
  /** Turn readiness off (first step). */
  markShuttingDown: () => void;
  /** Answer the requests still queued for a connection (503 SHUTTING_DOWN); returns how many there were. */
  refuseWaiting: () => number;
  /** Close the pool, waiting up to drainSeconds for borrowed connections. */
  closePool: (drainSeconds: number) => Promise<void>;
  /** Stop timers (probes, watchers) so the event loop can empty. */
  stopBackground: () => void;
  delaySeconds: number;
  drainSeconds: number;
  exit: (code: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Time the refused requests get to write their 503s before sockets are cut. */
const REFUSED_ANSWER_MS = 1000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Graceful shutdown in terminus's order:
 * 1. readiness turns 503 at once;
 * 2. wait SHUTDOWN_DELAY_SECONDS while Kubernetes removes us from the
 *    Service endpoints (requests still arriving meanwhile are served);
 * 3. stop accepting connections, close idle keep-alive sockets, let
 *    in-flight requests finish (bounded by SHUTDOWN_DRAIN_SECONDS); in the
 *    window's last second (or last half, when shorter), requests still
 *    queued for a connection are answered 503 SHUTTING_DOWN, so they can
 *    retry on another instance instead of losing their socket;
 * 4. close the pool so every session logs off (the database frees its
 *    processes at once instead of after a dead-connection timeout), within
 *    what is left of SHUTDOWN_DRAIN_SECONDS;
 * 5. exit 0.
 * A second signal exits at once with 130: the operator means it.
 */
export function createShutdown(deps: ShutdownDeps): (signal: string) => Promise<void> {
  const sleep = deps.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  let started = false;
  return async (signal: string) => {
    if (started) {
      deps.logger.warn(`Second ${signal}: exiting now`, { event: 'shutdown_forced', signal });
      deps.exit(130);
      return;
    }
    started = true;
    const t0 = Date.now();
    deps.logger.info(`${signal} received: readiness off, draining in ${deps.delaySeconds}s`, {
      event: 'shutdown_started',
      signal,
      delaySeconds: deps.delaySeconds,
      drainSeconds: deps.drainSeconds,
    });
    deps.markShuttingDown();
    await sleep(deps.delaySeconds * 1000);

    const drainStart = now();
    const closed = new Promise<void>((resolve) => deps.server.close(() => resolve()));
    deps.server.closeIdleConnections();
    // Sockets that are mid-request close after their response (Connection: close);
    // any still open after the drain window are cut.
    const drainMs = deps.drainSeconds * 1000;
    const answerMs = Math.min(REFUSED_ANSWER_MS, drainMs / 2);
    const closedInTime = (ms: number) => Promise.race([closed.then(() => true), sleep(ms).then(() => false)]);
    let drained = await closedInTime(drainMs - answerMs);
    if (!drained) {
      const refused = deps.refuseWaiting();
      if (refused > 0) {
        deps.logger.warn(`Drain window nearly over: ${refused} requests still waiting for a connection answered 503 SHUTTING_DOWN`, {
          event: 'shutdown_refused_waiting',
          refused,
        });
      }
      drained = await closedInTime(answerMs);
    }
    if (!drained) {
      deps.logger.warn('Drain window over with requests still in flight; closing their sockets', { event: 'shutdown_drain_timeout' });
      deps.server.closeAllConnections();
    }
    deps.stopBackground();
    let code = 0;
    try {
      // One budget for both drains, so delay + drain (+ about 1 s) bounds the
      // whole shutdown: the pool gets what the HTTP drain left over (handlers
      // are done by then; the probe may still hold a connection), and a single
      // second when the HTTP drain used it all and cut sockets mid-request.
      const left = deps.drainSeconds - (now() - drainStart) / 1000;
      await deps.closePool(drained ? Math.max(1, Math.floor(left)) : 1);
    } catch (error) {
      code = 1;
      deps.logger.error('Closing the pool failed', { event: 'pool_close_failed', error: String((error as Error).message) });
    }
    deps.logger.info(`Shutdown complete in ${((Date.now() - t0) / 1000).toFixed(1)}s`, { event: 'shutdown_complete', exitCode: code });
    deps.exit(code);
  };
}
