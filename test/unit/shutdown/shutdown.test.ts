import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createShutdown, type ShutdownDeps } from '../../../src/shutdown/shutdown.js';
import { listenEphemeral, type TestServer } from '../support/http.js';
import { memoryLogger } from '../support/memory-logger.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const ticks = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
  servers = [];
});

/**
 * A real server whose /slow requests wait for `release`, and a shutdown with
 * injected sleep and exit. Sleeps of the delay length resolve at once; the
 * drain-window sleep stays pending until the test ends it.
 */
async function setup(overrides: Partial<ShutdownDeps> = {}, waiting = 0) {
  const events: string[] = [];
  let shuttingDown = false;
  const received = deferred();
  const release = deferred();
  const server = await listenEphemeral((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') {
      received.resolve();
      void release.promise.then(() => {
        events.push('slowResponseSent');
        // As the app does while draining: this socket will not be reused.
        if (shuttingDown) res.setHeader('Connection', 'close');
        res.end('done');
      });
      return;
    }
    res.end('fast');
  });
  servers.push(server);
  server.server.on('close', () => events.push('serverClosed'));

  const delaySeconds = 5;
  const drainSeconds = 15;
  const drainWindow = deferred();
  const sleeps: number[] = [];
  const exited = deferred<number>();
  const exits: number[] = [];
  const log = memoryLogger('debug');

  const deps: ShutdownDeps = {
    server: server.server,
    logger: log.logger,
    markShuttingDown: () => {
      shuttingDown = true;
      events.push('markShuttingDown');
    },
    refuseWaiting: () => {
      events.push('refuseWaiting');
      return waiting;
    },
    closePool: async (seconds) => {
      events.push(`closePool(${seconds})`);
    },
    stopBackground: () => events.push('stopBackground'),
    delaySeconds,
    drainSeconds,
    exit: (code) => {
      events.push(`exit(${code})`);
      exits.push(code);
      exited.resolve(code);
    },
    sleep: (ms) => {
      sleeps.push(ms);
      events.push(`sleep(${ms})`);
      // The drain window up to its last second stays open until the test ends it.
      return ms === drainSeconds * 1000 - 1000 ? drainWindow.promise : Promise.resolve();
    },
    // A still clock: the HTTP drain takes no time, so the pool gets the whole drain budget.
    now: () => 0,
    ...overrides,
  };
  const shutdown = createShutdown(deps);
  return { server, events, received, release, drainWindow, sleeps, exited, exits, log, shutdown, deps };
}

describe('createShutdown', () => {
  it('runs markShuttingDown, the delay, server close, stopBackground, closePool, exit(0) in that order', async () => {
    const h = await setup();
    await h.shutdown('SIGTERM');
    expect(await h.exited.promise).toBe(0);
    expect(h.events.filter((e) => e !== 'sleep(14000)')).toEqual([
      'markShuttingDown',
      'sleep(5000)',
      'serverClosed',
      'stopBackground',
      'closePool(15)',
      'exit(0)',
    ]);
    expect(h.exits).toEqual([0]);
    expect(h.server.server.listening).toBe(false);
  });

  it('lets an in-flight slow request finish with 200 before the server closes and the process exits', async () => {
    const h = await setup();
    const inFlight = fetch(`${h.server.url}/slow`);
    await h.received.promise;

    const done = h.shutdown('SIGTERM');
    await ticks();
    expect(h.events).toContain('markShuttingDown');
    expect(h.events).not.toContain('serverClosed');
    expect(h.events.some((e) => e.startsWith('closePool'))).toBe(false);
    expect(h.exits).toEqual([]);

    h.release.resolve();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('done');
    await done;
    expect(h.exits).toEqual([0]);
    const order = (e: string) => h.events.indexOf(e);
    expect(order('slowResponseSent')).toBeLessThan(order('serverClosed'));
    expect(order('serverClosed')).toBeLessThan(order('closePool(15)'));
    expect(order('closePool(15)')).toBeLessThan(order('exit(0)'));
  });

  it('stops accepting new connections once the delay is over', async () => {
    const h = await setup();
    expect((await fetch(`${h.server.url}/fast`)).status).toBe(200);
    await h.shutdown('SIGTERM');
    await expect(fetch(`${h.server.url}/fast`)).rejects.toThrow();
  });

  it('still serves requests that arrive during the delay', async () => {
    const delay = deferred();
    const h = await setup({
      sleep: (ms) => (ms === 5000 ? delay.promise : new Promise<void>(() => undefined)),
    });
    const done = h.shutdown('SIGTERM');
    await ticks();
    const response = await fetch(`${h.server.url}/fast`, { headers: { connection: 'close' } });
    expect(response.status).toBe(200);
    expect(h.exits).toEqual([]);
    delay.resolve();
    await done;
    expect(h.exits).toEqual([0]);
  });

  it('gives the pool what the HTTP drain left of SHUTDOWN_DRAIN_SECONDS, so delay + drain bounds the shutdown', async () => {
    let clock = 0;
    const h = await setup({ now: () => clock });
    const inFlight = fetch(`${h.server.url}/slow`);
    await h.received.promise;
    const done = h.shutdown('SIGTERM');
    await ticks();
    clock = 6_500; // the slow request took 6.5 s of the 15 s drain
    h.release.resolve();
    expect((await inFlight).status).toBe(200);
    await done;
    expect(h.events).toContain('closePool(8)');
  });

  it('exits at once with 130 on a second signal during the drain', async () => {
    const h = await setup();
    const inFlight = fetch(`${h.server.url}/slow`).catch(() => undefined);
    await h.received.promise;
    void h.shutdown('SIGTERM');
    await ticks();
    expect(h.exits).toEqual([]);

    await h.shutdown('SIGINT');
    expect(h.exits).toEqual([130]);
    expect(h.events.some((e) => e.startsWith('closePool'))).toBe(false);
    await h.log.flush();
    expect(h.log.events('shutdown_forced')).toHaveLength(1);

    h.release.resolve();
    await inFlight;
  });

  it('exits with 1 and logs when closing the pool fails, after stopping the background work', async () => {
    const h = await setup({
      closePool: async () => {
        throw new Error('NJS-XXX: pool close failed');
      },
    });
    await h.shutdown('SIGTERM');
    expect(h.exits).toEqual([1]);
    expect(h.events).toContain('stopBackground');
    await h.log.flush();
    expect(h.log.events('pool_close_failed')).toHaveLength(1);
    expect(h.log.events('shutdown_complete')[0]).toMatchObject({ exitCode: 1 });
  });

  it('cuts requests still in flight when the drain window ends, then closes the pool and exits 0', async () => {
    const h = await setup();
    const inFlight = fetch(`${h.server.url}/slow`).then(
      (r) => `status ${r.status}`,
      () => 'connection cut',
    );
    await h.received.promise;
    const done = h.shutdown('SIGTERM');
    await ticks();
    expect(h.exits).toEqual([]);

    h.drainWindow.resolve();
    await done;
    expect(await inFlight).toBe('connection cut');
    expect(h.exits).toEqual([0]);
    expect(h.events).toContain('closePool(1)');
    await h.log.flush();
    expect(h.log.events('shutdown_drain_timeout')).toHaveLength(1);
    h.release.resolve();
  });

  it('answers the requests still waiting for a connection in the drain window\'s last second, before cutting sockets', async () => {
    const h = await setup({}, 3);
    const inFlight = fetch(`${h.server.url}/slow`).then(
      (r) => `status ${r.status}`,
      () => 'connection cut',
    );
    await h.received.promise;
    const done = h.shutdown('SIGTERM');
    await ticks();
    expect(h.events).not.toContain('refuseWaiting');

    h.drainWindow.resolve();
    await done;
    const order = (e: string) => h.events.indexOf(e);
    expect(h.sleeps).toContain(1000);
    expect(order('refuseWaiting')).toBeGreaterThan(-1);
    expect(order('refuseWaiting')).toBeLessThan(order('closePool(1)'));
    await h.log.flush();
    expect(h.log.events('shutdown_refused_waiting')[0]).toMatchObject({ refused: 3 });
    // The request holding a connection was not refused: it is cut only when the window is over.
    expect(await inFlight).toBe('connection cut');
    expect(h.log.events('shutdown_drain_timeout')).toHaveLength(1);
    h.release.resolve();
  });

  it('refuses no waiter when the drain ends in time', async () => {
    const h = await setup({}, 3);
    await h.shutdown('SIGTERM');
    expect(h.events).not.toContain('refuseWaiting');
  });

  it('gives the pool the drain budget left (all of it when the HTTP drain took no time), at least 1 second', async () => {
    const seen: number[] = [];
    for (const drainSeconds of [0, 3, 60]) {
      const h = await setup({
        drainSeconds,
        sleep: (ms) => (ms === 5000 ? Promise.resolve() : new Promise<void>(() => undefined)),
        closePool: async (seconds) => {
          seen.push(seconds);
        },
      });
      await h.shutdown('SIGTERM');
    }
    expect(seen).toEqual([1, 3, 60]);
  });

  it('logs the start and the completion of the shutdown with the signal', async () => {
    const h = await setup();
    await h.shutdown('SIGTERM');
    await h.log.flush();
    expect(h.log.events('shutdown_started')[0]).toMatchObject({ signal: 'SIGTERM', delaySeconds: 5, drainSeconds: 15 });
    expect(h.log.events('shutdown_complete')[0]).toMatchObject({ exitCode: 0 });
  });
});
