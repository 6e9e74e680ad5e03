/**
 * The server mode (dedicated, or DRCP's pooled servers) as the thin driver
 * takes it: only from the connect string's CONNECT_DATA. It has no pool or
 * connection option for SERVER, POOL_PURITY or POOL_BOUNDARY
 * (lib/thin/connection.js reads them from the resolved descriptor), so
 * orapool writes them into DB_CONNECT_STRING:
 *
 *   Easy Connect  host:port/service -> host:port/service:pooled?pool_boundary=STATEMENT&...
 *                 (the driver's own syntax, ezConnectResolver.js; other parameters stay)
 *   descriptor    (CONNECT_DATA=...) -> (CONNECT_DATA=(SERVER=POOLED)(POOL_BOUNDARY=STATEMENT)...)
 *                 in every CONNECT_DATA of the descriptor
 *   The connection class is not written: the driver sends it (pool-attributes.ts).
 *   TNS alias     left alone: its entry lives in tnsnames.ora, which orapool does not rewrite.
 *                 The entry must carry the keys itself (config rules refuse the settings
 *                 orapool cannot apply there; server-type-check.ts compares SERVER once the
 *                 driver has resolved the entry; docs/operations.md#drcp).
 *
 * A key the string already has must agree with the setting; the config rules
 * (src/config/drcp-rules.ts) refuse a disagreement before anything connects.
 * Pure: no oracledb, so the config rules can use it too.
 */

export type ServerType = 'dedicated' | 'pooled';
export type Purity = 'default' | 'new' | 'self';
export type PoolBoundary = 'none' | 'statement' | 'transaction';

export interface ServerMode {
  type: ServerType;
  /** The DRCP connection class; only sent when pooled. */
  connectionClass: string;
  purity: Purity;
  boundary: PoolBoundary;
}

export type ConnectStringForm = 'easy-connect' | 'descriptor' | 'alias';

/** What a connect string itself asks for, each key upper-cased; undefined when it does not say. */
export interface AskedMode {
  form: ConnectStringForm;
  server?: string;
  connectionClass?: string;
  purity?: string;
  boundary?: string;
}

/** The driver's own test (parserHelpers.js resolveConnectStr): '(' ... ')' is a descriptor, ':' or '/' Easy Connect, else an alias. */
export function connectStringForm(connectString: string): ConnectStringForm {
  const s = connectString.trim();
  if (s.startsWith('(') && s.includes(')')) return 'descriptor';
  return s.includes(':') || s.includes('/') ? 'easy-connect' : 'alias';
}

/** host[:port][/service][:server][/instance], optionally after protocol:// or //; parameters split off first. */
const EASY_CONNECT = /^(?<head>(?:[a-z0-9]+:)?\/\/)?(?<hosts>[^/]+)(?:\/(?<service>[^/:]*))?(?::(?<server>dedicated|shared|pooled))?(?<instance>\/[^/]*)?$/i;

const PARAMETER_OF = { connectionClass: 'POOL_CONNECTION_CLASS', purity: 'POOL_PURITY', boundary: 'POOL_BOUNDARY' } as const;

function splitEasyConnect(s: string): { base: string; params: string | undefined } {
  const q = s.indexOf('?');
  return q < 0 ? { base: s, params: undefined } : { base: s.slice(0, q), params: s.slice(q + 1) };
}

function easyConnectParams(params: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (params ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) map.set(pair.slice(0, eq).trim().toUpperCase(), pair.slice(eq + 1).trim());
  }
  return map;
}

function descriptorValue(descriptor: string, key: string): string | undefined {
  return new RegExp(`\\(\\s*${key}\\s*=\\s*"?([^)"]*?)"?\\s*\\)`, 'i').exec(descriptor)?.[1];
}

const upper = (value: string | undefined) => (value === undefined || value === '' ? undefined : value.toUpperCase());

/** What the connect string asks for by itself. */
export function askedMode(connectString: string): AskedMode {
  const s = connectString.trim();
  const form = connectStringForm(s);
  if (form === 'alias') return { form };
  if (form === 'descriptor') {
    return {
      form,
      server: upper(descriptorValue(s, 'SERVER')),
      connectionClass: descriptorValue(s, PARAMETER_OF.connectionClass),
      purity: upper(descriptorValue(s, PARAMETER_OF.purity)),
      boundary: upper(descriptorValue(s, PARAMETER_OF.boundary)),
    };
  }
  const { base, params } = splitEasyConnect(s);
  const p = easyConnectParams(params);
  return {
    form,
    server: upper(EASY_CONNECT.exec(base)?.groups?.server),
    connectionClass: p.get(PARAMETER_OF.connectionClass),
    purity: upper(p.get(PARAMETER_OF.purity)),
    boundary: upper(p.get(PARAMETER_OF.boundary)),
  };
}

/** The CONNECT_DATA keys a mode needs, as the connect string would spell them (upper case). */
export function wantedKeys(mode: ServerMode): { SERVER?: string; POOL_CONNECTION_CLASS?: string; POOL_PURITY?: string; POOL_BOUNDARY?: string } {
  if (mode.type !== 'pooled') return {};
  return {
    SERVER: 'POOLED',
    POOL_CONNECTION_CLASS: mode.connectionClass,
    ...(mode.purity !== 'default' ? { POOL_PURITY: mode.purity.toUpperCase() } : {}),
    ...(mode.boundary !== 'none' ? { POOL_BOUNDARY: mode.boundary.toUpperCase() } : {}),
  };
}

/**
 * The connect string with the mode's keys added where it lacks them. A
 * dedicated mode, and a TNS alias, come back unchanged. Callers check
 * agreement first (the config rules do): existing keys are never replaced.
 */
export function withServerMode(connectString: string, mode: ServerMode): string {
  const s = connectString.trim();
  const form = connectStringForm(s);
  const keys = wantedKeys(mode);
  if (form === 'alias' || keys.SERVER === undefined) return connectString;
  const asked = askedMode(s);
  const missing = (Object.entries(keys) as [keyof typeof keys, string][]).filter(([key]) => {
    if (key === 'SERVER') return asked.server === undefined;
    // The class goes to the driver instead (pool-attributes.ts applyConnectionClass), which every
    // database version reads; a descriptor class would win only from 21c on, and hide a driver that
    // sent its random one.
    if (key === 'POOL_CONNECTION_CLASS') return false;
    const field = ({ POOL_CONNECTION_CLASS: 'connectionClass', POOL_PURITY: 'purity', POOL_BOUNDARY: 'boundary' } as const)[key];
    return asked[field] === undefined;
  });
  if (missing.length === 0) return s;
  if (form === 'descriptor') {
    const inserted = missing.map(([key, value]) => `(${key}=${value})`).join('');
    return s.replace(/\(\s*CONNECT_DATA\s*=/gi, (open) => `${open}${inserted}`);
  }
  const { base, params } = splitEasyConnect(s);
  let newBase = base;
  if (asked.server === undefined) {
    const g = EASY_CONNECT.exec(base)?.groups;
    if (!g) throw new Error('cannot add :pooled to this Easy Connect string');
    newBase = `${g.head ?? ''}${g.hosts}/${g.service ?? ''}:pooled${g.instance ?? ''}`;
  }
  const added = missing.filter(([key]) => key !== 'SERVER').map(([key, value]) => `${key.toLowerCase()}=${value}`);
  const allParams = [params, ...added].filter((p) => p !== undefined && p !== '').join('&');
  return allParams ? `${newBase}?${allParams}` : newBase;
}

/** One key the connect string already has that the mode wants otherwise. */
export interface Disagreement {
  key: 'SERVER' | 'POOL_CONNECTION_CLASS' | 'POOL_PURITY' | 'POOL_BOUNDARY';
  asked: string;
  wanted: string | undefined;
}

/**
 * Where the connect string contradicts the mode: a pooled server asked for
 * by the string but not the mode (or the reverse is fine: the mode adds it),
 * or a POOL_* key with another value. Empty when they agree.
 */
export function disagreements(connectString: string, mode: ServerMode): Disagreement[] {
  const asked = askedMode(connectString);
  const wanted = wantedKeys(mode);
  const found: Disagreement[] = [];
  const pooledAsked = asked.server === 'POOLED';
  if (asked.server !== undefined && pooledAsked !== (mode.type === 'pooled')) found.push({ key: 'SERVER', asked: asked.server, wanted: wanted.SERVER });
  const pairs = [
    ['POOL_CONNECTION_CLASS', asked.connectionClass, wanted.POOL_CONNECTION_CLASS],
    ['POOL_PURITY', asked.purity, wanted.POOL_PURITY],
    ['POOL_BOUNDARY', asked.boundary, wanted.POOL_BOUNDARY],
  ] as const;
  for (const [key, a, w] of pairs) {
    if (a !== undefined && a !== w) found.push({ key, asked: a, wanted: w });
  }
  return found;
}

/** An Easy Connect string orapool cannot add `:pooled` to (no recognisable host/service part). */
export function cannotAddPooled(connectString: string): boolean {
  const asked = askedMode(connectString);
  return asked.form === 'easy-connect' && asked.server === undefined && !EASY_CONNECT.test(splitEasyConnect(connectString.trim()).base);
}

/** The mode as /api/health and the logs report it: the class, purity and boundary only when pooled. */
export interface ServerModeReport {
  serverType: ServerType;
  connectionClass?: string;
  purity?: Purity;
  poolBoundary?: PoolBoundary;
}

export function reportServerMode(mode: ServerMode): ServerModeReport {
  if (mode.type !== 'pooled') return { serverType: mode.type };
  return { serverType: mode.type, connectionClass: mode.connectionClass, purity: mode.purity, poolBoundary: mode.boundary };
}

/** One phrase for the startup line: "server=dedicated", or "server=pooled (DRCP) class=orapool purity=default boundary=statement". */
export function describeServerMode(mode: ServerMode): string {
  if (mode.type !== 'pooled') return `server=${mode.type}`;
  return `server=pooled (DRCP) class=${mode.connectionClass} purity=${mode.purity} boundary=${mode.boundary}`;
}
