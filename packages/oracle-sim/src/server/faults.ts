// Faults a test can switch on at runtime: refuse new connections, kill
// sessions (drop the socket, or as a DBA does), freeze (TCP stays up but
// nothing is answered), a firewall that forgets idle connections, an
// unregistered service, a stopped DRCP pool, profile and process limits,
// change latency.
import { latencySampler, type LatencySampler, type LatencySpec } from './latency.js';
import { checkProfileLimits, type ProfileLimits } from './profiles.js';
import type { SessionView } from './sessions-view.js';

/** Shared, mutable fault state that every session consults. */
export interface FaultState {
  refusing: boolean;
  frozen: boolean;
  latency: LatencySampler;
  /** the listener is up but the service is not registered with it (ORA-12514) */
  serviceUnregistered: boolean;
  /** SERVER=POOLED connects are refused as when DRCP was never started (ORA-12520) */
  drcpStopped: boolean;
  profile: ProfileLimits;
  /** PROCESSES; Infinity = unlimited */
  maxProcesses: number;
  /** added to every logon (a logon storm), separate from statement latency */
  logonLatencyMs: number;
}

export interface KillSelector {
  /** only this session (V$SESSION.SID, the driver's AUTH_SESSION_ID) */
  sid?: number;
  /** only sessions of this user (case-insensitive) */
  user?: string;
  /** at most this many (default all that match) */
  count?: number;
}

export interface FirewallSelector {
  /** only connections idle (no call running) for at least this long; default 0 = every idle one */
  idleMs?: number;
  /** at most this many, longest idle first (default all that match) */
  count?: number;
}

export interface SimulatorFaults {
  /** New connects are refused by the "listener" (REFUSE, ORA-12528) while on. */
  refuseConnections(on: boolean): void;
  /** Destroys the sockets of `count` sessions (default all), logged-on ones first; returns how many. */
  killSessions(count?: number): number;
  /**
   * ALTER SYSTEM KILL SESSION as a DBA runs it: sockets stay up, the sessions
   * end at once (they stop counting against limits) and their next call
   * fails with ORA-00028 (the driver: NJS-500, connection unusable).
   * Returns the SIDs killed.
   */
  killSessionsAsDba(selector?: KillSelector): number[];
  /**
   * A stateful firewall forgets idle connections: from now on their packets
   * are swallowed both ways, without RST or FIN, so only the client's own
   * timeouts notice. New connections are not affected. Returns the SIDs.
   */
  firewallDropIdle(selector?: FirewallSelector): number[];
  /** The listener stays up but the service is unregistered (REFUSE ORA-12514 → NJS-518) while on. */
  unregisterService(on: boolean): void;
  /** SERVER=POOLED connects are refused with ORA-12520 (→ NJS-511) while on, as when DRCP is not started. */
  stopDrcpPool(on: boolean): void;
  /** The profile limits from now on (SESSIONS_PER_USER, IDLE_TIME, CONNECT_TIME); {} lifts them. */
  setProfile(limits: ProfileLimits): void;
  /** PROCESSES from now on: logons on connections beyond it fail with ORA-00020; undefined lifts it. */
  setMaxProcesses(max: number | undefined): void;
  /** Accept TCP but answer nothing, on existing and new connections, until unfreeze(). */
  freeze(): void;
  /** Answer again: held replies go out, then held requests are processed in order. */
  unfreeze(): void;
  setStatementLatency(l: number | LatencySpec): void;
  /** Delay added to every logon from now on (slow logons, a logon storm); statements are not affected. */
  setLogonLatency(ms: number): void;
  /** Undo every fault that can be undone and restore the latency, profile and processes given at start. Killed and dropped connections stay so. */
  reset(): void;
}

/** What faults need of a session. */
export interface Killable {
  readonly id: number;
  readonly loggedOn: boolean;
  readonly userName: string;
  readonly idleMs: number;
  readonly busy: boolean;
  kill(): void;
  killAsDba(): boolean;
  dropByFirewall(): void;
  thaw(): void;
  view(): SessionView | null;
}

export interface FaultDefaults {
  latency: number | LatencySpec;
  profile: ProfileLimits;
  maxProcesses: number;
  logonLatencyMs: number;
}

export function createFaults(state: FaultState, sessions: () => Iterable<Killable>, initial: FaultDefaults): SimulatorFaults {
  const unfreeze = () => {
    if (!state.frozen) return;
    state.frozen = false;
    for (const s of [...sessions()]) s.thaw();
  };
  return {
    refuseConnections(on) {
      state.refusing = on;
    },
    killSessions(count) {
      const victims = [...sessions()].sort((a, b) => Number(b.loggedOn) - Number(a.loggedOn));
      const chosen = victims.slice(0, count ?? victims.length);
      for (const s of chosen) s.kill();
      return chosen.length;
    },
    killSessionsAsDba(sel = {}) {
      const user = sel.user?.toUpperCase();
      const matching = [...sessions()].filter(
        (s) => s.loggedOn && (sel.sid === undefined || s.id === sel.sid) && (user === undefined || s.userName === user),
      );
      return matching
        .slice(0, sel.count ?? matching.length)
        .filter((s) => s.killAsDba())
        .map((s) => s.id);
    },
    firewallDropIdle(sel = {}) {
      const idleMs = sel.idleMs ?? 0;
      const idle = [...sessions()]
        .filter((s) => !s.busy && s.idleMs >= idleMs)
        .sort((a, b) => b.idleMs - a.idleMs)
        .slice(0, sel.count);
      for (const s of idle) s.dropByFirewall();
      return idle.map((s) => s.id);
    },
    unregisterService(on) {
      state.serviceUnregistered = on;
    },
    stopDrcpPool(on) {
      state.drcpStopped = on;
    },
    setProfile(limits) {
      state.profile = checkProfileLimits(limits);
    },
    setMaxProcesses(max) {
      if (max !== undefined && !(max >= 0)) throw new RangeError(`maxProcesses must be >= 0, got ${max}`);
      state.maxProcesses = max ?? Infinity;
    },
    freeze() {
      state.frozen = true;
    },
    unfreeze,
    setStatementLatency(l) {
      state.latency = latencySampler(l);
    },
    setLogonLatency(ms) {
      if (!(ms >= 0)) throw new RangeError(`logon latency must be >= 0 ms, got ${ms}`);
      state.logonLatencyMs = ms;
    },
    reset() {
      state.refusing = false;
      state.serviceUnregistered = false;
      state.drcpStopped = false;
      state.profile = { ...initial.profile };
      state.maxProcesses = initial.maxProcesses;
      state.logonLatencyMs = initial.logonLatencyMs;
      state.latency = latencySampler(initial.latency);
      unfreeze();
    },
  };
}
