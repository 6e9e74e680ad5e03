import type { Spec } from 'envalid';
import { bool, decimal, int, port, str, type Range, type Rules, type ValueType, type VariableKind } from './validators.js';

export type { Range, ValueType, VariableKind } from './validators.js';

/**
 * The configuration spec: the single source of truth for every variable
 * orapool reads, with its description, default, example, type, range and
 * where it lives when deployed. The README table, .env.example, the Helm
 * chart's values and schema, and the k8s ConfigMap are generated from it by
 * scripts/gen-config-docs.ts; test/deploy/config-drift.test.ts fails when
 * they disagree. rules.ts enforces the ranges; load.ts reads the environment.
 */

/** SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS must stay below this; Helm's terminationGracePeriodSeconds adds a margin on top. */
export const MAX_SHUTDOWN_SECONDS = 120;

const RATIO: Range = { minimum: 0, exclusiveMaximum: 1, rule: 'must be a ratio from 0 (off) to below 1' };

/**
 * Every variable. `kind` decides where deployments put it: 'setting' in a
 * ConfigMap; 'credential' and 'secret' in a Secret, and both may be read from
 * a mounted file named by <NAME>_FILE. A 'secret' value is never printed,
 * not even in a validation error.
 */
export const configSpec = {
  CONFIG_DIR: str({
    default: '',
    desc:
      'Directory of settings, one file per variable (a mounted ConfigMap); a file overrides the environment. Watched: a change of a live ' +
      'setting applies without a restart, a change of any other is logged as restart required. Empty: environment only.',
    example: '/etc/orapool/config',
  }),
  NODE_ENV: str({
    choices: ['production', 'development', 'test'],
    default: 'production',
    desc: 'Runtime mode. production: JSON logs, the simulator is never started. development: readable logs.',
    example: 'production',
  }),
  PORT: port({ default: 5001, range: { minimum: 1, maximum: 65535 }, desc: 'HTTP port the service listens on.', example: '5001' }),
  HOST: str({ default: '0.0.0.0', desc: 'Address the HTTP server binds to.', example: '0.0.0.0' }),
  HTTP_LISTEN_BACKLOG: int({
    default: 4096, range: { minimum: 1, maximum: 65535 },
    desc: "Connections the kernel queues before the service accepts them. A burst of new connections past it waits for SYN retransmits (a second or more). Linux caps it at net.core.somaxconn; the startup log says when it does.",
    example: '4096',
  }),
  LOG_LEVEL: str({ live: true,
    choices: ['error', 'warn', 'info', 'http', 'verbose', 'debug'],
    default: 'info',
    desc: 'Least severe log level written. Requests are logged at info; /livez, /readyz and /metrics requests at debug.',
    example: 'info',
  }),
  LOG_FORMAT: str({
    choices: ['auto', 'json', 'pretty'],
    default: 'auto',
    desc: 'Log line format. auto: pretty when NODE_ENV=development, JSON otherwise.',
    example: 'json',
  }),

  DB_USER: str({ kind: 'credential', desc: 'Database user the pool logs on as. Also readable from DB_USER_FILE.', example: 'orapool' }),
  DB_PASSWORD: str({ kind: 'secret', desc: 'Password of DB_USER. Also readable from DB_PASSWORD_FILE (a mounted Secret). Never logged.', example: 'change-me' }),
  DB_CONNECT_STRING: str({
    kind: 'credential',
    desc: 'Easy Connect string or TNS alias (with DB_CONFIG_DIR). Also readable from DB_CONNECT_STRING_FILE.',
    example: 'localhost:1521/FREEPDB1',
  }),
  DB_WALLET_LOCATION: str({
    default: '',
    desc: 'Directory holding ewallet.pem for mutual TLS (Autonomous Database). Empty: no wallet.',
    example: '/etc/orapool/wallet',
  }),
  DB_WALLET_PASSWORD: str({
    kind: 'secret',
    default: '',
    desc: 'Password of the PEM wallet. Also readable from DB_WALLET_PASSWORD_FILE. Never logged.',
    example: 'change-me',
  }),
  DB_CONFIG_DIR: str({
    default: '',
    desc: 'Directory holding tnsnames.ora, so DB_CONNECT_STRING may be an alias. Empty: none.',
    example: '/etc/orapool/wallet',
  }),

  DB_SERVER_TYPE: str({
    choices: ['dedicated', 'pooled'], default: 'dedicated',
    desc: 'dedicated: a database session per connection. pooled: DRCP, a pooled server per call, added to DB_CONNECT_STRING (an alias must say (SERVER=POOLED)).',
    example: 'pooled',
  }),
  DB_CONNECTION_CLASS: str({
    default: '', example: 'orapool-prod',
    desc: "DRCP connection class every replica shares (the chart sets the release name). Empty: orapool, never the driver's random one.",
  }),
  DB_PURITY: str({
    choices: ['default', 'new', 'self'],
    default: 'default',
    desc: "DRCP purity: self reuses a pooled session and its state, new asks for a fresh one, default is the driver's. Needs pooled.",
    example: 'self',
  }),
  DB_POOL_BOUNDARY: str({
    choices: ['none', 'statement', 'transaction'],
    default: 'none',
    desc: 'Implicit connection pooling (Oracle 23ai+): the pooled server goes back at each statement or transaction end. Needs pooled.',
    example: 'statement',
  }),

  DB_POOL_MIN: int({ live: true, default: 5, range: { minimum: 0 }, desc: 'Connections the pool keeps open even when idle.', example: '5' }),
  DB_POOL_MAX: int({ live: true,
    default: 40, range: { minimum: 1 },
    desc: 'Most connections the pool opens. Each replica opens up to this many database sessions.',
    example: '40',
  }),
  DB_SESSION_BUDGET: int({ live: true,
    default: 0, range: { minimum: 0 },
    desc: 'Database sessions all replicas together may hold (the Helm chart sets it from database.maxSessions). Exported as orapool_database_session_budget so an alert can compare the fleet with it; it does not limit the pool (DB_POOL_MAX does). 0: not set.',
    example: '300',
  }),
  DB_POOL_INCREMENT: int({ live: true, default: 1, range: { minimum: 1 }, desc: 'Connections opened at once when the pool grows.', example: '1' }),
  DB_POOL_TIMEOUT: decimal({ live: true,
    default: 30, range: { minimum: 0.001, why: ' (1 ms): 0 would make requests wait forever' },
    desc: 'Seconds a request waits in the queue for a free connection before it gets 503 (the pool queue timeout).',
    example: '30',
  }),
  DB_POOL_QUEUE_MAX: int({ live: true,
    default: 1000, range: { minimum: 1, why: ' (an unbounded queue lets overload grow memory and latency without limit)' },
    desc: 'Most requests waiting for a connection; beyond it a request gets 503 at once. A memory backstop: admission control bounds the wait by time first.',
    example: '1000',
  }),
  DB_POOL_RECYCLE: int({ live: true,
    default: 3600, range: { minimum: 0 },
    desc: 'Seconds a session may live before the pool replaces it (maxLifetimeSession). 0 disables.',
    example: '3600',
  }),
  DB_POOL_IDLE_TIMEOUT: int({ live: true,
    default: 60, range: { minimum: 0 },
    desc: 'Seconds an idle connection above DB_POOL_MIN stays open before the pool closes it. 0 disables.',
    example: '60',
  }),
  DB_POOL_PING_INTERVAL: int({ live: true,
    default: 60, range: { minimum: -1 },
    desc: 'Seconds a connection may sit idle before it is pinged at checkout. 0 pings every checkout; -1 never.',
    example: '60',
  }),
  DB_POOL_PING_TIMEOUT: decimal({
    default: 5, range: { minimum: 0.001, why: ' (1 ms): 0 would let a checkout ping hang' },
    desc: 'Seconds a checkout ping may take before the connection is discarded.',
    example: '5',
  }),
  // Not live: oracledb 26 thin takes stmtCacheSize in reconfigure() but opens new sessions with the creation value.
  DB_STMT_CACHE_SIZE: int({
    default: 30, range: { minimum: 0 },
    desc: 'Statements each session keeps parsed (the driver default). 0 disables.',
    example: '30',
  }),
  DB_EXPIRE_TIME: int({
    default: 2, range: { minimum: 0 },
    desc: 'Minutes between TCP keepalive probes, so firewalls do not silently drop idle sessions. 0 disables.',
    example: '2',
  }),
  // Whole seconds: oracledb rejects a fractional connectTimeout at every pool creation.
  DB_CONNECT_TIMEOUT: int({
    default: 10, range: { minimum: 1, why: ': 0 would let a connect attempt hang' },
    desc: 'Whole seconds to establish a new database session before giving up.',
    example: '10',
  }),
  DB_CALL_TIMEOUT: decimal({
    default: 5, range: { minimum: 0.001, why: ' (1 ms): 0 would let a health round-trip hang' },
    desc: 'Seconds one database round-trip may take, so a frozen database gives 503 instead of a hang.',
    example: '5',
  }),
  DB_PROBE_INTERVAL: decimal({
    default: 5, range: { exclusiveMinimum: 0, why: ': readiness needs a periodic probe' },
    desc: 'Seconds between background database probes that feed /readyz (probes never borrow per request).',
    example: '5',
  }),
  DB_RETRY_MAX_DELAY: decimal({
    default: 30, range: { exclusiveMinimum: 0, why: ': retries need a delay' },
    desc: 'Cap, in seconds, of the exponential backoff between pool creation attempts while the database is unreachable.',
    example: '30',
  }),
  DB_BREAKER_ENABLED: bool({
    default: true,
    desc: 'Fail fast while the database is known down: after DB_BREAKER_FAILURES consecutive database-down failures (or a failed background probe) requests get 503 DATABASE_UNAVAILABLE at once instead of queueing.',
    example: 'true',
  }),
  DB_BREAKER_FAILURES: int({
    default: 5, range: { minimum: 1 },
    desc: 'Consecutive requests failing for a database-down reason (call timeout, connect timeout, refused connection) that open the breaker. Busy-pool timeouts and SQL errors never count.',
    example: '5',
  }),
  DB_BREAKER_OPEN_SECONDS: decimal({
    default: 5, range: { exclusiveMinimum: 0, why: ': a trial must come' },
    desc: 'Seconds the open breaker refuses requests before one trial request may pass (the Retry-After it gives); the background probe may close it sooner.',
    example: '5',
  }),
  DB_SLOW_HOLD_SECONDS: decimal({ live: true,
    default: 10, range: { minimum: 0 },
    desc: 'A connection held longer than this is logged once (route, request id, borrow site) and counted. 0 disables.',
    example: '10',
  }),
  DB_BORROW_SITES: str({ live: true,
    choices: ['after-slow-hold', 'always'],
    default: 'after-slow-hold',
    desc:
      'When the slow-hold log names the code that borrowed. after-slow-hold: record stacks for ten minutes after a slow hold, ' +
      'so the next one names it (free in the steady state). always: every borrow, so even the first one does (about a tenth of peak throughput).',
    example: 'always',
  }),

  ADMISSION_CONTROL: bool({ live: true,
    default: true,
    desc: 'Reject at once with 503 when the expected wait for a connection exceeds DB_POOL_TIMEOUT, instead of queueing a request that would time out.',
    example: 'true',
  }),
  RETRY_AFTER_JITTER: decimal({
    default: 0.5, range: { minimum: 0, maximum: 10 },
    desc: 'Spread of Retry-After, so refused clients do not all return in the same second: whole seconds drawn evenly from B (the expected wait rounded up; never less) to B + max(1, ceil(B x this ratio)). 0: exactly B.',
    example: '0.5',
  }),
  SHED_EVENT_LOOP_DELAY_MS: decimal({ live: true,
    default: 1000, range: { minimum: 0 },
    desc: 'Shed new requests while the event loop delay (p99, milliseconds) is above this. 0 disables.',
    example: '1000',
  }),
  SHED_HEAP_RATIO: decimal({ live: true,
    default: 0.95, range: RATIO,
    desc: 'Shed new requests while V8 heap used / heap limit is above this ratio. 0 disables.',
    example: '0.95',
  }),
  READINESS_DATABASE: str({
    choices: ['required', 'startup'], default: 'required',
    desc: 'required: a failed or stale database round-trip turns /readyz 503. startup: only until the pool first reaches the database; later outages are reported in /readyz but leave it 200, so a shared outage keeps every replica answering fast 503 DATABASE_UNAVAILABLE.',
    example: 'startup',
  }),
  MEMORY_HIGH_WATERMARK: decimal({ live: true,
    default: 0.9, range: RATIO,
    desc: 'Ratio of RSS to the container memory limit above which /readyz turns 503. 0 disables.',
    example: '0.9',
  }),
  MEMORY_LOW_WATERMARK: decimal({ live: true,
    default: 0.8, range: RATIO,
    desc: 'Ratio below which readiness recovers after crossing MEMORY_HIGH_WATERMARK.',
    example: '0.8',
  }),

  SHUTDOWN_DELAY_SECONDS: decimal({
    default: 5, range: { minimum: 0, maximum: MAX_SHUTDOWN_SECONDS },
    desc: 'Seconds between SIGTERM (readiness turns 503) and closing the listener, so load balancers stop sending traffic.',
    example: '5',
  }),
  SHUTDOWN_DRAIN_SECONDS: decimal({
    default: 15, range: { minimum: 0, maximum: MAX_SHUTDOWN_SECONDS },
    desc: 'Seconds in-flight requests and busy connections get to finish before the pool is closed by force.',
    example: '15',
  }),
} as const;

export type VariableName = keyof typeof configSpec;

export interface VariableDoc {
  name: VariableName;
  kind: VariableKind;
  /** May also be read from the file named by <name>_FILE. */
  fileAllowed: boolean;
  required: boolean;
  default: string | undefined;
  desc: string;
  example: string;
  choices: readonly string[] | undefined;
  range: Range | undefined;
  /** The JSON type of its value. */
  type: ValueType;
  /** Applied without a restart when it changes in CONFIG_DIR. */
  live: boolean;
}

/** The spec as plain data, for the generators and drift tests. */
export function describeVariables(): VariableDoc[] {
  return (Object.keys(configSpec) as VariableName[]).map((name) => {
    const spec = configSpec[name] as Spec<unknown> & Rules & { type: ValueType };
    const kind = spec.kind ?? 'setting';
    return {
      name,
      kind,
      fileAllowed: kind !== 'setting',
      required: !('default' in spec),
      default: 'default' in spec ? String(spec.default) : undefined,
      desc: spec.desc ?? '',
      example: spec.example ?? '',
      choices: spec.choices?.map(String),
      range: spec.range,
      type: spec.type,
      live: spec.live === true,
    };
  });
}

