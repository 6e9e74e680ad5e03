// Command-line and SIM_* environment options of the oracle-sim CLI (main.ts). Flags win over the
// environment; every bad value is reported at once.
import type { SimulatorOptions } from '../server/simulator.js';
import type { SessionLimitError } from '../server/session-context.js';

export interface CliOptions {
  simulator: SimulatorOptions;
  controlPort: number;
  verbose: boolean;
}

interface Spec {
  flag: string;
  env: string;
  desc: string;
  kind: 'string' | 'int' | 'bool';
}

export const CLI_SPECS: Spec[] = [
  { flag: 'host', env: 'SIM_HOST', desc: 'address to listen on (default 127.0.0.1)', kind: 'string' },
  { flag: 'port', env: 'SIM_PORT', desc: 'listener port, 0 = ephemeral (default 1521)', kind: 'int' },
  { flag: 'control-port', env: 'SIM_CONTROL_PORT', desc: 'HTTP control port on 127.0.0.1 (default 0 = ephemeral)', kind: 'int' },
  { flag: 'service', env: 'SIM_SERVICE', desc: 'service name (default FREEPDB1)', kind: 'string' },
  { flag: 'user', env: 'SIM_USER', desc: 'user name (default orapool)', kind: 'string' },
  { flag: 'password', env: 'SIM_PASSWORD', desc: 'password (default orapool-sim)', kind: 'string' },
  { flag: 'verifier', env: 'SIM_VERIFIER', desc: '11g or 12c (default 12c)', kind: 'string' },
  { flag: 'latency-ms', env: 'SIM_LATENCY_MS', desc: 'mean statement latency (default 0)', kind: 'int' },
  { flag: 'latency-p99-ms', env: 'SIM_LATENCY_P99_MS', desc: '99th percentile statement latency (default = mean)', kind: 'int' },
  { flag: 'logon-latency-ms', env: 'SIM_LOGON_LATENCY_MS', desc: 'added to every logon (default 0)', kind: 'int' },
  { flag: 'max-sessions', env: 'SIM_MAX_SESSIONS', desc: 'session limit (default unlimited)', kind: 'int' },
  { flag: 'session-limit-error', env: 'SIM_SESSION_LIMIT_ERROR', desc: 'ORA-00018, ORA-12516 or ORA-12519', kind: 'string' },
  { flag: 'max-processes', env: 'SIM_MAX_PROCESSES', desc: 'PROCESSES: connections beyond it fail their logon with ORA-00020 (default unlimited)', kind: 'int' },
  { flag: 'sessions-per-user', env: 'SIM_SESSIONS_PER_USER', desc: 'profile SESSIONS_PER_USER: ORA-02391 past it (default unlimited)', kind: 'int' },
  { flag: 'idle-time-ms', env: 'SIM_IDLE_TIME_MS', desc: 'profile IDLE_TIME in ms: the next call fails with ORA-02396 (default unlimited)', kind: 'int' },
  { flag: 'connect-time-ms', env: 'SIM_CONNECT_TIME_MS', desc: 'profile CONNECT_TIME in ms: the next call fails with ORA-02399 (default unlimited)', kind: 'int' },
  { flag: 'capacity', env: 'SIM_CAPACITY', desc: 'statements executing at once (default unlimited)', kind: 'int' },
  { flag: 'tls', env: 'SIM_TLS', desc: 'listen with TLS (TCPS): --tls = mutual TLS (client certificate required), --tls=one-way', kind: 'bool' },
  { flag: 'wallet-dir', env: 'SIM_WALLET_DIR', desc: 'with --tls: write ewallet.pem and tnsnames.ora here (default a new temp dir)', kind: 'string' },
  { flag: 'wallet-password', env: 'SIM_WALLET_PASSWORD', desc: 'with --tls: encrypt the wallet key with this password (never printed)', kind: 'string' },
  { flag: 'pooled-servers', env: 'SIM_POOLED_SERVERS', desc: 'start the DRCP broker with N pooled servers (default: DRCP off, SERVER=POOLED refused with ORA-12520)', kind: 'int' },
  { flag: 'verbose', env: 'SIM_VERBOSE', desc: 'debug log on stderr', kind: 'bool' },
];

export class CliError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export function usage(): string {
  const lines = CLI_SPECS.map((s) => `  --${s.flag}${s.kind === 'bool' ? '' : ' <value>'}  (${s.env})  ${s.desc}`);
  return `usage: oracle-sim [options]\n${lines.join('\n')}`;
}

export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const problems: string[] = [];
  const raw = new Map<string, string>();
  for (const s of CLI_SPECS) {
    const v = env[s.env];
    if (v !== undefined && v !== '') raw.set(s.flag, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    const spec = m && CLI_SPECS.find((s) => s.flag === m[1]);
    if (!m || !spec) {
      problems.push(`unknown argument "${arg}"`);
      continue;
    }
    if (spec.kind === 'bool') raw.set(spec.flag, m[2] ?? '1');
    else if (m[2] !== undefined) raw.set(spec.flag, m[2]);
    else if (i + 1 < argv.length) raw.set(spec.flag, argv[++i]!);
    else problems.push(`--${spec.flag} needs a value`);
  }
  const int = (flag: string): number | undefined => {
    const v = raw.get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      problems.push(`--${flag} must be a whole number >= 0, got "${v}"`);
      return undefined;
    }
    return n;
  };
  const verifier = raw.get('verifier') ?? '12c';
  if (verifier !== '11g' && verifier !== '12c') problems.push(`--verifier must be 11g or 12c, got "${verifier}"`);
  const limitError = raw.get('session-limit-error');
  if (limitError !== undefined && !['ORA-00018', 'ORA-12516', 'ORA-12519'].includes(limitError)) {
    problems.push(`--session-limit-error must be ORA-00018, ORA-12516 or ORA-12519, got "${limitError}"`);
  }
  const latencyMs = int('latency-ms') ?? 0;
  const p99 = int('latency-p99-ms');
  const capacity = int('capacity');
  if (capacity === 0) problems.push('--capacity must be >= 1');
  const simulator: SimulatorOptions = {
    host: raw.get('host') ?? '127.0.0.1',
    port: int('port') ?? 1521,
    serviceName: raw.get('service') ?? 'FREEPDB1',
    users: [
      {
        user: raw.get('user') ?? 'orapool',
        password: raw.get('password') ?? 'orapool-sim',
        verifier: verifier === '11g' ? '11g' : '12c',
      },
    ],
    statementLatency: p99 === undefined ? latencyMs : { meanMs: latencyMs, p99Ms: p99 },
    logonLatencyMs: int('logon-latency-ms') ?? 0,
    maxSessions: int('max-sessions'),
    sessionLimitError: limitError as SessionLimitError | undefined,
    capacity: capacity || undefined,
    maxProcesses: int('max-processes'),
    profile: {
      sessionsPerUser: int('sessions-per-user'),
      idleTimeMs: int('idle-time-ms'),
      connectTimeMs: int('connect-time-ms'),
    },
  };
  const tlsRaw = raw.get('tls');
  const tlsMode = tlsRaw === undefined || tlsRaw === '0' || tlsRaw === 'false' ? undefined
    : tlsRaw === '1' || tlsRaw === 'true' || tlsRaw === 'mutual' ? 'mutual'
    : tlsRaw === 'one-way' ? 'one-way' : null;
  if (tlsMode === null) problems.push(`--tls must be given alone (mutual TLS) or as --tls=one-way, got "${tlsRaw}"`);
  if (!tlsMode && (raw.has('wallet-dir') || raw.has('wallet-password'))) problems.push('--wallet-dir and --wallet-password need --tls');
  if (tlsMode) simulator.tls = { mode: tlsMode, walletDir: raw.get('wallet-dir'), walletPassword: raw.get('wallet-password') };
  const pooledServers = int('pooled-servers');
  if (pooledServers === 0) problems.push('--pooled-servers must be >= 1');
  if (pooledServers) simulator.pooledServers = pooledServers;
  const controlPort = int('control-port') ?? 0;
  if (problems.length > 0) throw new CliError(problems);
  const verboseRaw = raw.get('verbose');
  return { simulator, controlPort, verbose: verboseRaw !== undefined && verboseRaw !== '0' && verboseRaw !== 'false' };
}
