// Faults a test can switch on at runtime: refuse new connections, kill
// sessions, freeze (TCP stays up but nothing is answered), change latency.
import { latencySampler, type LatencySampler, type LatencySpec } from './latency.js';

/** Shared, mutable fault state that every session consults. */
export interface FaultState {
  refusing: boolean;
  frozen: boolean;
  latency: LatencySampler;
}

export interface SimulatorFaults {
  /** New connects are refused by the "listener" (REFUSE, ORA-12528) while on. */
  refuseConnections(on: boolean): void;
  /** Destroys the sockets of `count` sessions (default all), logged-on ones first; returns how many. */
  killSessions(count?: number): number;
  /** Accept TCP but answer nothing, on existing and new connections, until unfreeze(). */
  freeze(): void;
  /** Answer again: held replies go out, then held requests are processed in order. */
  unfreeze(): void;
  setStatementLatency(l: number | LatencySpec): void;
  /** Undo every fault and restore the latency given at start. */
  reset(): void;
}

/** What faults need of a session. */
export interface Killable {
  readonly loggedOn: boolean;
  kill(): void;
  thaw(): void;
}

export function createFaults(
  state: FaultState,
  sessions: () => Iterable<Killable>,
  initialLatency: number | LatencySpec,
): SimulatorFaults {
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
    freeze() {
      state.frozen = true;
    },
    unfreeze,
    setStatementLatency(l) {
      state.latency = latencySampler(l);
    },
    reset() {
      state.refusing = false;
      state.latency = latencySampler(initialLatency);
      unfreeze();
    },
  };
}
