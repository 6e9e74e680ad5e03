import { DbError, DbErrorCode, withoutStack } from './db-error.js';

/**
 * Everything orapool knows about Oracle's error codes, in one place (as
 * pg-protocol keeps the server's codes): which ones mean a broken session,
 * which a busy pool, which a rejected logon, and what an operator should do
 * about each. node-oracledb's codes are stable across releases (its own
 * tests assert them); their wording is not, so nothing here reads prose
 * beyond the leading code.
 */

/** The oracledb / ORA code of an error, if it has one ("NJS-040", "ORA-01017"). */
export function driverCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(NJS|ORA|DPI|TNS)-\d+$/.test(code)) return code;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') return /^((?:NJS|ORA|DPI|TNS)-\d+)/.exec(message)?.[1];
  return undefined;
}

/** The driver's "no connection within queueTimeout" and "queueMax requests already waiting". */
export const QUEUE_TIMEOUT_CODE = 'NJS-040';
export const QUEUE_FULL_CODE = 'NJS-076';

/** Errors after which a connection must not go back to the pool. */
const brokenConnectionCodes = new Set([
  'NJS-123', // call timeout: the session may still be busy server-side
  'NJS-500', // connection to the database was closed
  'NJS-501',
  'NJS-503',
  'NJS-521',
  'ORA-03113',
  'ORA-03114',
  'ORA-03135',
  'ORA-01012',
  'ORA-00028', // your session has been killed
  // Profile limits end the session: the thin driver reports IDLE_TIME as a closed connection
  // (NJS-500) but returns CONNECT_TIME as is and keeps the connection, whose next call then
  // fails with ORA-01012: without this, the next borrower would inherit a dead session.
  'ORA-02396', // exceeded maximum idle time
  'ORA-02399', // exceeded maximum connect time
]);

export function isBrokenConnectionError(error: unknown): boolean {
  const code = driverCode(error);
  return code !== undefined && brokenConnectionCodes.has(code);
}

/**
 * Errors that say the database itself is not answering, not that one
 * session or one statement failed: the circuit breaker (breaker.ts) counts
 * these and nothing else. A call timeout counts (a frozen instance or a
 * black-holed network gives nothing else); a closed connection alone
 * (NJS-500) does not, since a profile's IDLE_TIME or a KILL SESSION gives it
 * to one healthy database's sessions in a burst; when the database is really
 * gone, the reconnect that follows fails with one of the codes below.
 */
const databaseDownCodes = new Set([
  'NJS-123', // call timeout (the driver's, or our guard's)
  'NJS-503', // connection refused: nothing listens
  'NJS-510', // connect timeout: nothing answers the connect
  'NJS-511', // the listener refused the connection
  'NJS-518', // the service is not registered (database down or opening)
  'NJS-521', // end of file during connection setup
  'ORA-03113', // end-of-file on communication channel
  'ORA-03114', // not connected to ORACLE
  'ORA-03135', // connection lost contact
  'ORA-12514', // listener does not know the service
  'ORA-12528', // listener: all handlers blocked (database starting or stopping)
  'ORA-12537', // TNS connection closed
  'ORA-12541', // no listener
  'ORA-12170', // connect timeout
  'ORA-01033', // initialization or shutdown in progress
  'ORA-01034', // ORACLE not available
  'ORA-01089', // immediate shutdown in progress
]);

/**
 * Listener refusals of a database that is up but out of something: its
 * sessions keep serving (PROCESSES, the DRCP pool not started), so they are
 * limits to report, not an outage to fail fast on.
 */
const refusalsOfAnUpDatabase = new Set(['ORA-12516', 'ORA-12519', 'ORA-12520']);

/** Whether an error says the database is down (see databaseDownCodes); a DbError is judged by its driver code. */
export function isDatabaseDownError(error: unknown): boolean {
  const raw = error instanceof DbError ? error.cause : error;
  const code = error instanceof DbError ? error.driverCode : driverCode(error);
  if (code === undefined || !databaseDownCodes.has(code)) return false;
  // The driver puts the listener's code on a line of its own: "NJS-511: ... refused.\nCause: ORA-12516".
  const cause = causeCode(raw);
  return cause === undefined || !refusalsOfAnUpDatabase.has(cause);
}

/** Driver codes with a domain meaning of their own; every other driver code means the database is unavailable. */
const domainCodes: Readonly<Record<string, { code: DbErrorCode; message: string }>> = {
  [QUEUE_TIMEOUT_CODE]: { code: DbErrorCode.POOL_QUEUE_TIMEOUT, message: 'timed out waiting for a pooled connection' },
  [QUEUE_FULL_CODE]: { code: DbErrorCode.POOL_QUEUE_FULL, message: 'pool wait queue is full' },
  'NJS-123': { code: DbErrorCode.DATABASE_TIMEOUT, message: 'database call timed out' },
  'NJS-064': { code: DbErrorCode.POOL_CLOSED, message: 'pool is closing' },
  'NJS-065': { code: DbErrorCode.POOL_CLOSED, message: 'pool is closing' },
};

/**
 * A driver error as a DbError (the driver error kept as its cause); a
 * DbError as itself; undefined for anything else (a bug, not the database).
 * Stackless: the cause keeps the driver's own stack.
 */
export function toDbError(error: unknown): DbError | undefined {
  if (error instanceof DbError) return error;
  const code = driverCode(error);
  if (code === undefined) return undefined;
  const known = domainCodes[code];
  return DbError.fast(known?.code ?? DbErrorCode.DATABASE_UNAVAILABLE, known?.message ?? `database error ${code}`, {
    driverCode: code,
    cause: error,
  });
}

/** What our own call guard throws when the driver's call timeout never came back: the driver's call-timeout error. */
export function callGuardTimeoutError(ms: number): Error {
  return withoutStack(() =>
    Object.assign(new Error(`NJS-123: call timeout of ${ms} ms exceeded (the database did not acknowledge the break)`), { code: 'NJS-123' }),
  );
}

/**
 * Logon rejections that retrying cannot fix (the credentials are read once,
 * at startup) and that retrying makes worse: every failed logon counts toward
 * the profile's FAILED_LOGIN_ATTEMPTS (10 by default), so a pod retrying a
 * wrong password would lock the account for every other client of it,
 * including the old pods still serving during a rollout.
 */
const rejectedLogons: Readonly<Record<string, string>> = {
  'ORA-01017': 'the database rejected DB_USER/DB_PASSWORD',
  'ORA-28000': 'the account is locked',
  'ORA-28001': 'the password has expired',
};

/** Why retrying this logon failure cannot help, or undefined when it may. */
export function rejectedLogon(code: string | undefined): string | undefined {
  return code === undefined ? undefined : rejectedLogons[code];
}

/** The TLS settings a wallet diagnosis depends on (never the password itself). */
export interface TlsSettings {
  walletLocation?: string | undefined;
  /** Whether DB_WALLET_PASSWORD is set. */
  walletPassword?: boolean;
  /** Whether ewallet.pem holds an encrypted private key (wallet-file.ts), when known. */
  walletKeyEncrypted?: boolean;
  configDir?: string | undefined;
}

/**
 * The code a driver error wraps: the thin driver puts the cause on the
 * message's second line ("NJS-506: ... handshake failure.\nNJS-507: ...");
 * error.cause is not set.
 */
export function causeCode(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return undefined;
  // The listener's refusals (NJS-511) say "Cause: ORA-12520" on that line.
  return /\n(?:Cause: )?((?:NJS|ORA)-\d+)/.exec(message)?.[1];
}

/** The cause line of a driver error (OpenSSL's or Node's reason), without the per-connection id. */
function causeText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return '';
  return message.split('\n').slice(1).join(' ').replace(/\(CONNECTION_ID=[^)]*\)/g, '');
}

/**
 * A TLS or wallet failure of connection setup that no retry can fix: the
 * wallet file, its password and the certificates are what they are until an
 * operator changes the Secret or the settings and restarts. Each answer names
 * the setting to fix. Only codes and causes that cannot come from an outage
 * count: an end-of-file after the handshake (NJS-500 with NJS-521) is also
 * what a restarting database gives, and a handshake cut by the network
 * (NJS-506 without a certificate reason) too, so both stay retried.
 * OpenSSL's reason strings ("bad decrypt") are read only to name the setting.
 */
export function walletProblem(error: unknown, s: TlsSettings = {}): string | undefined {
  const code = driverCode(error);
  const cause = causeCode(error);
  const text = causeText(error);
  const wallet = s.walletLocation ? `ewallet.pem in DB_WALLET_LOCATION (${s.walletLocation})` : 'the wallet (DB_WALLET_LOCATION)';
  switch (code) {
    case 'NJS-505':
      if (/bad decrypt|bad password|mac verify/i.test(text)) {
        return s.walletPassword
          ? `the wallet key cannot be decrypted: DB_WALLET_PASSWORD does not match ${wallet}`
          : `${wallet} is encrypted and DB_WALLET_PASSWORD is not set`;
      }
      if (/key values mismatch/i.test(text)) return `${wallet}: its first certificate is not the client certificate of its key; use the wallet as downloaded`;
      // An encrypted key that does not decode: the password (wrong, or not given), not a CA-only wallet, whatever words OpenSSL chose.
      if (s.walletKeyEncrypted) {
        return s.walletPassword ? `the wallet key cannot be decrypted: DB_WALLET_PASSWORD does not match ${wallet}` : `${wallet} is encrypted and DB_WALLET_PASSWORD is not set`;
      }
      return `${wallet} holds no client key and certificate the driver can load (only CA certificates?): use the database's full wallet, and check DB_WALLET_PASSWORD`;
    case 'NJS-512':
      if (/ewallet\.pem/.test(text) && /ENOENT/.test(text)) return `no ewallet.pem in DB_WALLET_LOCATION (${s.walletLocation ?? 'not set'}): mount the wallet there`;
      if (/ewallet\.pem/.test(text) && /EACCES/.test(text)) return `${wallet} is not readable by the service's user: check the mount's file mode and fsGroup`;
      return 'the driver rejected the connect string parameters: check DB_CONNECT_STRING and DB_WALLET_LOCATION';
    case 'NJS-506':
      if (cause === 'NJS-507') {
        return `the server certificate's DN does not match SSL_SERVER_CERT_DN (the alias in DB_CONFIG_DIR/tnsnames.ora, or ssl_server_cert_dn in DB_CONNECT_STRING): set it to the server's DN`;
      }
      if (cause === 'NJS-508') return 'the server certificate does not name the host in DB_CONNECT_STRING: connect by a host name the certificate holds, or set ssl_server_cert_dn';
      if (cause === undefined && /certificate|self[- ]signed|issuer/i.test(text)) {
        return s.walletLocation
          ? `the server certificate is not signed by a CA in ${wallet}: a wallet of another database, or the server's certificate changed`
          : `the server certificate is not signed by a public CA and DB_WALLET_LOCATION is not set: point it at the database's wallet${s.configDir ? ' (usually DB_CONFIG_DIR)' : ''}`;
      }
      return undefined;
    case 'NJS-500':
      if (cause === 'NJS-501' && /certificate required/i.test(text)) {
        return s.walletLocation
          ? `the server requires a client certificate and ${wallet} gave none: use the database's full wallet`
          : 'the server requires a client certificate (mutual TLS) and DB_WALLET_LOCATION is not set: point it at the database\'s wallet';
      }
      return undefined;
    case 'NJS-516':
      return 'DB_CONNECT_STRING is a tnsnames.ora alias but DB_CONFIG_DIR is not set';
    case 'NJS-517':
      return `DB_CONNECT_STRING names an alias that tnsnames.ora in DB_CONFIG_DIR (${s.configDir ?? 'not set'}) does not hold`;
    case 'NJS-520':
      return `no tnsnames.ora in DB_CONFIG_DIR (${s.configDir ?? 'not set'})`;
    default:
      return undefined;
  }
}

/** The settings an operator hint quotes. */
export interface HintSettings extends TlsSettings {
  poolMax: number;
  connectTimeoutSeconds: number;
  callTimeoutSeconds: number;
}

/** What an operator should do about a driver error (the preflight prints it). */
export function operatorHint(error: unknown, s: HintSettings): string {
  const code = driverCode(error) ?? '';
  // The same words the service logs and puts in /readyz when it stops retrying.
  const wallet = walletProblem(error, s);
  if (wallet) return `TLS/wallet: ${wallet} (${code}${causeCode(error) ? ` caused by ${causeCode(error)}` : ''}; the service does not retry this).`;
  if (code === 'NJS-500' && causeCode(error) === 'NJS-521' && s.walletLocation) {
    return 'The server closed the connection during setup. If it persists over TCPS, the server may reject the client certificate in DB_WALLET_LOCATION (a wallet of another database).';
  }
  switch (code === 'NJS-511' && causeCode(error) === 'ORA-12520' ? 'ORA-12520' : code) {
    case 'ORA-01017':
      return 'The database rejected the user name or password: check DB_USER and DB_PASSWORD (or DB_PASSWORD_FILE).';
    case 'ORA-28000':
      return 'The account is locked: ALTER USER ... ACCOUNT UNLOCK.';
    case 'ORA-12514':
    case 'NJS-518':
      return 'The listener does not know that service: check the service name in DB_CONNECT_STRING (e.g. FREEPDB1 for Oracle Free).';
    case 'ORA-00018':
    case 'ORA-00020':
    case 'ORA-12516':
    case 'ORA-12519':
      return `The database ran out of sessions/processes: it must allow DB_POOL_MAX (${s.poolMax}) x replicas (+ rollout surge) sessions. Raise PROCESSES/SESSIONS or lower DB_POOL_MAX.`;
    case 'ORA-12520':
      // With SERVER=POOLED: the listener has no started DRCP pool (DB_SERVER_TYPE=pooled).
      return 'The listener has no handler for the requested server type: with DB_SERVER_TYPE=pooled, the DRCP pool is not started (DBMS_CONNECTION_POOL.START_POOL as SYSDBA), or set DB_SERVER_TYPE=dedicated.';
    case 'NJS-503':
    case 'NJS-511':
    case 'NJS-501':
      return 'Nothing answered at that host and port: check DB_CONNECT_STRING, that the database is up, and network policies/firewalls.';
    case 'NJS-510':
      return `Connecting took longer than DB_CONNECT_TIMEOUT (${s.connectTimeoutSeconds}s): the host may be unreachable or dropping packets.`;
    case 'NJS-040':
      return 'The pool gave no connection within the queue timeout: connections are not being released, or the database is too slow.';
    case 'NJS-123':
      return `A round-trip took longer than DB_CALL_TIMEOUT (${s.callTimeoutSeconds}s): the database is overloaded or hung.`;
    default:
      // NJS-5xx are the thin driver's network and TLS errors.
      return code.startsWith('NJS-5') || code === ''
        ? 'Check DB_CONNECT_STRING and, for TLS, DB_WALLET_LOCATION / DB_WALLET_PASSWORD / DB_CONFIG_DIR.'
        : `See the Oracle documentation for ${code}.`;
  }
}
