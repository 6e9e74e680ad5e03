// What DRCP clients ask the broker for (CONNECT_DATA, the logon keys) and
// what the broker reports (its sessions and figures): the vocabulary shared by
// broker.ts, the session layer and the stats. The broker's behaviour is in broker.ts.

/** Purity as the driver sends it in AUTH_KPPL_PURITY (auth.js:253-258). */
export const Purity = { NEW: 1, SELF: 2 } as const;
export type PurityValue = (typeof Purity)[keyof typeof Purity];
export type PoolBoundary = 'STATEMENT' | 'TRANSACTION';

/** The connection class of requests that name none (views show USER.SHARED). */
export const SHARED_CLASS = 'SHARED';

export interface ServerSession<C> {
  /** what SESS_RET reports */
  id: number;
  serial: number;
  user: string;
  cls: string;
  cursors: Map<number, C>;
  nextCursorId: number;
  /** cursor id -> client connection that opened it */
  owners: Map<number, number>;
}


/** What a client connection asked for in its connect descriptor (CONNECT_DATA). */
export interface PooledConnectData {
  cls?: string;
  purity?: PurityValue;
  boundary?: PoolBoundary;
}

export interface Counters {
  requests: number;
  hits: number;
  misses: number;
  waits: number;
}

export interface ClassStats extends Counters {
  /** pooled servers lent to this class now, and at most at once */
  busy: number;
  busyPeak: number;
}

export interface DrcpStats extends Counters {
  pooledServers: number;
  busy: number;
  busyPeak: number;
  releases: number;
  /** cursors open across every pooled session: what a leak would grow */
  openCursors: number;
  /** per connection class */
  classes: Record<string, ClassStats>;
}

/** Reads SERVER=POOLED and the POOL_* keys of CONNECT_DATA (ezConnectResolver.js:163-189). */
export function pooledConnectData(descriptor: string): PooledConnectData | null {
  const value = (key: string) => new RegExp(`\\(\\s*${key}\\s*=\\s*([^)]*?)\\s*\\)`, 'i').exec(descriptor)?.[1];
  if (value('SERVER')?.toUpperCase() !== 'POOLED') return null;
  const purity = value('POOL_PURITY')?.toUpperCase();
  const boundary = value('POOL_BOUNDARY')?.toUpperCase();
  return {
    cls: value('POOL_CONNECTION_CLASS') || undefined,
    purity: purity === 'NEW' ? Purity.NEW : purity === 'SELF' ? Purity.SELF : undefined,
    boundary: boundary === 'STATEMENT' || boundary === 'TRANSACTION' ? boundary : undefined,
  };
}
