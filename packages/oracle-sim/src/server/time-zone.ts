// The session time zone the driver sets at logon: its AUTH_ALTER_SESSION
// pair carries "ALTER SESSION SET TIME_ZONE =<value>\0" (thin
// protocol/messages/auth.js getAlterSessionStatement): the client's UTC
// offset ('+02:0', minutes unpadded), or ORA_SDTZ quoted, or LOCAL /
// DBTIMEZONE bare. Oracle runs it as recursive SQL, so an invalid value
// fails the logon with ORA-00604 wrapping the time zone error.
import { recursiveSql, TimeZoneErrors, type OraError } from './ora-errors.js';

/**
 * Returns the error Oracle gives for the statement's time zone, or null when
 * it is valid (or the statement is not a time zone change).
 * Offsets: "[+|-]hh:mi" with hours -15..15 (ORA-01874) and minutes 0..59
 * (ORA-01875); anything else is a region name looked up in the time zone
 * file (ORA-01882 when absent). We use the runtime's IANA database for the
 * file; Oracle's file also holds IANA names.
 */
export function timeZoneError(alterSession: string | undefined): OraError | null {
  if (!alterSession) return null;
  const m = /^\s*ALTER\s+SESSION\s+SET\s+TIME_ZONE\s*=\s*(.*?)\s*(?:\bTXN_PRIORITY\b.*)?\x00?$/is.exec(alterSession);
  if (!m) return null;
  let value = m[1]!;
  if (/^(LOCAL|DBTIMEZONE)$/i.test(value)) return null;
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1).replace(/''/g, "'");
  else return recursiveSql(TimeZoneErrors.invalid);
  const offset = /^\s*([+-])?\s*(\d{1,2})\s*:\s*(\d{1,2})\s*$/.exec(value);
  if (offset) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3]);
    if (hours > 15) return recursiveSql(TimeZoneErrors.hourRange);
    if (minutes > 59) return recursiveSql(TimeZoneErrors.minuteRange);
    return null;
  }
  if (/^[+-]?\d/.test(value.trim())) return recursiveSql(TimeZoneErrors.invalid);
  return isRegion(value.trim()) ? null : recursiveSql(TimeZoneErrors.regionNotFound);
}

function isRegion(name: string): boolean {
  if (name === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
