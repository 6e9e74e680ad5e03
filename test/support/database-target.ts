import { startSimulator, type Simulator, type SimulatorOptions } from '@orapool/oracle-sim';

/**
 * Where integration tests send the real driver: our wire-protocol simulator,
 * or a real Oracle when ORACLE_TEST_USER, ORACLE_TEST_PASSWORD and
 * ORACLE_TEST_CONNECT_STRING are set (e.g. the docker compose database).
 * Cases that need latency control or fault injection only run against the
 * simulator; against a real Oracle they are skipped and say why.
 */
export interface DatabaseTarget {
  kind: 'simulator' | 'oracle';
  user: string;
  password: string;
  connectString: string;
  /** Present only for the simulator. */
  sim?: Simulator;
  close(): Promise<void>;
}

export const realOracle =
  process.env.ORACLE_TEST_USER && process.env.ORACLE_TEST_PASSWORD && process.env.ORACLE_TEST_CONNECT_STRING
    ? {
        user: process.env.ORACLE_TEST_USER,
        password: process.env.ORACLE_TEST_PASSWORD,
        connectString: process.env.ORACLE_TEST_CONNECT_STRING,
      }
    : undefined;

export const needsSimulatorReason = 'needs the simulator (latency control / fault injection); ORACLE_TEST_* points at a real Oracle';

if (realOracle) {
  process.stderr.write(`integration tests: running against a real Oracle at ${realOracle.connectString}; fault-injection cases are skipped: ${needsSimulatorReason}\n`);
}

export async function startDatabase(options: SimulatorOptions = {}): Promise<DatabaseTarget> {
  if (realOracle) return { kind: 'oracle', ...realOracle, close: async () => {} };
  const sim = await startSimulator(options);
  return {
    kind: 'simulator',
    user: 'orapool',
    password: 'orapool-sim',
    connectString: sim.connectString,
    sim,
    close: () => sim.close(),
  };
}

/** The service's database settings for a target. */
export function dbEnv(target: DatabaseTarget): Record<string, string> {
  return { DB_USER: target.user, DB_PASSWORD: target.password, DB_CONNECT_STRING: target.connectString };
}

/** Read one sample of a Prometheus series from an exposition ("name" or "name{labels}"). */
export function metricValue(exposition: string, series: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export async function getJson(url: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; ms: number }> {
  const start = performance.now();
  const response = await fetch(url);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body, ms: performance.now() - start };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Wait until the service's /readyz answers 200 (the pool exists and a round-trip succeeded). */
export async function waitUntilReady(service: { url: string }, timeoutMs = 20_000): Promise<void> {
  await waitFor('readiness', async () => (await fetch(`${service.url}/readyz`)).status === 200, timeoutMs);
}

/** Longer than any integration test runs, in seconds: a bound set to it never answers within the test. */
export const FAR_BEYOND_THE_TEST = '120';

/**
 * The service's settings against a database the test freezes: a 1 s call
 * timeout finds the freeze, no idle ping borrows a connection behind the
 * test's back, and the queue and connect timeouts are far beyond the test,
 * so what answers a request while frozen is the breaker (or readiness),
 * never a timeout: no wall-clock threshold needs asserting.
 */
export const FREEZE_ENV = {
  DB_POOL_PING_INTERVAL: '-1',
  DB_CALL_TIMEOUT: '1',
  DB_POOL_TIMEOUT: FAR_BEYOND_THE_TEST,
  DB_CONNECT_TIMEOUT: FAR_BEYOND_THE_TEST,
} as const;
