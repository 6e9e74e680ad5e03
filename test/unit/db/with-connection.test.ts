import { afterEach, describe, expect, it, vi } from 'vitest';
import { BorrowSiteCapture } from '../../../src/db/borrow-sites.js';
import { DbError, type AcquireFailureCause } from '../../../src/db/db-error.js';
import type { PoolObserver } from '../../../src/db/types.js';
import { borrowWatches, fitBytes, SESSION_MODULE, withConnection, type BorrowOptions, type RawConnection } from '../../../src/db/with-connection.js';
import { version } from '../../../src/version.js';
import { driverError } from '../support/fake-database.js';
import { memoryLogger } from '../support/memory-logger.js';

const OUT_FORMAT_ARRAY = 4001;

/** A RawConnection double that records what was done to it. */
class FakeRawConnection implements RawConnection {
  callTimeout = 0;
  readonly closes: Array<{ drop?: boolean } | undefined> = [];
  readonly executes: Array<{ sql: string; binds: unknown[]; options: { outFormat: number } }> = [];
  executeError: unknown = undefined;
  closeError: unknown = undefined;
  rows: unknown[] | undefined = [[1]];
  abort?: () => void;
  /** Every write to the end-to-end attribute setters, in order (the driver sends the last of each). */
  readonly tagWrites: Array<[string, string]> = [];
  set module(value: string) {
    this.tagWrites.push(['module', value]);
  }
  set action(value: string) {
    this.tagWrites.push(['action', value]);
  }
  set clientId(value: string) {
    this.tagWrites.push(['clientId', value]);
  }

  async execute(sql: string, binds: unknown[], options: { outFormat: number }): Promise<{ rows?: unknown[] }> {
    this.executes.push({ sql, binds, options });
    if (this.executeError !== undefined) throw this.executeError;
    return { rows: this.rows };
  }

  async close(options?: { drop?: boolean }): Promise<void> {
    this.closes.push(options);
    if (this.closeError !== undefined) throw this.closeError;
  }
}

class RecordingObserver implements PoolObserver {
  requested = 0;
  acquiredCount = 0;
  failures: AcquireFailureCause[] = [];
  releasedCount = 0;
  readonly acquireSeconds: number[] = [];
  readonly holdSeconds: number[] = [];
  slowHolds = 0;
  createFailures = 0;
  connectionRequested() {
    this.requested += 1;
  }
  acquired(seconds: number) {
    this.acquiredCount += 1;
    this.acquireSeconds.push(seconds);
  }
  acquireFailed(cause: AcquireFailureCause, seconds: number) {
    this.failures.push(cause);
    this.acquireSeconds.push(seconds);
  }
  released(seconds: number) {
    this.releasedCount += 1;
    this.holdSeconds.push(seconds);
  }
  slowHold() {
    this.slowHolds += 1;
  }
  createFailed() {
    this.createFailures += 1;
  }
}

function setup(overrides: Partial<BorrowOptions> = {}) {
  const raw = new FakeRawConnection();
  const observer = new RecordingObserver();
  const log = memoryLogger('debug');
  let acquires = 0;
  const options: BorrowOptions = {
    getConnection: async () => {
      acquires += 1;
      return raw;
    },
    observer,
    logger: log.logger,
    outFormatArray: OUT_FORMAT_ARRAY,
    callTimeoutMs: 2500,
    slowHoldSeconds: 0,
    // Every borrow records its site here, so a first slow hold names it.
    borrowSites: new BorrowSiteCapture({ always: true }),
    watches: borrowWatches(),
    ...overrides,
  };
  return { raw, observer, log, options, acquires: () => acquires };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withConnection release', () => {
  it('returns what fn returns and releases the connection exactly once', async () => {
    const { raw, options, observer } = setup();
    const result = await withConnection(options, async (conn) => (await conn.execute('SELECT 1 FROM DUAL')).rows);
    expect(result).toEqual([[1]]);
    expect(raw.closes).toEqual([undefined]);
    expect(observer.releasedCount).toBe(1);
  });

  it('releases the connection exactly once when fn throws, and rethrows the same error', async () => {
    const { raw, options } = setup();
    const failure = new Error('handler bug');
    await expect(
      withConnection(options, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(raw.closes).toEqual([undefined]);
  });

  it('sets the call timeout on the borrowed connection before fn runs', async () => {
    const { raw, options } = setup({ callTimeoutMs: 1234 });
    let seen = -1;
    await withConnection(options, async () => {
      seen = raw.callTimeout;
    });
    expect(seen).toBe(1234);
  });

  it('runs SQL with the array out format and the given binds, and an empty bind list by default', async () => {
    const { raw, options } = setup();
    await withConnection(options, async (conn) => {
      await conn.execute('SELECT :1 FROM DUAL', [42]);
      await conn.execute('SELECT 1 FROM DUAL');
    });
    expect(raw.executes).toEqual([
      { sql: 'SELECT :1 FROM DUAL', binds: [42], options: { outFormat: OUT_FORMAT_ARRAY } },
      { sql: 'SELECT 1 FROM DUAL', binds: [], options: { outFormat: OUT_FORMAT_ARRAY } },
    ]);
  });

  it('answers an empty row list when the driver returns no rows', async () => {
    const { raw, options } = setup();
    raw.rows = undefined;
    const result = await withConnection(options, (conn) => conn.execute('BEGIN NULL; END;'));
    expect(result).toEqual({ rows: [] });
  });

  it.each([
    ['NJS-123', 'DATABASE_TIMEOUT'],
    ['ORA-03113', 'DATABASE_UNAVAILABLE'],
  ])('drops the connection instead of returning it after %s from execute, and rejects with %s', async (driverCode, code) => {
    const { raw, options } = setup();
    raw.executeError = driverError(driverCode, 'connection broken');
    const error = await withConnection(options, (conn) => conn.execute('SELECT 1 FROM DUAL')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect(error).toMatchObject({ code, driverCode, cause: raw.executeError });
    expect(raw.closes).toEqual([{ drop: true }]);
  });

  it('drops the connection even when fn caught the broken-connection error', async () => {
    const { raw, options } = setup();
    raw.executeError = driverError('NJS-123', 'call timeout of 2500 ms exceeded');
    await withConnection(options, async (conn) => {
      await conn.execute('SELECT 1 FROM DUAL').catch(() => undefined);
      return 'recovered';
    });
    expect(raw.closes).toEqual([{ drop: true }]);
  });

  it('returns the connection to the pool (plain close) after an ordinary SQL error', async () => {
    const { raw, options } = setup();
    raw.executeError = driverError('ORA-00942', 'table or view does not exist');
    await expect(withConnection(options, (conn) => conn.execute('SELECT * FROM missing'))).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      driverCode: 'ORA-00942',
    });
    expect(raw.closes).toEqual([undefined]);
  });

  it('keeps fn’s result and logs a warning when releasing fails', async () => {
    const { raw, options, log } = setup();
    raw.closeError = driverError('NJS-500', 'connection to the Oracle Database was broken');
    await expect(withConnection(options, async () => 'done')).resolves.toBe('done');
    await log.flush();
    const warnings = log.events('release_failed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', error: { code: 'NJS-500' } });
  });

  it('rethrows fn’s error, not the release error, when both fail', async () => {
    const { raw, options } = setup();
    raw.closeError = new Error('release failed');
    const failure = new Error('handler failed');
    await expect(
      withConnection(options, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it('reports the real acquire and hold times, in seconds', async () => {
    const { raw, options, observer } = setup();
    const acquireMs = 50;
    const holdMs = 100;
    options.getConnection = () => new Promise((resolve) => setTimeout(() => resolve(raw), acquireMs));
    await withConnection(options, () => new Promise((resolve) => setTimeout(resolve, holdMs)));
    // Timers never fire early; the slack only absorbs a busy machine (and would still catch ms reported as seconds).
    const slack = 0.25;
    expect(observer.acquireSeconds).toHaveLength(1);
    expect(observer.acquireSeconds[0]).toBeGreaterThanOrEqual(acquireMs / 1000 - 0.001);
    expect(observer.acquireSeconds[0]).toBeLessThan(acquireMs / 1000 + slack);
    expect(observer.holdSeconds).toHaveLength(1);
    expect(observer.holdSeconds[0]).toBeGreaterThanOrEqual(holdMs / 1000 - 0.001);
    expect(observer.holdSeconds[0]).toBeLessThan(holdMs / 1000 + slack);
  });

  it('reports the real wait of a failed acquire too', async () => {
    const { options, observer } = setup();
    const waitMs = 50;
    options.getConnection = () =>
      new Promise((_, reject) => setTimeout(() => reject(driverError('NJS-040', 'connection request timeout')), waitMs));
    await withConnection(options, async () => undefined).catch(() => undefined);
    expect(observer.failures).toEqual(['queue_timeout']);
    expect(observer.acquireSeconds[0]).toBeGreaterThanOrEqual(waitMs / 1000 - 0.001);
    expect(observer.acquireSeconds[0]).toBeLessThan(waitMs / 1000 + 0.25);
  });
});

describe('withConnection session tags (V$SESSION module, action, client identifier)', () => {
  const tags = (raw: FakeRawConnection) => Object.fromEntries(raw.tagWrites);

  it('tags the session with orapool/<version>, the route and the request id before fn runs its first call', async () => {
    const { raw, options } = setup();
    let before: Record<string, string> = {};
    await withConnection(
      options,
      async (conn) => {
        before = tags(raw);
        await conn.execute('SELECT 1 FROM DUAL');
      },
      { route: '/api/health', requestId: 'req-42' },
    );
    expect(before).toEqual({ module: `orapool/${version}`, action: '/api/health', clientId: 'req-42' });
    expect(SESSION_MODULE).toBe(`orapool/${version}`);
  });

  it('clears the previous borrower’s action and request id on a borrow without them (the background probe’s)', async () => {
    const { raw, options } = setup();
    await withConnection(options, async () => {}, { route: '/api/health', requestId: 'req-1' });
    raw.tagWrites.length = 0;
    await withConnection(options, async () => {});
    expect(tags(raw)).toEqual({ module: `orapool/${version}`, action: '', clientId: '' });
  });

  it('writes each attribute once per borrow, and nothing at release', async () => {
    const { raw, options } = setup();
    await withConnection(options, async () => {}, { route: 'r', requestId: 'id' });
    expect(raw.tagWrites.map(([name]) => name)).toEqual(['module', 'action', 'clientId']);
  });

  it('cuts the route to Oracle’s 32-byte action limit and the request id to the 64-byte client identifier limit', async () => {
    const { raw, options } = setup();
    const route = '/api/' + 'x'.repeat(60);
    const requestId = 'r'.repeat(128); // the longest X-Request-Id the service accepts
    await withConnection(options, async () => {}, { route, requestId });
    expect(tags(raw)).toMatchObject({ action: route.slice(0, 32), clientId: 'r'.repeat(64) });
  });

  it('releases the connection even when tagging throws (a connection the driver already invalidated)', async () => {
    const { raw, options } = setup();
    Object.defineProperty(raw, 'module', {
      set() {
        throw new Error('NJS-003: invalid or closed connection');
      },
    });
    await expect(withConnection(options, async () => 'ran')).rejects.toThrow(/NJS-003/);
    expect(raw.closes).toHaveLength(1);
  });
});

describe('fitBytes', () => {
  it('keeps a string that fits, and cuts by UTF-8 bytes without splitting a character', () => {
    expect(fitBytes('/api/health', 32)).toBe('/api/health');
    expect(fitBytes('ab', 2)).toBe('ab');
    expect(fitBytes('abc', 2)).toBe('ab');
    expect(fitBytes('aé', 2)).toBe('a'); // é is two bytes
    expect(fitBytes('a😀', 4)).toBe('a'); // no lone surrogate left behind
    expect(Buffer.byteLength(fitBytes('é'.repeat(40), 32))).toBe(32);
  });
});

describe('withConnection acquire', () => {
  it('reports a queue timeout to the observer and never calls close when the pool refuses with NJS-040', async () => {
    const { raw, options, observer } = setup();
    const refusal = Object.assign(new Error('NJS-040: connection request timeout. Request exceeded "queueTimeout" of 1000'), { code: 'NJS-040' });
    options.getConnection = async () => {
      throw refusal;
    };
    const fn = vi.fn(async () => 'never');
    await expect(withConnection(options, fn)).rejects.toMatchObject({ code: 'POOL_QUEUE_TIMEOUT', driverCode: 'NJS-040', cause: refusal });
    expect(observer.requested).toBe(1);
    expect(observer.failures).toEqual(['queue_timeout']);
    expect(observer.acquiredCount).toBe(0);
    expect(observer.releasedCount).toBe(0);
    expect(fn).not.toHaveBeenCalled();
    expect(raw.closes).toEqual([]);
  });

  it('reports a full queue (NJS-076) as queue_full', async () => {
    const { options, observer } = setup();
    options.getConnection = async () => {
      throw driverError('NJS-076', 'connection request rejected. Pool queue length "queueMax" 500 reached');
    };
    await expect(withConnection(options, async () => 1)).rejects.toMatchObject({ code: 'POOL_QUEUE_FULL', driverCode: 'NJS-076' });
    expect(observer.failures).toEqual(['queue_full']);
  });

  it('reports one request and one acquire per successful borrow', async () => {
    const { options, observer, acquires } = setup();
    await withConnection(options, async () => 1);
    await withConnection(options, async () => 2);
    expect(acquires()).toBe(2);
    expect(observer.requested).toBe(2);
    expect(observer.acquiredCount).toBe(2);
    expect(observer.failures).toEqual([]);
  });
});

describe('withConnection slow-hold detection', () => {
  it('warns once with event slow_hold, route, request id and borrow site when a borrower holds past the threshold', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, options, observer, log } = setup({ slowHoldSeconds: 10 });
    const forgotten = deferred();

    async function handlerThatForgetsToRelease(): Promise<string> {
      return await withConnection(
        options,
        async () => {
          await forgotten.promise;
          return 'finally done';
        },
        { route: '/api/report', requestId: 'req-slow-1' },
      );
    }

    const pending = handlerThatForgetsToRelease();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(observer.slowHolds).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(observer.slowHolds).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(raw.closes).toEqual([]);

    forgotten.resolve();
    await expect(pending).resolves.toBe('finally done');
    await log.flush();

    const warnings = log.events('slow_hold');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', route: '/api/report', requestId: 'req-slow-1', thresholdSeconds: 10 });
    const site = warnings[0]?.borrowSite as string[];
    expect(Array.isArray(site)).toBe(true);
    expect(site.join('\n')).toContain('handlerThatForgetsToRelease');
    expect(observer.slowHolds).toBe(1);
    expect(raw.closes).toEqual([undefined]);
  });

  it('borrowSite names the caller that returns the borrow promise without awaiting it', async () => {
    // Were the borrow site captured after `await getConnection()`, it would hold
    // only V8's async frames: a caller that returns the promise (a common
    // pattern) would leave no frame.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { options, log } = setup({ slowHoldSeconds: 1 });
    const forgotten = deferred();

    async function reportHandlerReturningTheBorrow(): Promise<void> {
      return withConnection(options, () => forgotten.promise, { route: '/api/report' });
    }

    const pending = reportHandlerReturningTheBorrow();
    await vi.advanceTimersByTimeAsync(1_000);
    forgotten.resolve();
    await pending;
    await log.flush();
    const site = (log.events('slow_hold')[0]?.borrowSite as string[] | undefined) ?? [];
    expect(site.join('\n')).toContain('reportHandlerReturningTheBorrow');
  });

  it('with a BorrowSiteCapture, records no stack until a slow hold, then names the borrower on the next one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { options, observer, log } = setup({ slowHoldSeconds: 1, borrowSites: new BorrowSiteCapture({ windowMs: 60_000 }) });

    async function leakyHandler(): Promise<void> {
      const forgotten = deferred();
      const pending = withConnection(options, () => forgotten.promise, { route: '/api/leak' });
      await vi.advanceTimersByTimeAsync(1_000);
      forgotten.resolve();
      await pending;
    }

    await leakyHandler();
    await leakyHandler();
    await log.flush();
    const [first, second] = log.events('slow_hold');
    expect(observer.slowHolds).toBe(2);
    expect(first?.borrowSite).toMatch(/^not recorded/);
    expect((second?.borrowSite as string[]).join('\n')).toContain('leakyHandler');
  });

  it('does not warn when the connection is released before the threshold', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { options, observer, log } = setup({ slowHoldSeconds: 5 });
    const work = deferred();
    const pending = withConnection(options, () => work.promise, { route: '/api/health' });
    await vi.advanceTimersByTimeAsync(4_000);
    work.resolve();
    await pending;
    await vi.advanceTimersByTimeAsync(60_000);
    await log.flush();
    expect(observer.slowHolds).toBe(0);
    expect(log.events('slow_hold')).toHaveLength(0);
  });

  it('never warns when slowHoldSeconds is 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { options, observer, log } = setup({ slowHoldSeconds: 0 });
    const forgotten = deferred();
    const pending = withConnection(options, () => forgotten.promise);
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    forgotten.resolve();
    await pending;
    await log.flush();
    expect(observer.slowHolds).toBe(0);
    expect(log.entries()).toHaveLength(0);
  });

  it('warns for a real hold past a small real threshold', async () => {
    const { options, observer, log } = setup({ slowHoldSeconds: 0.02 });
    const forgotten = deferred();
    const pending = withConnection(options, () => forgotten.promise, { route: '/api/leak', requestId: 'r-2' });
    await vi.waitFor(() => expect(observer.slowHolds).toBe(1), { timeout: 2000, interval: 5 });
    forgotten.resolve();
    await pending;
    await log.flush();
    expect(log.events('slow_hold')).toHaveLength(1);
  });
});

describe('withConnection call guard', () => {
  it('rejects a call the database never answers with NJS-123 shortly after the call timeout, cuts the socket and drops the connection', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, options } = setup({ callTimeoutMs: 1000 });
    let aborted = 0;
    raw.abort = () => {
      aborted += 1;
    };
    raw.execute = () => new Promise(() => undefined); // a frozen database: no answer, no error
    const outcome = withConnection(options, (conn) => conn.execute('SELECT 1 FROM DUAL')).then(
      () => 'resolved',
      (error: { driverCode?: string }) => error.driverCode,
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(aborted).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await outcome).toBe('NJS-123');
    expect(aborted).toBe(1);
    expect(raw.closes).toEqual([{ drop: true }]);
  });

  it('does not cut a call that answers in time, nor fire later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, options } = setup({ callTimeoutMs: 1000 });
    let aborted = 0;
    raw.abort = () => {
      aborted += 1;
    };
    await withConnection(options, (conn) => conn.execute('SELECT 1 FROM DUAL'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(aborted).toBe(0);
    expect(raw.closes).toEqual([undefined]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still rejects a frozen call when the connection cannot be cut', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, options } = setup({ callTimeoutMs: 200 });
    raw.execute = () => new Promise(() => undefined);
    const outcome = withConnection(options, (conn) => conn.execute('SELECT 1 FROM DUAL')).catch((error: { driverCode?: string }) => error.driverCode);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toBe('NJS-123');
    expect(raw.closes).toEqual([{ drop: true }]);
  });
});
