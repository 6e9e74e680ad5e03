// The ORA errors the simulator sends, with the texts Oracle uses. The driver
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
  invalidSql: ora(900, 'invalid SQL statement'),
  fromNotFound: ora(923, 'FROM keyword not found where expected'),
  invalidIdentifier: ora(904, 'invalid identifier'),
  tableNotFound: ora(942, 'table or view does not exist'),
  invalidCursor: ora(1001, 'invalid cursor'),
  notLoggedOn: ora(1012, 'not logged on'),
  cancelled: ora(1013, 'user requested cancel of current operation'),
  invalidLogon: ora(1017, 'invalid credential or not authorized; logon denied'),
  unsupportedRequest: ora(3115, 'unsupported network datatype or representation'),
  plsqlError: ora(6550, 'line 1, column 7:\nPLS-00201: identifier must be declared'),
} as const;

/** ORA-01403 ends a query's rows; the driver swallows it for queries only. */
export const NO_DATA_FOUND = 1403;
