// Resource limits of a database profile (CREATE PROFILE ... LIMIT ...) and
// the errors Oracle raises when a session crosses them. Oracle counts
// IDLE_TIME and CONNECT_TIME in minutes; we take milliseconds so that tests
// can cross them quickly.
import { OraErrors, type OraError } from './ora-errors.js';

export interface ProfileLimits {
  /** SESSIONS_PER_USER: past it a logon fails with ORA-02391; default unlimited */
  sessionsPerUser?: number;
  /** IDLE_TIME: the first call after this long without one fails with ORA-02396 and ends the session */
  idleTimeMs?: number;
  /** CONNECT_TIME: the first call after this long since logon fails with ORA-02399 and ends the session */
  connectTimeMs?: number;
}

export function checkProfileLimits(p: ProfileLimits): ProfileLimits {
  for (const [k, v] of Object.entries(p)) {
    if (v !== undefined && !(typeof v === 'number' && v >= 0)) throw new RangeError(`profile ${k} must be >= 0, got ${String(v)}`);
  }
  return { ...p };
}

/** The error for a logon of a user who already has `openOfUser` sessions, or null. */
export function logonRefusal(p: ProfileLimits, openOfUser: number): OraError | null {
  return p.sessionsPerUser !== undefined && openOfUser >= p.sessionsPerUser ? OraErrors.sessionsPerUser : null;
}

/** The error for a call arriving at `now`, or null. */
export function callRefusal(p: ProfileLimits, now: number, loggedOnAt: number, lastCallEndedAt: number): OraError | null {
  if (p.idleTimeMs !== undefined && now - lastCallEndedAt > p.idleTimeMs) return OraErrors.idleTime;
  if (p.connectTimeMs !== undefined && now - loggedOnAt > p.connectTimeMs) return OraErrors.connectTime;
  return null;
}
