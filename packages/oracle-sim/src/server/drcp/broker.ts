// The DRCP connection broker (docs/oracle-tls-drcp.md §5-6). Client
// connections that asked for SERVER=POOLED own no server session: on each call
// they borrow one of `size` pooled servers, and give it back with
// SESSION_RELEASE or, with implicit pooling, at the statement or transaction
// boundary. A pooled server keeps its session (cursors included) while idle,
// so the next SELF request of the same user and connection class reuses it.
//
// All servers busy: Oracle queues the call (no error; V$CPOOL_STATS.NUM_WAITS),
// bounded only by the client's callTimeout. The simulator does the same: the
// call waits FIFO until a server is released, a break (callTimeout) abandons
// the wait, and a client that disconnects leaves the queue.

import { Purity, SHARED_CLASS, type PurityValue, type PoolBoundary, type ServerSession, type PooledConnectData, type Counters, type DrcpStats } from './model.js';

export * from './model.js';

interface PooledServer<C> {
  index: number;
  busy: boolean;
  session: ServerSession<C> | null;
  /** last release, for evicting the least recently used idle session */
  releasedAt: number;
}

interface Waiter<C> {
  client: BrokerClient<C>;
  resolve: (a: Attachment) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** What an attach tells the client, as SESS_RET. */
export interface Attachment {
  sessionId: number;
  serial: number;
  /** the client had another session before (or none): it must drop its cursor ids */
  changed: boolean;
}

let nextServerSessionId = 10_001;
let nextClientId = 1;

export class Broker<C> {
  private readonly servers: PooledServer<C>[];
  private readonly queue: Waiter<C>[] = [];
  private counts = { busyPeak: 0, releases: 0, total: emptyCounters() };
  private classes = new Map<string, Counters & { busyPeak: number }>();

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`pooledServers must be a whole number >= 1, got ${size}`);
    this.servers = Array.from({ length: size }, (_, index) => ({ index, busy: false, session: null, releasedAt: 0 }));
  }

  /** A client connection whose descriptor asked for SERVER=POOLED. */
  client(connectData: PooledConnectData): BrokerClient<C> {
    return new BrokerClient(this, connectData);
  }

  get busy(): number {
    return this.servers.filter((s) => s.busy).length;
  }

  /** Lends a pooled server to `client`, or queues the call while all are busy. */
  attach(client: BrokerClient<C>, signal: AbortSignal): Promise<Attachment> {
    const cls = this.classStats(client.cls);
    cls.requests++;
    this.counts.total.requests++;
    const server = this.freeServer();
    if (server) return Promise.resolve(this.assign(client, server));
    cls.waits++;
    this.counts.total.waits++;
    return new Promise<Attachment>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const waiter: Waiter<C> = {
        client,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.leaveQueue(client);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives the client's server back; `dropCursors`: the client forgot its cursor ids (implicit release), so they are closed here. */
  release(client: BrokerClient<C>, dropCursors: boolean): void {
    const server = client.server;
    if (!server) return;
    client.server = null;
    if (dropCursors && server.session) dropOwned(server.session, client.id);
    server.busy = false;
    server.releasedAt = performance.now();
    this.counts.releases++;
    const next = this.queue.shift();
    if (next) {
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve(this.assign(next.client, server));
    }
  }

  /** The client connection is gone: out of the queue, its server released, its cursors closed. */
  disconnect(client: BrokerClient<C>): void {
    this.leaveQueue(client);
    const last = client.lastSession;
    this.release(client, true);
    if (last) dropOwned(last, client.id);
  }

  snapshot(): DrcpStats {
    const openCursors = this.servers.reduce((n, s) => n + (s.session?.cursors.size ?? 0), 0);
    return {
      pooledServers: this.size,
      busy: this.busy,
      busyPeak: this.counts.busyPeak,
      ...this.counts.total,
      releases: this.counts.releases,
      openCursors,
      classes: Object.fromEntries([...this.classes].map(([k, v]) => [k, { ...v, busy: this.busyFor(k) }])),
    };
  }

  /** Zeroes the counters; servers busy now set the new peak. */
  resetStats(): void {
    this.counts = { busyPeak: this.busy, releases: 0, total: emptyCounters() };
    this.classes = new Map();
  }

  private leaveQueue(client: BrokerClient<C>): void {
    const i = this.queue.findIndex((w) => w.client === client);
    if (i >= 0) {
      const [w] = this.queue.splice(i, 1);
      w!.signal.removeEventListener('abort', w!.onAbort);
    }
  }

  private freeServer(): PooledServer<C> | undefined {
    return this.servers.find((s) => !s.busy);
  }

  /**
   * Picks among the free servers (there is at least one): purity SELF reuses
   * an idle session of the same user and class (the client's own last one
   * first, so its cached cursors stay valid); otherwise, or with purity NEW, a
   * fresh session replaces the idle one on an empty or least recently used server.
   */
  private assign(client: BrokerClient<C>, anyFree: PooledServer<C>): Attachment {
    const free = this.servers.filter((s) => !s.busy);
    if (!free.includes(anyFree)) free.push(anyFree);
    const cls = this.classStats(client.cls);
    let server: PooledServer<C> | undefined;
    let session: ServerSession<C> | null = null;
    if (client.purityForNextAttach() === Purity.SELF) {
      const matching = free.filter((s) => s.session && s.session.user === client.user && s.session.cls === client.cls);
      server = matching.find((s) => s.session === client.lastSession) ?? matching[0];
      session = server?.session ?? null;
    }
    if (server && session) {
      cls.hits++;
      this.counts.total.hits++;
    } else {
      cls.misses++;
      this.counts.total.misses++;
      server = free.find((s) => !s.session) ?? free.reduce((a, b) => (b.releasedAt < a.releasedAt ? b : a));
      session = {
        id: nextServerSessionId++,
        serial: 1,
        user: client.user,
        cls: client.cls,
        cursors: new Map(),
        nextCursorId: 1,
        owners: new Map(),
      };
      server.session = session; // the idle session it held, and its cursors, are gone
    }
    server.busy = true;
    this.counts.busyPeak = Math.max(this.counts.busyPeak, this.busy);
    cls.busyPeak = Math.max(cls.busyPeak, this.busyFor(client.cls));
    const changed = client.lastSession !== session;
    // the client drops the cursor ids of its previous session without closing them (base.js:500-505)
    if (changed && client.lastSession) dropOwned(client.lastSession, client.id);
    client.server = server;
    client.lastSession = session;
    return { sessionId: session.id, serial: session.serial, changed };
  }

  private classStats(cls: string): Counters & { busyPeak: number } {
    let s = this.classes.get(cls);
    if (!s) this.classes.set(cls, (s = { ...emptyCounters(), busyPeak: 0 }));
    return s;
  }

  private busyFor(cls: string): number {
    return this.servers.filter((s) => s.busy && s.session?.cls === cls).length;
  }
}

function emptyCounters(): Counters {
  return { requests: 0, hits: 0, misses: 0, waits: 0 };
}

function dropOwned<C>(session: ServerSession<C>, clientId: number): void {
  for (const [cursorId, owner] of session.owners) {
    if (owner !== clientId && session.cursors.has(cursorId)) continue;
    session.owners.delete(cursorId);
    session.cursors.delete(cursorId);
  }
}

/** One client connection to the broker: its class, purity, boundary and the server it holds. */
export class BrokerClient<C> {
  readonly id = nextClientId++;
  user = '';
  cls = SHARED_CLASS;
  purity: PurityValue = Purity.NEW;
  server: PooledServer<C> | null = null;
  lastSession: ServerSession<C> | null = null;
  private attaches = 0;

  constructor(
    private readonly broker: Broker<C>,
    readonly connectData: PooledConnectData,
  ) {}

  get boundary(): PoolBoundary | undefined {
    return this.connectData.boundary;
  }

  /**
   * At logon (auth phase two): the descriptor's POOL_CONNECTION_CLASS and
   * POOL_PURITY win, then the driver's AUTH_KPPL_CONN_CLASS / AUTH_KPPL_PURITY
   * (§5: the driver does not let descriptor values change those keys, and the
   * documentation says descriptor values win). Implicit pooling defaults to SELF.
   */
  logon(user: string, pairs: Map<string, string>): void {
    this.user = user.toUpperCase();
    this.cls = this.connectData.cls ?? (pairs.get('AUTH_KPPL_CONN_CLASS') || SHARED_CLASS);
    const kppl = Number(pairs.get('AUTH_KPPL_PURITY'));
    this.purity =
      this.connectData.purity ??
      (this.connectData.boundary ? Purity.SELF : kppl === Purity.SELF ? Purity.SELF : Purity.NEW);
  }

  /** Purity NEW asks for a fresh session for the connection's first call; its later re-attaches reuse like SELF. */
  purityForNextAttach(): PurityValue {
    return this.attaches++ === 0 ? this.purity : Purity.SELF;
  }

  get attached(): boolean {
    return this.server !== null;
  }

  /** The server session the client works in now (attached) or last. */
  get session(): ServerSession<C> | null {
    return this.server?.session ?? this.lastSession;
  }

  attach(signal: AbortSignal): Promise<Attachment> {
    return this.broker.attach(this, signal);
  }

  release(dropCursors: boolean): void {
    this.broker.release(this, dropCursors);
  }

  disconnect(): void {
    this.broker.disconnect(this);
  }

  /** Records a cursor the client opened in its session. */
  own(cursorId: number): void {
    this.session?.owners.set(cursorId, this.id);
  }

  /** Cursors of this client in its current session. */
  ownCursors(): C[] {
    const s = this.session;
    if (!s) return [];
    return [...s.owners].filter(([id, owner]) => owner === this.id && s.cursors.has(id)).map(([id]) => s.cursors.get(id)!);
  }
}
