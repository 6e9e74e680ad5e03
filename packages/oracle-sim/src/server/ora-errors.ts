// The ORA errors the simulator sends, with the texts Oracle 19c uses (the
// version the logon claims; 23ai reworded some, e.g. ORA-01017 and ORA-00942).
// The driver appends the "Help: https://docs.oracle.com/error-help/db/ora-NNNNN/"
// line itself in thin mode (lib/errors.js transformErr), so the texts here have none. The driver
// takes the code from the text ("ORA-01017: ...") and the number from the
// message, so both must agree.

export interface OraError {
  num: number;
  message: string;
}

function ora(num: number, text: string): OraError {
  return { num, message: `ORA-${String(num).padStart(5, '0')}: ${text}` };
}

export const OraErrors = {
  maxSessions: ora(18, 'maximum number of sessions exceeded'),
  /** ALTER SYSTEM KILL SESSION: the killed session's next call */
  sessionKilled: ora(28, 'your session has been killed'),
  missingExpression: ora(936, 'missing expression'),
  invalidTableName: ora(903, 'invalid table name'),
  numericOverflow: ora(1426, 'numeric overflow'),
  insufficientPrivileges: ora(1031, 'insufficient privileges'),
  /** profile SESSIONS_PER_USER */
  sessionsPerUser: ora(2391, 'exceeded simultaneous SESSIONS_PER_USER limit'),
  /** profile IDLE_TIME */
  idleTime: ora(2396, 'exceeded maximum idle time, please connect again'),
  /** profile CONNECT_TIME */
  connectTime: ora(2399, 'exceeded maximum connect time, you are being logged off'),
  invalidSql: ora(900, 'invalid SQL statement'),
  invalidCharacter: ora(911, 'invalid character'),
  fromNotFound: ora(923, 'FROM keyword not found where expected'),
  invalidIdentifier: ora(904, 'invalid identifier'),
  tableNotFound: ora(942, 'table or view does not exist'),
  invalidCursor: ora(1001, 'invalid cursor'),
  notLoggedOn: ora(1012, 'not logged on'),
  cancelled: ora(1013, 'user requested cancel of current operation'),
  invalidLogon: ora(1017, 'invalid username/password; logon denied'),
  unsupportedRequest: ora(3115, 'unsupported network datatype or representation'),
  /** any other PL/SQL: a guess at the commonest compile error (see undeclaredIdentifier for the exact one) */
  plsqlError: ora(6550, 'line 1, column 7:\nPLS-00201: identifier must be declared'),
} as const;

/** ORA-00020, with the PROCESSES parameter in the text as Oracle prints it. */
export function maxProcesses(limit: number): OraError {
  return ora(20, `maximum number of processes (${limit}) exceeded`);
}

/**
 * A PL/SQL block calling an unknown procedure, as Oracle reports it: the
 * compiler's PLS-00201 and the statement it ignored, both at the call's
 * line and column (1-based).
 */
export function undeclaredIdentifier(identifier: string, line: number, column: number): OraError {
  const at = `ORA-06550: line ${line}, column ${column}:`;
  return {
    num: 6550,
    message: `${at}\nPLS-00201: identifier '${identifier}' must be declared\n${at}\nPL/SQL: Statement ignored`,
  };
}

/** ORA-00904 names the identifier, upper-cased and quoted unless it was quoted already. */
export function invalidIdentifier(identifier: string): OraError {
  const name = identifier.startsWith('"') ? identifier : `"${identifier.toUpperCase()}"`;
  return ora(904, `${name}: invalid identifier`);
}

/**
 * An error in the AUTH_ALTER_SESSION statement the driver sends at logon
 * (the session time zone) comes back wrapped in ORA-00604, as in
 * https://github.com/oracle/python-oracledb/issues/280:
 * "ORA-00604: error occurred at recursive SQL level 1\nORA-01882: timezone region not found".
 */
export function recursiveSql(inner: OraError): OraError {
  return { num: 604, message: `ORA-00604: error occurred at recursive SQL level 1\n${inner.message}` };
}

export const TimeZoneErrors = {
  regionNotFound: ora(1882, 'timezone region not found'),
  hourRange: ora(1874, 'time zone hour must be between -15 and 15'),
  minuteRange: ora(1875, 'time zone minute must be between -59 and 59'),
  invalid: ora(1857, 'not a valid time zone'),
} as const;

/** ORA-01403 ends a query's rows; the driver swallows it for queries only. */
export const NO_DATA_FOUND = 1403;
