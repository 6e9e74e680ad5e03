import { describeError } from '../logger.js';
import { connectTarget } from './connect-target.js';
import { causeCode, rejectedLogon, walletProblem, type TlsSettings } from './oracle-errors.js';

export interface CreateFailure {
  code?: string;
  /** The code the driver's error wraps (the DN mismatch under a handshake failure), when it has one. */
  cause?: string;
  /** The driver's first line, with the connect string replaced by its host/port/service. */
  message: string;
  /** Set when retrying cannot help: why, naming the setting to fix. */
  stopRetrying?: string;
  /** What to fix when stopped: the credentials (a rejected logon) or the TLS/wallet settings. */
  fix?: 'credentials' | 'wallet';
}

/** Describe a failed pool creation for logs and readiness, never echoing the connect string or a secret. */
export function describeCreateFailure(error: unknown, connectString: string, tls: TlsSettings = {}): CreateFailure {
  const { code, message } = describeError(error);
  // Some driver errors (the thin driver's network errors) quote the whole connect string,
  // which may carry a wallet path or parameters and can come from a Secret.
  const cs = connectString.trim();
  const safe = cs.length > 0 ? message.split(cs).join(connectTarget(cs)) : message;
  const cause = causeCode(error);
  const rejected = rejectedLogon(code);
  const wallet = rejected ? undefined : walletProblem(error, tls);
  return {
    ...(code ? { code } : {}),
    ...(cause ? { cause } : {}),
    message: safe,
    ...(rejected ? { stopRetrying: rejected, fix: 'credentials' as const } : {}),
    ...(wallet ? { stopRetrying: wallet, fix: 'wallet' as const } : {}),
  };
}
