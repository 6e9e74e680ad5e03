// What a DBA sees of the open sessions (a slice of V$SESSION and
// V$SESSION_CONNECT_INFO), as the driver sent it: machine, program,
// terminal, OS user and pid in the logon's phase one; connection class,
// purity and driver name in phase two; module, action, client identifier
// and client info piggybacked on the first round-trip after the
// application sets them (base.js _writeEndToEndPiggybacks).

export type Purity = 'DEFAULT' | 'NEW' | 'SELF';

export interface SessionView {
  /** V$SESSION.SID (the driver's AUTH_SESSION_ID) */
  sid: number;
  /** V$SESSION.SERIAL# */
  serial: number;
  /** V$SESSION.USERNAME, upper case; '' before logon */
  username: string;
  /** 'ACTIVE' while a call runs, 'INACTIVE' between calls, 'KILLED' once killed (until the client learns of it), 'SNIPED' past the idle limit */
  status: 'ACTIVE' | 'INACTIVE' | 'KILLED' | 'SNIPED';
  serviceName: string;
  /** DRCP connection class (AUTH_KPPL_CONN_CLASS); null when the driver sent none */
  connectionClass: string | null;
  /** AUTH_KPPL_PURITY; null when the driver sent none (it sends it only when set or for DRCP) */
  purity: Purity | null;
  module: string | null;
  action: string | null;
  clientIdentifier: string | null;
  clientInfo: string | null;
  machine: string | null;
  program: string | null;
  terminal: string | null;
  osUser: string | null;
  /** V$SESSION.PROCESS: the client's process id */
  process: string | null;
  /** V$SESSION_CONNECT_INFO.CLIENT_DRIVER */
  clientDriver: string | null;
  /** ISO time of the logon */
  logonTime: string | null;
  /** V$SESSION.LAST_CALL_ET, in milliseconds */
  lastCallEtMs: number;
}

const PURITIES: Record<string, Purity> = { '0': 'DEFAULT', '1': 'NEW', '2': 'SELF' };

export function purityOf(raw: string | undefined): Purity | null {
  if (raw === undefined) return null;
  return PURITIES[raw] ?? null;
}

/** The row of one session: who it is and its status, then what the driver told it (`attrs`, keyed as the driver sent them). */
export function sessionRow(
  who: Pick<SessionView, 'sid' | 'username' | 'status' | 'serviceName'>,
  attrs: Map<string, string>,
  loggedOnAt: number,
  idleMs: number,
): SessionView {
  const a = (k: string) => attrs.get(k) ?? null;
  return {
    ...who,
    serial: 1,
    connectionClass: a('AUTH_KPPL_CONN_CLASS'),
    purity: purityOf(attrs.get('AUTH_KPPL_PURITY')),
    module: a('module'),
    action: a('action'),
    clientIdentifier: a('clientIdentifier'),
    clientInfo: a('clientInfo'),
    machine: a('AUTH_MACHINE'),
    program: a('AUTH_PROGRAM_NM'),
    terminal: a('AUTH_TERMINAL'),
    osUser: a('AUTH_SID'),
    process: a('AUTH_PID'),
    clientDriver: a('SESSION_CLIENT_DRIVER_NAME'),
    logonTime: loggedOnAt ? new Date(loggedOnAt).toISOString() : null,
    lastCallEtMs: idleMs,
  };
}
