import { readFileSync } from 'node:fs';
import { bool, customCleanEnv, EnvError, makeValidator, str } from 'envalid';
import { Secret } from './secret.js';

/**
 * The configuration spec: the single source of truth for every variable
 * orapool reads. The README table, .env.example, the Helm chart's ConfigMap
 * and Secret, and the k8s ConfigMap are generated from (or checked against)
 * this spec by scripts/gen-config-docs.ts; test/unit/config-drift.test.ts fails
 * when they disagree.
 *
 * This module is the only reader of the environment, and even it does not
 * touch process.env: loadConfig(env) is handed the environment (envalid's
 * lesson), so tests pass plain objects.
 */

/** Where a variable lives when deployed: a ConfigMap, or a Secret. */
export type VariableKind = 'setting' | 'secret' | 'credential';

const int = makeValidator<number>((input) => {
  if (!/^-?\d+$/.test(input.trim())) throw new EnvError(`must be a whole number (got "${input}")`);
  return Number.parseInt(input, 10);
});

const decimal = makeValidator<number>((input) => {
  const value = Number(input.trim());
  if (input.trim() === '' || !Number.isFinite(value)) throw new EnvError(`must be a number (got "${input}")`);
  return value;
});

const port = makeValidator<number>((input) => {
  const value = Number(input.trim());
  if (!/^\d+$/.test(input.trim()) || value < 1 || value > 65535) {
    throw new EnvError(`must be a TCP port from 1 to 65535 (got "${input}")`);
  }
  return value;
});

/**
 * Every variable. `kind` decides where deployments put it: 'setting' in a
 * ConfigMap; 'credential' and 'secret' in a Secret, and both may be read from
 * a mounted file named by <NAME>_FILE. A 'secret' value is never printed,
 * not even in a validation error.
 */
export const configSpec = {
  NODE_ENV: str({
    choices: ['production', 'development', 'test'],
    default: 'production',
    desc: 'Runtime mode. production: JSON logs, the simulator is never started. development: readable logs.',
    example: 'production',
  }),
  PORT: port({ default: 5001, desc: 'HTTP port the service listens on.', example: '5001' }),
  HOST: str({ default: '0.0.0.0', desc: 'Address the HTTP server binds to.', example: '0.0.0.0' }),
  LOG_LEVEL: str({
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

  DB_USER: str({ desc: 'Database user the pool logs on as. Also readable from DB_USER_FILE.', example: 'orapool' }),
  DB_PASSWORD: str({ desc: 'Password of DB_USER. Also readable from DB_PASSWORD_FILE (a mounted Secret). Never logged.', example: 'change-me' }),
  DB_CONNECT_STRING: str({
    desc: 'Easy Connect string or TNS alias (with DB_CONFIG_DIR). Also readable from DB_CONNECT_STRING_FILE.',
    example: 'localhost:1521/FREEPDB1',
  }),
  DB_WALLET_LOCATION: str({
    default: '',
    desc: 'Directory holding ewallet.pem for mutual TLS (Autonomous Database). Empty: no wallet.',
    example: '/etc/orapool/wallet',
  }),
  DB_WALLET_PASSWORD: str({
    default: '',
    desc: 'Password of the PEM wallet. Also readable from DB_WALLET_PASSWORD_FILE. Never logged.',
    example: 'change-me',
  }),
  DB_CONFIG_DIR: str({
    default: '',
    desc: 'Directory holding tnsnames.ora, so DB_CONNECT_STRING may be an alias. Empty: none.',
    example: '/etc/orapool/wallet',
  }),

  DB_POOL_MIN: int({ default: 5, desc: 'Connections the pool keeps open even when idle.', example: '5' }),
  DB_POOL_MAX: int({
    default: 40,
    desc: 'Most connections the pool opens. Each replica opens up to this many database sessions.',
    example: '40',
  }),
  DB_POOL_INCREMENT: int({ default: 1, desc: 'Connections opened at once when the pool grows.', example: '1' }),
  DB_POOL_TIMEOUT: decimal({
    default: 30,
    desc: 'Seconds a request waits in the queue for a free connection before it gets 503 (the pool queue timeout).',
    example: '30',
  }),
  DB_POOL_QUEUE_MAX: int({
    default: 1000,
    desc: 'Most requests waiting for a connection; beyond it a request gets 503 at once. A memory backstop: admission control bounds the wait by time first.',
    example: '1000',
  }),
  DB_POOL_RECYCLE: int({
    default: 3600,
    desc: 'Seconds a session may live before the pool replaces it (maxLifetimeSession). 0 disables.',
    example: '3600',
  }),
  DB_POOL_IDLE_TIMEOUT: int({
    default: 60,
    desc: 'Seconds an idle connection above DB_POOL_MIN stays open before the pool closes it. 0 disables.',
    example: '60',
  }),
  DB_POOL_PING_INTERVAL: int({
    default: 60,
    desc: 'Seconds a connection may sit idle before it is pinged at checkout. 0 pings every checkout; -1 never.',
    example: '60',
  }),
  DB_POOL_PING_TIMEOUT: decimal({
    default: 5,
    desc: 'Seconds a checkout ping may take before the connection is discarded.',
    example: '5',
  }),
  DB_EXPIRE_TIME: int({
    default: 2,
    desc: 'Minutes between TCP keepalive probes, so firewalls do not silently drop idle sessions. 0 disables.',
    example: '2',
  }),
  // Whole seconds: oracledb rejects a fractional connectTimeout (NJS-007) at every pool creation.
  DB_CONNECT_TIMEOUT: int({
    default: 10,
    desc: 'Whole seconds to establish a new database session before giving up.',
    example: '10',
  }),
  DB_CALL_TIMEOUT: decimal({
    default: 5,
    desc: 'Seconds one database round-trip may take, so a frozen database gives 503 instead of a hang.',
    example: '5',
  }),
  DB_PROBE_INTERVAL: decimal({
    default: 5,
    desc: 'Seconds between background database probes that feed /readyz (probes never borrow per request).',
    example: '5',
  }),
  DB_RETRY_MAX_DELAY: decimal({
    default: 30,
    desc: 'Cap, in seconds, of the exponential backoff between pool creation attempts while the database is unreachable.',
    example: '30',
  }),
  DB_SLOW_HOLD_SECONDS: decimal({
    default: 10,
    desc: 'A connection held longer than this is logged once (route, request id, borrow site) and counted. 0 disables.',
    example: '10',
  }),
  DB_BORROW_SITES: str({
    choices: ['after-slow-hold', 'always'],
    default: 'after-slow-hold',
    desc:
      'When the slow-hold log names the code that borrowed. after-slow-hold: record stacks for ten minutes after a slow hold, ' +
      'so the next one names it (free in the steady state). always: every borrow, so even the first one does (about a tenth of peak throughput).',
    example: 'always',
  }),

  ADMISSION_CONTROL: bool({
    default: true,
    desc: 'Reject at once with 503 when the expected wait for a connection exceeds DB_POOL_TIMEOUT, instead of queueing a request that would time out.',
    example: 'true',
  }),
  SHED_EVENT_LOOP_DELAY_MS: decimal({
    default: 1000,
    desc: 'Shed new requests while the event loop delay (p99, milliseconds) is above this. 0 disables.',
    example: '1000',
  }),
  SHED_HEAP_RATIO: decimal({
    default: 0.95,
    desc: 'Shed new requests while V8 heap used / heap limit is above this ratio. 0 disables.',
    example: '0.95',
  }),
  MEMORY_HIGH_WATERMARK: decimal({
    default: 0.9,
    desc: 'Ratio of RSS to the container memory limit above which /readyz turns 503. 0 disables.',
    example: '0.9',
  }),
  MEMORY_LOW_WATERMARK: decimal({
    default: 0.8,
    desc: 'Ratio below which readiness recovers after crossing MEMORY_HIGH_WATERMARK.',
    example: '0.8',
  }),

  SHUTDOWN_DELAY_SECONDS: decimal({
    default: 5,
    desc: 'Seconds between SIGTERM (readiness turns 503) and closing the listener, so load balancers stop sending traffic.',
    example: '5',
  }),
  SHUTDOWN_DRAIN_SECONDS: decimal({
    default: 15,
    desc: 'Seconds in-flight requests and busy connections get to finish before the pool is closed by force.',
    example: '15',
  }),
} as const;

export type VariableName = keyof typeof configSpec;

/** Which variables are not plain settings. Everything else is a 'setting'. */
const kinds: Partial<Record<VariableName, VariableKind>> = {
  DB_USER: 'credential',
  DB_CONNECT_STRING: 'credential',
  DB_PASSWORD: 'secret',
  DB_WALLET_PASSWORD: 'secret',
};

/** SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS must stay below this; Helm's terminationGracePeriodSeconds adds a margin on top. */
export const MAX_SHUTDOWN_SECONDS = 120;

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
}

/** The spec as plain data, for the generators and drift tests. */
export function describeVariables(): VariableDoc[] {
  return (Object.keys(configSpec) as VariableName[]).map((name) => {
    const spec = configSpec[name] as {
      default?: unknown;
      desc?: string;
      example?: string;
      choices?: readonly unknown[];
    };
    const kind = kinds[name] ?? 'setting';
    return {
      name,
      kind,
      fileAllowed: kind !== 'setting',
      required: !('default' in spec),
      default: 'default' in spec ? String(spec.default) : undefined,
      desc: spec.desc ?? '',
      example: spec.example ?? '',
      choices: spec.choices?.map(String),
    };
  });
}

export interface Config {
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
  readonly db: {
    readonly user: string;
    readonly password: Secret;
    readonly connectString: string;
    readonly walletLocation: string | undefined;
    readonly walletPassword: Secret | undefined;
    readonly configDir: string | undefined;
    readonly connectTimeoutSeconds: number;
    readonly callTimeoutSeconds: number;
    readonly expireTimeMinutes: number;
    readonly probeIntervalSeconds: number;
    readonly retryMaxDelaySeconds: number;
  };
  readonly pool: {
    readonly min: number;
    readonly max: number;
    readonly increment: number;
    readonly queueTimeoutSeconds: number;
    readonly queueMax: number;
    readonly recycleSeconds: number;
    readonly idleTimeoutSeconds: number;
    readonly pingIntervalSeconds: number;
    readonly pingTimeoutSeconds: number;
    readonly slowHoldSeconds: number;
    readonly borrowSites: 'after-slow-hold' | 'always';
  };
  readonly admission: {
    readonly enabled: boolean;
    readonly eventLoopDelayMs: number;
    readonly heapRatio: number;
  };
  readonly memory: {
    readonly highWatermark: number;
    readonly lowWatermark: number;
  };
  readonly shutdown: {
    readonly delaySeconds: number;
    readonly drainSeconds: number;
  };
}

export interface ConfigProblem {
  variable: string;
  rule: string;
}

/** Thrown by loadConfig with every problem found, never with a secret value in it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.rule}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;
export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Resolve <NAME>_FILE for credentials and secrets (Kubernetes mounts Secrets
 * as files). Errors name the variable and the path, never the content.
 */
function resolveFileVariables(env: Environment, readFile: ReadFile, problems: ConfigProblem[]): Record<string, string | undefined> {
  // Empty values count as unset: docker compose and ConfigMaps pass "" for
  // "not given", and a default is what the operator meant.
  const resolved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') resolved[key] = value;
  }
  for (const doc of describeVariables()) {
    if (!doc.fileAllowed) continue;
    const fileVar = `${doc.name}_FILE`;
    const path = resolved[fileVar];
    if (path === undefined) continue;
    if (resolved[doc.name] !== undefined) {
      problems.push({ variable: doc.name, rule: `set both ${doc.name} and ${fileVar}; set only one` });
      continue;
    }
    try {
      // Secret files usually end with a newline (echo, kubectl create secret --from-file).
      const content = readFile(path).replace(/\r?\n$/, '');
      // An empty file is a mounting mistake, not a value: fail now, not at every logon.
      if (content === '') problems.push({ variable: fileVar, rule: `${path} is empty` });
      else resolved[doc.name] = content;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push({ variable: fileVar, rule: `cannot read ${path} (${reason})` });
    }
  }
  return resolved;
}

function crossFieldProblems(e: Record<string, unknown>): ConfigProblem[] {
  const n = (name: VariableName) => e[name] as number;
  const problems: ConfigProblem[] = [];
  const atLeast = (name: VariableName, min: number, why = '') => {
    if (n(name) < min) problems.push({ variable: name, rule: `must be >= ${min}${why} (got ${n(name)})` });
  };
  const positive = (name: VariableName, why: string) => {
    if (!(n(name) > 0)) problems.push({ variable: name, rule: `must be > 0: ${why} (got ${n(name)})` });
  };
  // Passed to oracledb in whole milliseconds: below 1 ms it would round to 0, which means "no limit".
  const atLeastOneMs = (name: VariableName, why: string) => {
    if (!(n(name) >= 0.001)) problems.push({ variable: name, rule: `must be >= 0.001 (1 ms): ${why} (got ${n(name)})` });
  };
  const ratio = (name: VariableName) => {
    if (n(name) < 0 || n(name) >= 1) problems.push({ variable: name, rule: `must be a ratio from 0 (off) to below 1 (got ${n(name)})` });
  };

  atLeast('DB_POOL_MAX', 1);
  atLeast('DB_POOL_MIN', 0);
  atLeast('DB_POOL_INCREMENT', 1);
  if (n('DB_POOL_MIN') > n('DB_POOL_MAX')) {
    problems.push({
      variable: 'DB_POOL_MIN',
      rule: `must be <= DB_POOL_MAX (got DB_POOL_MIN=${n('DB_POOL_MIN')}, DB_POOL_MAX=${n('DB_POOL_MAX')})`,
    });
  }
  // 0 means "wait forever" to oracledb: exactly the hang this service exists to prevent.
  atLeastOneMs('DB_POOL_TIMEOUT', '0 would make requests wait forever');
  // 0 means "unbounded" to oracledb; -1 is oracledb's default, also unbounded.
  atLeast('DB_POOL_QUEUE_MAX', 1, ' (an unbounded queue lets overload grow memory and latency without limit)');
  atLeast('DB_POOL_RECYCLE', 0);
  atLeast('DB_POOL_IDLE_TIMEOUT', 0);
  atLeast('DB_POOL_PING_INTERVAL', -1);
  atLeastOneMs('DB_POOL_PING_TIMEOUT', '0 would let a checkout ping hang');
  atLeast('DB_EXPIRE_TIME', 0);
  atLeast('DB_CONNECT_TIMEOUT', 1, ': 0 would let a connect attempt hang');
  atLeastOneMs('DB_CALL_TIMEOUT', '0 would let a health round-trip hang');
  positive('DB_PROBE_INTERVAL', 'readiness needs a periodic probe');
  positive('DB_RETRY_MAX_DELAY', 'retries need a delay');
  atLeast('DB_SLOW_HOLD_SECONDS', 0);
  atLeast('SHED_EVENT_LOOP_DELAY_MS', 0);
  ratio('SHED_HEAP_RATIO');
  ratio('MEMORY_HIGH_WATERMARK');
  ratio('MEMORY_LOW_WATERMARK');
  // Compared only when both are valid ratios: one line per variable, not a second one about the same mistake.
  const badWatermark = problems.some((p) => p.variable === 'MEMORY_HIGH_WATERMARK' || p.variable === 'MEMORY_LOW_WATERMARK');
  if (!badWatermark && n('MEMORY_HIGH_WATERMARK') > 0 && n('MEMORY_LOW_WATERMARK') >= n('MEMORY_HIGH_WATERMARK')) {
    problems.push({ variable: 'MEMORY_LOW_WATERMARK', rule: 'must be below MEMORY_HIGH_WATERMARK so readiness can recover' });
  }
  atLeast('SHUTDOWN_DELAY_SECONDS', 0);
  atLeast('SHUTDOWN_DRAIN_SECONDS', 0);
  if (n('SHUTDOWN_DELAY_SECONDS') + n('SHUTDOWN_DRAIN_SECONDS') > MAX_SHUTDOWN_SECONDS) {
    problems.push({
      variable: 'SHUTDOWN_DRAIN_SECONDS',
      rule: `SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS must be <= ${MAX_SHUTDOWN_SECONDS}`,
    });
  }
  return problems;
}

/**
 * Validate the whole environment at once and return a typed, frozen Config,
 * or throw a ConfigError listing every problem. Secret values never appear in
 * a problem: a secret can only be missing or unreadable.
 */
export function loadConfig(env: Environment, readFile: ReadFile = readUtf8): Config {
  const problems: ConfigProblem[] = [];
  const resolved = resolveFileVariables(env, readFile, problems);
  const docs = new Map<string, VariableDoc>(describeVariables().map((d) => [d.name, d]));

  // customCleanEnv with an identity middleware: we want plain values back, not
  // envalid's strict proxy, which throws when a value that failed is read.
  const cleaned = customCleanEnv(resolved, configSpec, (env) => ({ ...env }), {
    reporter: ({ errors }) => {
      for (const [variable, error] of Object.entries(errors)) {
        // A <NAME>_FILE problem already explains why <NAME> has no value.
        if (!error || problems.some((p) => p.variable === `${variable}_FILE`)) continue;
        const missing = error.name === 'EnvMissingError' || resolved[variable] === undefined;
        let rule = missing ? `is required: ${docs.get(variable)?.desc ?? ''}` : error.message;
        if (!missing && docs.get(variable)?.kind === 'secret') rule = 'is invalid (value not shown)';
        if (!missing && error.message.startsWith('Value "')) {
          // envalid's choices message; restate it without relying on its wording.
          const choices = (configSpec[variable as VariableName] as { choices?: readonly string[] }).choices ?? [];
          rule = `must be one of ${choices.join(', ')} (got "${resolved[variable]}")`;
        }
        problems.push({ variable, rule });
      }
    },
  }) as unknown as Record<string, unknown>;

  const invalid = new Set(problems.map((p) => p.variable));
  // Cross-field rules only make sense over values that parsed.
  for (const problem of crossFieldProblems(cleaned)) {
    if (!invalid.has(problem.variable)) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const c = cleaned as { [K in VariableName]: K extends 'ADMISSION_CONTROL' ? boolean : string & number };
  const optional = (value: string) => (value === '' ? undefined : value);
  const nodeEnv = c.NODE_ENV as Config['nodeEnv'];
  const config: Config = {
    nodeEnv,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT === 'auto' ? (nodeEnv === 'development' ? 'pretty' : 'json') : (c.LOG_FORMAT as 'json' | 'pretty'),
    db: {
      user: c.DB_USER,
      password: new Secret(c.DB_PASSWORD),
      connectString: c.DB_CONNECT_STRING,
      walletLocation: optional(c.DB_WALLET_LOCATION),
      walletPassword: c.DB_WALLET_PASSWORD === '' ? undefined : new Secret(c.DB_WALLET_PASSWORD),
      configDir: optional(c.DB_CONFIG_DIR),
      connectTimeoutSeconds: c.DB_CONNECT_TIMEOUT,
      callTimeoutSeconds: c.DB_CALL_TIMEOUT,
      expireTimeMinutes: c.DB_EXPIRE_TIME,
      probeIntervalSeconds: c.DB_PROBE_INTERVAL,
      retryMaxDelaySeconds: c.DB_RETRY_MAX_DELAY,
    },
    pool: {
      min: c.DB_POOL_MIN,
      max: c.DB_POOL_MAX,
      increment: c.DB_POOL_INCREMENT,
      queueTimeoutSeconds: c.DB_POOL_TIMEOUT,
      queueMax: c.DB_POOL_QUEUE_MAX,
      recycleSeconds: c.DB_POOL_RECYCLE,
      idleTimeoutSeconds: c.DB_POOL_IDLE_TIMEOUT,
      pingIntervalSeconds: c.DB_POOL_PING_INTERVAL,
      pingTimeoutSeconds: c.DB_POOL_PING_TIMEOUT,
      slowHoldSeconds: c.DB_SLOW_HOLD_SECONDS,
      borrowSites: cleaned.DB_BORROW_SITES as 'after-slow-hold' | 'always',
    },
    admission: {
      enabled: cleaned.ADMISSION_CONTROL as boolean,
      eventLoopDelayMs: c.SHED_EVENT_LOOP_DELAY_MS,
      heapRatio: c.SHED_HEAP_RATIO,
    },
    memory: {
      highWatermark: c.MEMORY_HIGH_WATERMARK,
      lowWatermark: c.MEMORY_LOW_WATERMARK,
    },
    shutdown: {
      delaySeconds: c.SHUTDOWN_DELAY_SECONDS,
      drainSeconds: c.SHUTDOWN_DRAIN_SECONDS,
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !(inner instanceof Secret)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
