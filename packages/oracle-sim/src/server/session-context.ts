// What every session shares with the simulator, and the few shapes that
// several of the server's files speak of.
import type { Verifier } from './auth.js';
import type { Capacity } from './capacity.js';
import type { Broker } from './drcp/broker.js';
import type { FaultState } from './faults.js';
import type { Plan } from './sql.js';
import type { Stats } from './stats.js';
import type { BindMeta } from '../protocol/requests.js';

export type SessionLimitError = 'ORA-00018' | 'ORA-12516' | 'ORA-12519';

/** Everything a session shares with the simulator. */
export interface SessionContext {
  serviceName: string;
  /** keyed by upper-case user name */
  verifiers: Map<string, Verifier>;
  /** answers phase one for unknown users, so they fail at phase two like on a real database */
  decoyVerifier: Verifier;
  maxSessions: number;
  sessionLimitError: SessionLimitError;
  capacity: Capacity;
  faults: FaultState;
  stats: Stats;
  /** connections past ACCEPT and not yet closed: what a listener-side session limit counts */
  accepted: { count: number };
  /** administrative privileges granted, by upper-case user name: TNS_AUTH_MODE_* bits */
  privileges: Map<string, number>;
  /** logged-on sessions by upper-case user name (SESSIONS_PER_USER) */
  openByUser: Map<string, number>;
  log: (line: string) => void;
  /** DRCP connection broker; absent = DRCP not started, SERVER=POOLED is refused (ORA-12520) */
  broker?: Broker<Cursor>;
}

/** TNS_AUTH_MODE_* bits that ask for an administrative privilege (thin protocol/constants.js) */
export const PRIVILEGE_MODES = {
  SYSDBA: 0x20,
  SYSOPER: 0x40,
  SYSASM: 0x400000,
  SYSBACKUP: 0x1000000,
  SYSDG: 0x2000000,
  SYSKM: 0x4000000,
  SYSRAC: 0x8000000,
} as const;
export type Privilege = keyof typeof PRIVILEGE_MODES;
export const ANY_PRIVILEGE = Object.values(PRIVILEGE_MODES).reduce((a, b) => a | b, 0);

export interface Cursor {
  id: number;
  plan: Exclude<Plan, { kind: 'error' }>;
  binds: BindMeta[];
  /** next LEVEL to return, 1-based */
  nextRow: number;
}
