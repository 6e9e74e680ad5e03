import { describeError } from '../logger.js';
import { connectTarget } from './connect-target.js';
import { causeCode, rejectedLogon, walletProblem, type TlsSettings } from './oracle-errors.js';
import { ServerTypeMismatch } from './server-type-check.js';
import { walletKeyEncrypted } from './wallet-file.js';

export interface CreateFailure {
  code?: string;
  /** The code the driver's error wraps (the DN mismatch under a handshake failure), when it has one. */
  cause?: string;
  /** The driver's first line, with the connect string replaced by its host/port/service. */
  message: string;
  /** Set when retrying cannot help: why, naming the setting to fix. */
  stopRetrying?: string;
  /** What to fix when stopped: the credentials (a rejected logon), the TLS/wallet settings, or the server type. */
  fix?: 'credentials' | 'wallet' | 'server-type';
}

/** What to fix, as readiness names it. */
export const FIX_NAMES: Record<NonNullable<CreateFailure['fix']>, string> = {
  credentials: 'the credentials',
  wallet: 'the TLS/wallet settings',
  'server-type': 'DB_SERVER_TYPE or the tnsnames.ora entry',
};

/** The log line when pool creation stops for good. */
/**
 * Why the pool does not exist yet, for readiness: the driver code of the
 * last failed attempt (never its free text, which stays in the log).
 */
export function readinessReason(failure: CreateFailure): string {
  const code = (failure.code ?? 'an error without a code, see the pool_create_retry log') + (failure.cause ? ` caused by ${failure.cause}` : '');
  if (!failure.stopRetrying) return code;
  return `${code}, ${failure.stopRetrying}; not retrying: fix ${FIX_NAMES[failure.fix ?? 'credentials']} and restart`;
}

export function stoppedMessage(failure: CreateFailure): string {
  switch (failure.fix) {
    case 'wallet':
      // The wallet, its password and the certificates stay what they are until an operator
      // changes them: retrying only fills the log. Stay up and not ready, and say why.
      return (
        `Cannot connect over TLS (${failure.code}${failure.cause ? ` caused by ${failure.cause}` : ''}: ${failure.stopRetrying}); ` +
        `not retrying: it will not fix itself. Fix the TLS/wallet settings and restart; npm run check diagnoses them.`
      );
    case 'server-type':
      return `${failure.stopRetrying}; not retrying: it will not fix itself. Fix it and restart.`;
    default:
      return (
        `Database rejected the logon (${failure.code}: ${failure.stopRetrying}); not retrying, so that failed logons ` +
        `cannot lock the account (FAILED_LOGIN_ATTEMPTS). Fix the credentials and restart; npm run check diagnoses them.`
      );
  }
}

/**
 * Describe a failed pool creation for logs and readiness, never echoing the
 * connect string or a secret. `connectString` is every form the driver may
 * quote: the configured one and the one it was given (with DRCP's additions).
 */
export function describeCreateFailure(error: unknown, connectString: string | readonly string[], tls: TlsSettings = {}): CreateFailure {
  if (error instanceof ServerTypeMismatch) return { code: 'SERVER_TYPE_MISMATCH', message: error.message, stopRetrying: error.message, fix: 'server-type' };
  const { code, message } = describeError(error);
  // Some driver errors (the thin driver's network errors) quote the whole connect string,
  // which may carry a wallet path or parameters and can come from a Secret.
  // Longest first: the driver's form starts with the configured one.
  const forms = (typeof connectString === 'string' ? [connectString] : [...connectString]).map((cs) => cs.trim()).filter((cs) => cs.length > 0);
  const safe = forms.sort((a, b) => b.length - a.length).reduce((text, cs) => text.split(cs).join(connectTarget(cs)), message);
  const cause = causeCode(error);
  const rejected = rejectedLogon(code);
  const wallet = rejected ? undefined : walletProblem(error, { walletKeyEncrypted: walletKeyEncrypted(tls.walletLocation), ...tls });
  return {
    ...(code ? { code } : {}),
    ...(cause ? { cause } : {}),
    message: safe,
    ...(rejected ? { stopRetrying: rejected, fix: 'credentials' as const } : {}),
    ...(wallet ? { stopRetrying: wallet, fix: 'wallet' as const } : {}),
  };
}
