import { createEventLoopDelaySensor } from './admission/event-loop-sensor.js';
import { sampledHeapRatio } from './admission/heap-sensor.js';
import { HoldTimeMean } from './admission/hold-time-mean.js';
import { Admission } from './admission/policy.js';
import { createRequestListener } from './app.js';
import { environmentWithDotEnv } from './config/dotenv.js';
import { ConfigError, loadConfigSource, type ConfigSource } from './config/load.js';
import { ConfigReload } from './config/reload.js';
import { createReloadMetrics } from './config/reload-metrics.js';
import { watchConfigDir, type ConfigDirWatch } from './config/watch-dir.js';
import { Breaker } from './db/breaker.js';
import { BreakerDatabase } from './db/breaker-database.js';
import { createBreakerMetrics } from './db/breaker-metrics.js';
import { OraclePool } from './db/pool.js';
import { describeServerMode, reportServerMode } from './db/connect-data.js';
import { createPoolObserver, registerPoolGauges, registerServerModeInfo } from './db/pool-metrics.js';
import type { Database, PoolObserver } from './db/types.js';
import { DbProbe } from './health/db-probe.js';
import { containerMemoryLimit, MemoryWatch, readMemory } from './health/memory.js';
import { createHealthMetrics } from './health/metrics.js';
import { Readiness } from './health/readiness.js';
import { createLogger } from './logger.js';
import { createRegistry } from './metrics/registry.js';
import { effectiveBacklog, readSomaxconn } from './listen-backlog.js';
import { listen } from './server.js';
import { createShutdown } from './shutdown/shutdown.js';
import { version } from './version.js';

/**
 * The composition root: the only place real dependencies are built and wired.
 * config -> logger -> metrics -> pool -> health -> admission -> app -> server -> shutdown.
 */
function configOrExit(environment: Record<string, string | undefined>): ConfigSource {
  try {
    return loadConfigSource(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Plain text on stderr: the logger's own settings may be what is invalid.
    process.stderr.write(
      `orapool: invalid configuration (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}); not starting.\n` +
        error.problems.map((p) => `  ${p.variable}: ${p.rule}\n`).join(''),
    );
    process.exit(78); // EX_CONFIG
  }
}

async function main(): Promise<void> {
  const startedAtMs = Date.now();
  const environment = environmentWithDotEnv(process.env);
  const source = configOrExit(environment);
  const config = source.config;
  const logger = createLogger(config);
  const registry = createRegistry(version);
  const reloadMetrics = createReloadMetrics(registry, startedAtMs / 1000);
  // The live settings read through this, so a reload (CONFIG_DIR) reaches them.
  let live = config;

  // The pool reports to its counters and to admission's hold-time sensor;
  // its gauges read the pool itself, so they are registered once it exists.
  const metricsObserver = createPoolObserver(registry);
  const holdTime = new HoldTimeMean();
  const observer: PoolObserver = {
    ...metricsObserver,
    released: (seconds) => {
      metricsObserver.released(seconds);
      holdTime.record(seconds);
    },
  };
  const pool = new OraclePool({ config, logger, observer });
  registerPoolGauges(registry, pool);
  const serverMode = reportServerMode(config.db.server);
  registerServerModeInfo(registry, serverMode);
  // Requests see the database through the circuit breaker; the background
  // probe is never refused by it, since it is how an open breaker learns the
  // database answers again.
  let db: Database = pool;
  let probed: Database = pool;
  if (config.breaker.enabled) {
    const breaker: Breaker = new Breaker({
      failureThreshold: config.breaker.failureThreshold,
      openSeconds: config.breaker.openSeconds,
      logger,
      onTransition: createBreakerMetrics(registry, () => breaker.state),
    });
    const guarded = new BreakerDatabase(pool, breaker, metricsObserver);
    db = guarded;
    probed = guarded.forProbe();
  }

  const readiness = new Readiness({
    poolCreated: () => pool.created,
    createError: () => pool.lastCreateError,
    // A few missed probes, not one, before "no recent success": one slow probe must not flap readiness.
    maxSuccessAgeSeconds: 3 * config.db.probeIntervalSeconds + config.db.callTimeoutSeconds,
    databaseReadiness: config.readinessDatabase,
  });
  const containerLimit = containerMemoryLimit();
  const memory = () => readMemory(containerLimit);
  createHealthMetrics(registry, readiness, memory, {
    get memoryHighWatermark() {
      return live.memory.highWatermark;
    },
    get fleetSessionBudget() {
      return live.pool.fleetSessionBudget;
    },
  });
  const memoryWatch = new MemoryWatch({
    read: memory,
    highWatermark: config.memory.highWatermark,
    lowWatermark: config.memory.lowWatermark,
    onPressure: (on) => readiness.setMemoryPressure(on),
    logger,
  });
  const eventLoop = createEventLoopDelaySensor();
  const admission = new Admission({
    enabled: config.admission.enabled,
    eventLoopDelayLimitMs: config.admission.eventLoopDelayMs,
    heapRatioLimit: config.admission.heapRatio,
    figures: () => pool.figures(),
    meanHoldSeconds: () => holdTime.mean(),
    eventLoopDelayMs: eventLoop.p99Ms,
    heapRatio: sampledHeapRatio(),
    logger,
    registry,
  });
  const probe = new DbProbe(probed, readiness, logger, config.db.probeIntervalSeconds);

  // Live reload: the pool first (only the driver can refuse, and then nothing changed), then orapool's own settings.
  const reload = new ConfigReload({
    initial: source,
    load: () => loadConfigSource(environment),
    loadMerged: (merged) => loadConfigSource(merged, undefined, () => ({})),
    apply: async (next) => {
      await pool.reconfigure(next);
      admission.setLimits({ enabled: next.admission.enabled, eventLoopDelayLimitMs: next.admission.eventLoopDelayMs, heapRatioLimit: next.admission.heapRatio });
      memoryWatch.setWatermarks(next.memory.highWatermark, next.memory.lowWatermark);
      logger.level = next.logLevel;
      live = next;
    },
    logger,
    metrics: reloadMetrics,
  });
  let configWatch: ConfigDirWatch | undefined;

  const listener = createRequestListener({ db, readiness, admission, registry, logger, version, startedAtMs, serverMode, retryAfterJitter: config.retryAfterJitter });
  const backlog = effectiveBacklog(config.listenBacklog, readSomaxconn());
  if (backlog.cappedBy !== undefined) {
    logger.warn(`HTTP_LISTEN_BACKLOG=${config.listenBacklog} is capped by the kernel at net.core.somaxconn=${backlog.cappedBy}`, {
      event: 'listen_backlog_capped',
      requested: config.listenBacklog,
      somaxconn: backlog.cappedBy,
    });
  }
  let server;
  try {
    server = await listen(listener, config.port, config.host, config.listenBacklog);
  } catch (error) {
    logger.error(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { event: 'listen_failed' });
    process.exit(1);
  }
  // Signal handlers go in before the 'listening' line: whoever waits for that
  // line (an orchestrator, a test) may signal at once, and a SIGTERM with no
  // handler yet would kill the process instead of draining it.
  const shutdown = createShutdown({
    server,
    logger,
    markShuttingDown: () => readiness.markShuttingDown(),
    refuseWaiting: () => pool.refuseWaiting(),
    closePool: (drainSeconds) => pool.close(drainSeconds),
    stopBackground: () => {
      probe.stop();
      configWatch?.stop();
      memoryWatch.stop();
      eventLoop.stop();
    },
    delaySeconds: config.shutdown.delaySeconds,
    drainSeconds: config.shutdown.drainSeconds,
    exit: (code) => {
      // Let winston flush the last lines before the process ends.
      logger.on('finish', () => process.exit(code));
      logger.end();
      setTimeout(() => process.exit(code), 500).unref();
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
  logger.info(`orapool ${version} listening on http://${config.host}:${config.port} (database ${describeServerMode(config.db.server)})`, {
    event: 'listening',
    version,
    nodeEnv: config.nodeEnv,
    listenBacklog: backlog.backlog,
    pool: { min: config.pool.min, max: config.pool.max, queueTimeoutSeconds: config.pool.queueTimeoutSeconds, queueMax: config.pool.queueMax },
    containerMemoryLimitBytes: containerLimit,
    database: serverMode,
  });

  pool.start();
  probe.start();
  memoryWatch.start();
  if (config.configDir) {
    configWatch = watchConfigDir({ dir: config.configDir, onChange: () => reload.reload(), logger });
    logger.info(`Watching CONFIG_DIR ${config.configDir} for live settings`, { event: 'config_watch_started', dir: config.configDir });
  }

  process.on('unhandledRejection', (reason) => {
    logger.error('Unhandled promise rejection', { event: 'unhandled_rejection', error: String((reason as Error)?.message ?? reason) });
  });
}

await main();
