import { customCleanEnv } from 'envalid';
import { overlayConfigDir, readConfigDirSync, type ReadConfigDir } from './config-dir.js';
import { readUtf8, resolveFileVariables, type Environment, type ReadFile } from './files.js';
import { crossFieldProblems, rangeProblems, type ConfigProblem } from './rules.js';
import { drcpProblems, serverModeOf } from './drcp-rules.js';
import type { ServerMode } from '../db/connect-data.js';
import type { DatabaseReadiness } from '../health/readiness.js';
import { Secret } from './secret.js';
import { configSpec, describeVariables, type VariableDoc, type VariableName } from './spec.js';

/**
 * loadConfig(env): the only reader of the environment, and even it does not
 * touch process.env: it is handed the environment (envalid's lesson), so
 * tests pass plain objects. It reports every problem at once and returns a
 * typed, frozen Config.
 */

export interface Config {
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly port: number;
  readonly host: string;
  readonly listenBacklog: number;
  /** RETRY_AFTER_JITTER (src/http/retry-after.ts). */
  readonly retryAfterJitter: number;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
  /** CONFIG_DIR: watched for live changes (reload.ts); undefined: environment only. */
  readonly configDir: string | undefined;
  readonly db: {
    readonly user: string;
    readonly password: Secret;
    readonly connectString: string;
    readonly walletLocation: string | undefined;
    readonly walletPassword: Secret | undefined;
    readonly configDir: string | undefined;
    /** Dedicated sessions, or DRCP pooled servers (and how). */
    readonly server: Readonly<ServerMode>;
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
    readonly stmtCacheSize: number;
    readonly slowHoldSeconds: number;
    readonly borrowSites: 'after-slow-hold' | 'always';
    /** Sessions the whole fleet may hold (0: not set); reported, not enforced. */
    readonly fleetSessionBudget: number;
  };
  readonly admission: {
    readonly enabled: boolean;
    readonly eventLoopDelayMs: number;
    readonly heapRatio: number;
  };
  /** The database circuit breaker (src/db/breaker.ts). */
  readonly breaker: {
    readonly enabled: boolean;
    readonly failureThreshold: number;
    readonly openSeconds: number;
  };
  /** READINESS_DATABASE: whether a database outage makes the replica unready (health/readiness.ts). */
  readonly readinessDatabase: DatabaseReadiness;
  readonly memory: {
    readonly highWatermark: number;
    readonly lowWatermark: number;
  };
  readonly shutdown: {
    readonly delaySeconds: number;
    readonly drainSeconds: number;
  };
}

/** Thrown by loadConfig with every problem found, never with a secret value in it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.rule}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A Config with what it was made of, so a reload can tell which variables changed. */
export interface ConfigSource {
  config: Config;
  /** Every variable's parsed value (secrets included: compare, never print). */
  values: Readonly<Record<VariableName, unknown>>;
  /** The environment after CONFIG_DIR was laid over it. */
  environment: Readonly<Record<string, string | undefined>>;
}

/**
 * Validate the whole environment at once and return a typed, frozen Config,
 * or throw a ConfigError listing every problem. Secret values never appear in
 * a problem: a secret can only be missing or unreadable.
 */
export function loadConfig(env: Environment, readFile: ReadFile = readUtf8, readDir: ReadConfigDir = readConfigDirSync): Config {
  return loadConfigSource(env, readFile, readDir).config;
}

/** loadConfig, keeping the parsed values and the merged environment (reload.ts diffs them). */
export function loadConfigSource(env: Environment, readFile: ReadFile = readUtf8, readDir: ReadConfigDir = readConfigDirSync): ConfigSource {
  const problems: ConfigProblem[] = [];
  const environment = overlayConfigDir(env, readDir, problems);
  const resolved = resolveFileVariables(environment, readFile, problems);
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

  // Ranges only make sense over values that parsed, and rules between
  // variables only over values that kept their ranges.
  const unparsed = new Set(problems.map((p) => p.variable));
  problems.push(...rangeProblems(cleaned, unparsed));
  problems.push(...crossFieldProblems(cleaned, new Set(problems.map((p) => p.variable))));
  problems.push(...drcpProblems(cleaned, unparsed));
  if (problems.length > 0) throw new ConfigError(problems);

  const c = cleaned as { [K in VariableName]: K extends 'ADMISSION_CONTROL' | 'DB_BREAKER_ENABLED' ? boolean : string & number };
  const optional = (value: string) => (value === '' ? undefined : value);
  const nodeEnv = c.NODE_ENV as Config['nodeEnv'];
  const config: Config = {
    nodeEnv,
    port: c.PORT,
    host: c.HOST,
    listenBacklog: c.HTTP_LISTEN_BACKLOG,
    retryAfterJitter: c.RETRY_AFTER_JITTER,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT === 'auto' ? (nodeEnv === 'development' ? 'pretty' : 'json') : (c.LOG_FORMAT as 'json' | 'pretty'),
    configDir: optional(c.CONFIG_DIR),
    db: {
      user: c.DB_USER,
      password: new Secret(c.DB_PASSWORD),
      connectString: c.DB_CONNECT_STRING,
      walletLocation: optional(c.DB_WALLET_LOCATION),
      walletPassword: c.DB_WALLET_PASSWORD === '' ? undefined : new Secret(c.DB_WALLET_PASSWORD),
      configDir: optional(c.DB_CONFIG_DIR),
      server: serverModeOf(cleaned),
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
      stmtCacheSize: c.DB_STMT_CACHE_SIZE,
      slowHoldSeconds: c.DB_SLOW_HOLD_SECONDS,
      borrowSites: cleaned.DB_BORROW_SITES as 'after-slow-hold' | 'always',
      fleetSessionBudget: c.DB_SESSION_BUDGET,
    },
    admission: {
      enabled: cleaned.ADMISSION_CONTROL as boolean,
      eventLoopDelayMs: c.SHED_EVENT_LOOP_DELAY_MS,
      heapRatio: c.SHED_HEAP_RATIO,
    },
    breaker: {
      enabled: cleaned.DB_BREAKER_ENABLED as boolean,
      failureThreshold: c.DB_BREAKER_FAILURES,
      openSeconds: c.DB_BREAKER_OPEN_SECONDS,
    },
    readinessDatabase: cleaned.READINESS_DATABASE as DatabaseReadiness,
    memory: {
      highWatermark: c.MEMORY_HIGH_WATERMARK,
      lowWatermark: c.MEMORY_LOW_WATERMARK,
    },
    shutdown: {
      delaySeconds: c.SHUTDOWN_DELAY_SECONDS,
      drainSeconds: c.SHUTDOWN_DRAIN_SECONDS,
    },
  };
  const values = Object.fromEntries(Object.keys(configSpec).map((name) => [name, cleaned[name]])) as Record<VariableName, unknown>;
  return { config: deepFreeze(config), values: Object.freeze(values), environment: Object.freeze(environment) };
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !(inner instanceof Secret)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
