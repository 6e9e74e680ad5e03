// startSimulator: a TCP listener that speaks enough of Oracle Net/TTC for the
// unmodified node-oracledb thin driver to connect, log on, query and log off.
import net from 'node:net';
import crypto from 'node:crypto';
import { makeVerifier, type Verifier } from './auth.js';
import { Capacity } from './capacity.js';
import { createFaults, type FaultState, type SimulatorFaults } from './faults.js';
import { latencySampler, type LatencySpec } from './latency.js';
import { Session } from './session.js';
import { PRIVILEGE_MODES, type Cursor, type Privilege, type SessionContext, type SessionLimitError } from './session-context.js';
import { Broker } from './drcp/broker.js';
import { checkProfileLimits, type ProfileLimits } from './profiles.js';
import type { SessionView } from './sessions-view.js';
import { Stats, type SimulatorStats } from './stats.js';
import { createTlsServer, prepareTls, type TlsInfo, type TlsOptions } from './tls.js';

export interface SimUser {
  user: string;
  password: string;
  /** default '12c' */
  verifier?: '11g' | '12c';
  /** administrative privileges the user may log on with; any other (SYSDBA, ...) fails with ORA-01031; default none */
  privileges?: Privilege[];
}

export interface SimulatorOptions {
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (ephemeral) */
  port?: number;
  /** default 'FREEPDB1'; other services are refused, which the driver reports as NJS-518 (ORA-12514) */
  serviceName?: string;
  /** default [{ user: 'orapool', password: 'orapool-sim', verifier: '12c' }] */
  users?: SimUser[];
  /** per executed statement (SELECT, PL/SQL); default 0 */
  statementLatency?: number | LatencySpec;
  /** default 0 */
  logonLatencyMs?: number;
  /** default unlimited; past it new logons fail */
  maxSessions?: number;
  /** default 'ORA-00018' (error at logon); 12516/12519 make the listener refuse instead */
  sessionLimitError?: SessionLimitError;
  /** profile limits (SESSIONS_PER_USER, IDLE_TIME, CONNECT_TIME) of every user; default none */
  profile?: ProfileLimits;
  /** PROCESSES: connections beyond it fail their logon with ORA-00020; default unlimited */
  maxProcesses?: number;
  /** statements executing at once; the excess waits FIFO; default unlimited */
  capacity?: number;
  /** debug log; default silent */
  log?: (line: string) => void;
  /** DRCP: start the connection broker with this many pooled servers; default off (SERVER=POOLED is refused with ORA-12520) */
  pooledServers?: number;
  /** listen with TLS (TCPS) and write a wallet and tnsnames.ora; default plain TCP */
  tls?: TlsOptions;
}

export interface Simulator {
  host: string;
  port: number;
  serviceName: string;
  /** host:port/service (tcps://host:port/service with TLS), for the driver's connectString */
  connectString: string;
  /** set when listening with TLS: wallet directory, tnsnames alias, server DN */
  tls?: TlsInfo;
  stats(): SimulatorStats;
  resetStats(): void;
  faults: SimulatorFaults;
  /** The open sessions as V$SESSION shows them (with what the driver sent), by SID. */
  sessions(): SessionView[];
  /** destroys every socket and stops listening */
  close(): Promise<void>;
}

export const DEFAULT_USER: Required<Omit<SimUser, 'privileges'>> = { user: 'orapool', password: 'orapool-sim', verifier: '12c' };

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const serviceName = options.serviceName ?? 'FREEPDB1';
  const initialLatency = options.statementLatency ?? 0;
  const log = options.log ?? (() => {});
  const maxSessions = options.maxSessions ?? Infinity;
  if (!(maxSessions >= 0)) throw new RangeError(`maxSessions must be >= 0, got ${maxSessions}`);

  // verifiers are derived once, as a database stores them; 12c costs a PBKDF2 each
  const verifiers = new Map<string, Verifier>();
  for (const u of options.users ?? [DEFAULT_USER]) {
    verifiers.set(u.user.toUpperCase(), makeVerifier(u.password, u.verifier ?? '12c'));
  }
  const profile = checkProfileLimits(options.profile ?? {});
  const logonLatencyMs = options.logonLatencyMs ?? 0;
  if (!(logonLatencyMs >= 0)) throw new RangeError(`logonLatencyMs must be >= 0, got ${logonLatencyMs}`);
  const maxProcesses = options.maxProcesses ?? Infinity;
  if (!(maxProcesses >= 0)) throw new RangeError(`maxProcesses must be >= 0, got ${maxProcesses}`);
  const privileges = new Map<string, number>();
  for (const u of (options.users ?? [DEFAULT_USER]) as SimUser[]) {
    privileges.set(u.user.toUpperCase(), (u.privileges ?? []).reduce((m: number, p: Privilege) => m | PRIVILEGE_MODES[p], 0));
  }
  const faultState: FaultState = {
    refusing: false,
    frozen: false,
    latency: latencySampler(initialLatency),
    serviceUnregistered: false,
    drcpStopped: false,
    profile: { ...profile },
    maxProcesses,
    logonLatencyMs,
  };
  const stats = new Stats();
  const broker = options.pooledServers === undefined ? undefined : new Broker<Cursor>(options.pooledServers);
  const sessions = new Set<Session>();
  const ctx: SessionContext = {
    serviceName,
    verifiers,
    decoyVerifier: makeVerifier(crypto.randomBytes(24).toString('hex'), '12c'),
    maxSessions,
    sessionLimitError: options.sessionLimitError ?? 'ORA-00018',
    capacity: new Capacity(options.capacity ?? Infinity),
    faults: faultState,
    stats,
    accepted: { count: 0 },
    privileges,
    openByUser: new Map(),
    log,
    broker,
  };

  const onSocket = (socket: net.Socket) => {
    const session = new Session(socket, ctx, (s) => sessions.delete(s));
    sessions.add(session);
  };
  const tls = options.tls ? await prepareTls(options.tls, host, serviceName) : null;
  // half-open allowed so that a session behind a firewall fault can miss the client's FIN (Session ends the others)
  const server = tls ? createTlsServer(tls, onSocket, log) : net.createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  await tls?.publish(host, port);
  log(`listening on ${tls ? 'tcps://' : ''}${host}:${port}/${serviceName}`);

  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    serviceName,
    connectString: `${tls ? 'tcps://' : ''}${host}:${port}/${serviceName}`,
    ...(tls ? { tls: tls.info } : {}),
    stats: () => (broker ? { ...stats.snapshot(), drcp: broker.snapshot() } : stats.snapshot()),
    resetStats: () => {
      stats.reset();
      broker?.resetStats();
    },
    faults: createFaults(faultState, () => sessions, { latency: initialLatency, profile, maxProcesses, logonLatencyMs }),
    sessions: () =>
      [...sessions]
        .map((s) => s.view())
        .filter((v): v is SessionView => v !== null)
        .sort((a, b) => a.sid - b.sid),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.kill();
      }).then(() => tls?.cleanUp());
      return closing;
    },
  };
}
