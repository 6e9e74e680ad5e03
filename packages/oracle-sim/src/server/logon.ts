// The database's side of a logon (phase two of O5LOGON, auth.ts): whether
// this logon may have a session at all, and what the reply tells the driver
// about the session and the database it reached.
import { ANY_PRIVILEGE, type SessionContext } from './session-context.js';
import { OraErrors, type OraError } from './ora-errors.js';
import { logonRefusal } from './profiles.js';
import { timeZoneError } from './time-zone.js';

/** Claimed server version 19.24.0.0.0, encoded for field version >= 11. */
const AUTH_VERSION_NO = String((19 << 24) | (24 << 16));

/**
 * Why an authenticated logon gets no session, in Oracle's order: a privilege
 * not granted, the instance's SESSIONS limit (ORA-00018), the profile's
 * SESSIONS_PER_USER, then the session time zone the driver asked for.
 */
export function logonDenial(ctx: SessionContext, user: string, mode: number, pairs: Map<string, string>): OraError | null {
  const wanted = mode & ANY_PRIVILEGE;
  if ((wanted & ~(ctx.privileges.get(user) ?? 0)) !== 0) return OraErrors.insufficientPrivileges;
  if (ctx.sessionLimitError === 'ORA-00018' && ctx.stats.sessionsOpen >= ctx.maxSessions) return OraErrors.maxSessions;
  return logonRefusal(ctx.faults.profile, ctx.openByUser.get(user) ?? 0) ?? timeZoneError(pairs.get('AUTH_ALTER_SESSION'));
}

/** Phase two's answer: the server's proof, then who and where the session is. */
export function logonReply(ctx: SessionContext, proof: string, sessionId: number): { key: string; value: string }[] {
  return [
    { key: 'AUTH_SVR_RESPONSE', value: proof },
    { key: 'AUTH_VERSION_NO', value: AUTH_VERSION_NO },
    { key: 'AUTH_SESSION_ID', value: String(sessionId) },
    { key: 'AUTH_SERIAL_NUM', value: '1' },
    { key: 'AUTH_SC_SERVICE_NAME', value: ctx.serviceName },
    { key: 'AUTH_INSTANCENAME', value: 'ORASIM' },
    // the PDB (the driver's pdbName) and the database unique name (its dbName), as a CDB sends them
    { key: 'AUTH_DBNAME', value: ctx.serviceName },
    { key: 'AUTH_SC_DBUNIQUE_NAME', value: 'ORASIM' },
    { key: 'AUTH_SC_REAL_DBUNIQUE_NAME', value: 'ORASIM' },
    { key: 'AUTH_MAX_OPEN_CURSORS', value: '300' },
    { key: 'AUTH_MAX_IDEN_LENGTH', value: '128' },
  ];
}
