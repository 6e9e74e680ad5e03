// One client connection: CONNECT/ACCEPT, negotiation, logon, then calls until
// logoff. Requests are handled one at a time, in order; a break marker from
// the client (callTimeout) cancels the running and queued calls.
import type { Socket } from 'node:net';
import { Reader, Writer } from '../protocol/codec.js';
import {
  acceptPacket,
  connectDescriptor,
  DATA_FLAG_END_OF_REQUEST,
  DATA_FLAG_EOF,
  dataFlags,
  dataPackets,
  dataPayload,
  Marker,
  markerPacket,
  PacketSplitter,
  PacketType,
  refusePacket,
  type Packet,
} from '../protocol/packets.js';
import { phaseOne, phaseTwo, type Challenge, type Verifier } from './auth.js';
import {
  ExecOption,
  readAuth,
  readBindRow,
  readExecute,
  readFetch,
  readReExecute,
  readRequestHead,
  type BindMeta,
  type BindValue,
  type Piggybacks,
} from '../protocol/requests.js';
import {
  FunctionCode,
  writeDataTypesReply,
  writeDescribeInfo,
  writeError,
  writeParameters,
  writeProtocolReply,
  writeRow,
  writeStatus,
  type ErrorInfo,
} from '../protocol/ttc.js';
import { plan, type Plan } from './sql.js';
import { maxProcesses, NO_DATA_FOUND, OraErrors, type OraError } from './ora-errors.js';
import { callRefusal, logonRefusal } from './profiles.js';
import { purityOf, type SessionView } from './sessions-view.js';
import { timeZoneError } from './time-zone.js';
import { delay } from './latency.js';
import type { Capacity } from './capacity.js';
import type { FaultState, Killable } from './faults.js';
import type { Stats } from './stats.js';
import { pooledConnectData, type Broker, type BrokerClient } from './drcp/broker.js';
import {
  CALL_STATUS_SESSION_RELEASE,
  RELEASE_DEAUTHENTICATE,
  SESSION_CHANGED,
  SESSION_RELEASE,
  readSessionRelease,
  withCallStatus,
  writeSessRet,
} from '../protocol/drcp.js';
import { endOfCall } from '../protocol/ttc.js';

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

/** Listener error for "refuse new connections" faults: instances blocking new connections. */
const REFUSE_FAULT_ERROR = 12528;
const SERVICE_NOT_FOUND = 12514;
/** "listener could not find available handler": what a listener answers SERVER=POOLED with when DRCP is not started (oracle-tls-drcp.md §6) */
const NO_HANDLER = 12520;
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
const ANY_PRIVILEGE = Object.values(PRIVILEGE_MODES).reduce((a, b) => a | b, 0);
/** Answer sizes we accept: the client asks for 8192 by default. */
const MIN_SDU = 512;
const MAX_SDU = 65535;
const TDU = 65535;
/** Claimed server version 19.24.0.0.0, encoded for field version >= 11. */
const AUTH_VERSION_NO = String((19 << 24) | (24 << 16));

export interface Cursor {
  id: number;
  plan: Exclude<Plan, { kind: 'error' }>;
  binds: BindMeta[];
  /** next LEVEL to return, 1-based */
  nextRow: number;
}

let nextSessionId = 1;

export class Session implements Killable {
  private readonly splitter = new PacketSplitter();
  private state: 'connect' | 'connectData' | 'open' | 'closed' = 'connect';
  private sdu = 8192;
  private connectLength = 0;
  private requestParts: Buffer[] = [];
  private work: Promise<void> = Promise.resolve();
  /** aborted by a break: every call queued or running under it is abandoned */
  private breakScope = new AbortController();
  private challenge: Challenge | null = null;
  private user = '';
  private readonly ownCursors = new Map<number, Cursor>();
  private nextCursorId = 1;
  /** SERVER=POOLED: cursors live in the pooled server's session, borrowed per call (drcp/broker.ts) */
  private drcp: BrokerClient<Cursor> | null = null;
  /** SESS_RET to put before the next reply (after an attach) */
  private sessRet: Buffer | null = null;
  private readonly heldInput: Buffer[] = [];
  private readonly heldOutput: Buffer[] = [];
  private counted = false;
  readonly id = nextSessionId++;
  loggedOn = false;
  /** set by a DBA kill of an idle session: the error its next call gets; the session is already ended */
  private doom: { error: OraError; status: 'KILLED' } | null = null;
  /** a firewall forgot this connection: nothing in, nothing out, no RST */
  private blackholed = false;
  private callsInFlight = 0;
  private loggedOnAt = 0;
  private lastCallEndedAt = Date.now();
  /** what the driver told us about itself, for sessions() (V$SESSION) */
  private readonly attrs = new Map<string, string>();

  constructor(
    private readonly socket: Socket,
    private readonly ctx: SessionContext,
    private readonly onClose: (s: Session) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.blackholed) return;
      if (this.ctx.faults.frozen) this.heldInput.push(chunk);
      else this.receive(chunk);
    });
    socket.on('error', () => {}); // resets by the client are normal; 'close' follows
    // the client's FIN: answer with ours, unless a firewall swallowed it, in
    // which case the database keeps the session as Oracle does until dead
    // connection detection, and it still counts against every limit
    socket.on('end', () => {
      if (!this.blackholed) socket.end();
    });
    socket.on('close', () => this.closed());
  }

  /** Drops the connection; the session counts as ended at once, not when 'close' fires. */
  kill(): void {
    this.socket.destroy();
    this.closed();
  }

  /**
   * ALTER SYSTEM KILL SESSION: the socket stays up, the session ends now
   * (it no longer counts against limits) and its next call fails with
   * ORA-00028. Returns false if it was not logged on or already doomed.
   */
  killAsDba(): boolean {
    if (!this.loggedOn || this.doom) return false;
    this.endSession();
    this.ctx.log(`session ${this.id}: killed by the DBA`);
    if (this.callsInFlight > 0) {
      // a call in progress is abandoned and answered with ORA-00028 at once
      this.breakScope.abort(new Error('session killed'));
      this.breakScope = new AbortController();
      this.fail(this.breakScope.signal, OraErrors.sessionKilled);
    } else {
      this.doom = { error: OraErrors.sessionKilled, status: 'KILLED' };
    }
    return true;
  }

  /** A firewall drops the connection's state: from now on every packet either way is swallowed. */
  dropByFirewall(): void {
    this.blackholed = true;
  }

  /** Milliseconds since the last call ended; 0 while one runs. */
  get idleMs(): number {
    return this.callsInFlight > 0 ? 0 : Date.now() - this.lastCallEndedAt;
  }

  get busy(): boolean {
    return this.callsInFlight > 0;
  }

  get userName(): string {
    return this.user.toUpperCase();
  }

  /** The V$SESSION row, or null when no session exists (before logon, after logoff, once the client learnt of a kill). */
  view(): SessionView | null {
    if (!this.loggedOn && !this.doom) return null;
    const a = (k: string) => this.attrs.get(k) ?? null;
    const profile = this.ctx.faults.profile;
    const sniped = this.loggedOn && callRefusal(profile, Date.now(), this.loggedOnAt, this.lastCallEndedAt) !== null;
    return {
      sid: this.id,
      serial: 1,
      username: this.userName,
      status: this.doom?.status ?? (sniped && this.callsInFlight === 0 ? 'SNIPED' : this.callsInFlight > 0 ? 'ACTIVE' : 'INACTIVE'),
      serviceName: this.ctx.serviceName,
      connectionClass: a('AUTH_KPPL_CONN_CLASS'),
      purity: purityOf(this.attrs.get('AUTH_KPPL_PURITY')),
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
      logonTime: this.loggedOnAt ? new Date(this.loggedOnAt).toISOString() : null,
      lastCallEtMs: this.idleMs,
    };
  }

  /** Called on unfreeze: send what was held back, then process what arrived meanwhile. */
  thaw(): void {
    if (this.state === 'closed' || this.blackholed) return;
    for (const b of this.heldOutput.splice(0)) this.socket.write(b);
    while (this.heldInput.length > 0 && !this.ctx.faults.frozen) this.receive(this.heldInput.shift()!);
  }

  private get cursors(): Map<number, Cursor> {
    return this.drcp?.session?.cursors ?? this.ownCursors;
  }

  private newCursorId(): number {
    const s = this.drcp?.session;
    return s ? s.nextCursorId++ : this.nextCursorId++;
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.drcp?.disconnect();
    if (this.state === 'open') this.ctx.accepted.count--;
    this.state = 'closed';
    this.breakScope.abort(new Error('connection closed'));
    if (this.loggedOn) this.endSession();
    this.onClose(this);
  }

  private endSession(): void {
    this.loggedOn = false;
    if (this.counted) {
      this.ctx.stats.sessionClosed();
      const n = (this.ctx.openByUser.get(this.userName) ?? 1) - 1;
      if (n > 0) this.ctx.openByUser.set(this.userName, n);
      else this.ctx.openByUser.delete(this.userName);
    }
    this.counted = false;
  }

  private write(buf: Buffer): void {
    if (this.state === 'closed' || this.blackholed) return;
    if (this.ctx.faults.frozen) this.heldOutput.push(buf);
    else this.socket.write(buf);
  }

  private receive(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.splitter.push(chunk);
    } catch (err) {
      this.ctx.log(`session ${this.id}: ${(err as Error).message}; closing`);
      this.socket.destroy();
      return;
    }
    for (const p of packets) {
      if (this.state === 'closed') return;
      this.onPacket(p);
    }
  }

  private onPacket(p: Packet): void {
    if (this.state === 'connect') {
      if (p.type !== PacketType.CONNECT) return void this.socket.destroy();
      const cd = connectDescriptor(p);
      this.sdu = Math.min(MAX_SDU, Math.max(MIN_SDU, cd.requestedSdu));
      if (cd.text !== null) this.onConnect(cd.text);
      else {
        // descriptors over 230 bytes follow in a DATA packet
        this.connectLength = cd.length;
        this.state = 'connectData';
      }
      return;
    }
    if (this.state === 'connectData') {
      if (p.type === PacketType.DATA) this.onConnect(dataPayload(p).toString('ascii', 0, this.connectLength));
      return;
    }
    if (p.type === PacketType.MARKER) return this.onMarker(p.buf[10] ?? 0);
    if (p.type !== PacketType.DATA) return;
    const flags = dataFlags(p);
    if (flags & DATA_FLAG_EOF) return void this.socket.end();
    this.requestParts.push(dataPayload(p));
    if (flags & DATA_FLAG_END_OF_REQUEST) {
      const request = this.requestParts.length === 1 ? this.requestParts[0]! : Buffer.concat(this.requestParts);
      this.requestParts = [];
      const scope = this.breakScope.signal;
      this.callsInFlight++;
      this.work = this.work.then(() => this.onRequest(request, scope));
    }
  }

  private onConnect(descriptor: string): void {
    const ctx = this.ctx;
    const service = /\(\s*SERVICE_NAME\s*=\s*([^)\s]*)\s*\)/i.exec(descriptor)?.[1] ?? '';
    const pooled = pooledConnectData(descriptor);
    let refuse = 0;
    if (ctx.faults.refusing) refuse = REFUSE_FAULT_ERROR;
    else if (service.toUpperCase() !== ctx.serviceName.toUpperCase() || ctx.faults.serviceUnregistered) {
      refuse = SERVICE_NOT_FOUND;
    } else if (pooled && (!ctx.broker || ctx.faults.drcpStopped)) refuse = NO_HANDLER;
    else if (ctx.sessionLimitError !== 'ORA-00018' && ctx.accepted.count >= ctx.maxSessions) {
      refuse = Number(ctx.sessionLimitError.slice(4));
    }
    if (!refuse && pooled) this.drcp = ctx.broker!.client(pooled);
    if (refuse) {
      ctx.stats.refused();
      ctx.log(`session ${this.id}: refusing connect to service "${service}" (ERR=${refuse})`);
      this.socket.end(refusePacket(refuse));
      this.state = 'closed';
      this.onClose(this);
      return;
    }
    this.write(acceptPacket(this.sdu, TDU));
    this.splitter.largeLengths();
    this.state = 'open';
    ctx.accepted.count++;
  }

  /**
   * The client interrupts a call (callTimeout) with a marker. Whatever runs is
   * abandoned; we answer with a reset marker and ORA-01013, which the driver
   * reads as the call's reply after its own reset. We answer even when idle:
   * the reply may have crossed the break on the wire, and the driver then
   * still waits for the reset and an error.
   */
  private onMarker(marker: number): void {
    if (marker === Marker.RESET) return; // the client's half of the reset: nothing to do
    this.breakScope.abort(new Error('break'));
    this.breakScope = new AbortController();
    this.write(markerPacket(Marker.RESET));
    this.reply(null, (w) => this.error(w, { ...OraErrors.cancelled }));
  }

  private reply(scope: AbortSignal | null, build: (w: Writer) => void): void {
    if (scope?.aborted) return;
    const w = new Writer();
    // SESS_RET goes with the first reply after an attach, even the ORA-01013 of a break
    if (this.sessRet) w.raw(this.sessRet);
    this.sessRet = null;
    build(w);
    let payload = w.toBuffer();
    if (scope && this.drcp?.attached && this.atPoolBoundary()) {
      // implicit pooling: the pooled server goes back at the boundary; the
      // client learns it from call-status bit 0x8000 and forgets its cursor
      // ids without closing them, so they are closed here (§5)
      payload = withCallStatus(payload, endOfCall.get(w)!, CALL_STATUS_SESSION_RELEASE);
      this.drcp.release(true);
    }
    const packets = dataPackets(payload, this.sdu);
    this.write(packets.length === 1 ? packets[0]! : Buffer.concat(packets));
  }

  private error(w: Writer, e: ErrorInfo): void {
    if (e.num !== 0 && e.num !== NO_DATA_FOUND) this.ctx.stats.errorSent();
    writeError(w, e);
  }

  private fail(scope: AbortSignal, e: OraError, pos?: number): void {
    this.reply(scope, (w) => this.error(w, { num: e.num, message: e.message, pos }));
  }

  private async onRequest(request: Buffer, scope: AbortSignal): Promise<void> {
    try {
      if (scope.aborted || this.state === 'closed') return;
      await this.dispatch(new Reader(request), scope);
    } catch (err) {
      if (scope.aborted) return;
      this.ctx.log(`session ${this.id}: cannot handle request: ${(err as Error).message}`);
      this.fail(scope, OraErrors.unsupportedRequest);
    } finally {
      this.callsInFlight--;
      this.lastCallEndedAt = Date.now();
    }
  }

  private async dispatch(r: Reader, scope: AbortSignal): Promise<void> {
    const head = readRequestHead(r);
    if (head.kind === 'protocol') return this.reply(scope, writeProtocolReply);
    if (head.kind === 'dataTypes') return this.reply(scope, writeDataTypesReply);
    if (head.kind === 'unsupported') {
      this.ctx.log(`session ${this.id}: unsupported ${head.what}`);
      return this.fail(scope, OraErrors.unsupportedRequest);
    }
    const code = head.code;
    if (code === FunctionCode.AUTH_PHASE_ONE) return this.authPhaseOne(r, scope);
    if (code === FunctionCode.AUTH_PHASE_TWO) return this.authPhaseTwo(r, scope);
    if (code === SESSION_RELEASE) return this.sessionRelease(r, head.piggybacks);
    if (this.doom) {
      // the client learns of the kill now; the session leaves V$SESSION
      const { error } = this.doom;
      this.doom = null;
      return this.fail(scope, error);
    }
    if (!this.loggedOn) return this.fail(scope, OraErrors.notLoggedOn);
    const limit = callRefusal(this.ctx.faults.profile, Date.now(), this.loggedOnAt, this.lastCallEndedAt);
    if (limit) {
      this.ctx.log(`session ${this.id}: ${limit.message}`);
      this.endSession();
      return this.fail(scope, limit);
    }
    if (this.drcp && !this.drcp.attached) await this.attachPooledServer(scope);
    this.call = code;
    this.applyPiggybacks(head.piggybacks);
    switch (code) {
      case FunctionCode.EXECUTE:
        return this.execute(r, scope);
      case FunctionCode.REEXECUTE:
      case FunctionCode.REEXECUTE_AND_FETCH:
        return this.reExecute(r, code === FunctionCode.REEXECUTE_AND_FETCH, scope);
      case FunctionCode.FETCH:
        return this.fetch(r, scope);
      case FunctionCode.PING:
      case FunctionCode.COMMIT:
      case FunctionCode.ROLLBACK:
        return this.reply(scope, writeStatus);
      case FunctionCode.LOGOFF:
        this.ctx.stats.loggedOff();
        this.endSession();
        return this.reply(scope, writeStatus);
      default:
        this.ctx.log(`session ${this.id}: unsupported function ${code}`);
        return this.fail(scope, OraErrors.unsupportedRequest);
    }
  }

  private authPhaseOne(r: Reader, scope: AbortSignal): void {
    const req = readAuth(r);
    this.user = req.user;
    for (const [k, v] of req.pairs) this.attrs.set(k, v);
    const processes = this.ctx.faults.maxProcesses;
    if (this.ctx.accepted.count > processes) {
      this.ctx.stats.logonFailed();
      return this.fail(scope, maxProcesses(processes));
    }
    const verifier = this.ctx.verifiers.get(req.user.toUpperCase()) ?? this.ctx.decoyVerifier;
    const { challenge, pairs } = phaseOne(verifier);
    this.challenge = challenge;
    this.reply(scope, (w) => {
      writeParameters(w, pairs);
      writeStatus(w);
    });
  }

  private async authPhaseTwo(r: Reader, scope: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    const req = readAuth(r);
    const proof = this.challenge ? phaseTwo(this.challenge, req.pairs) : null;
    this.challenge = null;
    if (proof === null) {
      ctx.stats.logonFailed();
      ctx.log(`session ${this.id}: logon denied for "${this.user}"`);
      return this.fail(scope, OraErrors.invalidLogon);
    }
    const user = this.userName;
    const wanted = req.mode & ANY_PRIVILEGE;
    const refusal =
      (wanted & ~(ctx.privileges.get(user) ?? 0)) !== 0
        ? OraErrors.insufficientPrivileges
        : ctx.sessionLimitError === 'ORA-00018' && ctx.stats.sessionsOpen >= ctx.maxSessions
          ? OraErrors.maxSessions
          : (logonRefusal(ctx.faults.profile, ctx.openByUser.get(user) ?? 0) ??
            timeZoneError(req.pairs.get('AUTH_ALTER_SESSION')));
    if (refusal) {
      ctx.stats.logonFailed();
      ctx.log(`session ${this.id}: logon of "${this.user}" refused: ${refusal.message}`);
      return this.fail(scope, refusal);
    }
    for (const [k, v] of req.pairs) {
      if (k === 'AUTH_KPPL_CONN_CLASS' || k === 'AUTH_KPPL_PURITY' || k === 'SESSION_CLIENT_DRIVER_NAME') this.attrs.set(k, v);
    }
    // counted before the logon latency so that concurrent logons cannot overshoot maxSessions
    this.loggedOn = true;
    this.counted = true;
    this.loggedOnAt = Date.now();
    ctx.openByUser.set(user, (ctx.openByUser.get(user) ?? 0) + 1);
    ctx.stats.sessionOpened();
    this.drcp?.logon(this.user, req.pairs);
    await delay(ctx.faults.logonLatencyMs, scope);
    this.reply(scope, (w) => {
      writeParameters(w, [
        { key: 'AUTH_SVR_RESPONSE', value: proof },
        { key: 'AUTH_VERSION_NO', value: AUTH_VERSION_NO },
        { key: 'AUTH_SESSION_ID', value: String(this.id) },
        { key: 'AUTH_SERIAL_NUM', value: '1' },
        { key: 'AUTH_SC_SERVICE_NAME', value: ctx.serviceName },
        { key: 'AUTH_INSTANCENAME', value: 'ORASIM' },
        // the PDB (the driver's pdbName) and the database unique name (its dbName), as a CDB sends them
        { key: 'AUTH_DBNAME', value: ctx.serviceName },
        { key: 'AUTH_SC_DBUNIQUE_NAME', value: 'ORASIM' },
        { key: 'AUTH_SC_REAL_DBUNIQUE_NAME', value: 'ORASIM' },
        { key: 'AUTH_MAX_OPEN_CURSORS', value: '300' },
        { key: 'AUTH_MAX_IDEN_LENGTH', value: '128' },
      ]);
      writeStatus(w);
    });
  }

  private applyPiggybacks(p: Piggybacks): void {
    for (const [k, v] of Object.entries(p.endToEnd)) {
      if (v === '') this.attrs.delete(k);
      else this.attrs.set(k, v);
    }
    for (const id of p.closeCursors) {
      this.cursors.delete(id);
      this.ctx.log(`session ${this.id}: closed cursor ${id}`);
    }
    for (const id of p.cancelCursors) {
      const c = this.cursors.get(id);
      if (c?.plan.kind === 'query') c.nextRow = c.plan.rowCount + 1;
    }
  }

  private async execute(r: Reader, scope: AbortSignal): Promise<void> {
    const req = readExecute(r);
    this.ctx.stats.statement();
    let cursor = this.cursors.get(req.cursorId);
    if (req.sql !== null) {
      if (/^\s*(COMMIT|ROLLBACK)\b/i.test(req.sql)) this.call = FunctionCode.COMMIT;
      const p = plan(req.sql, this.user);
      if (p.kind === 'error') {
        // cursor id 0: a non-zero id would make the driver keep a cursor we never opened
        if (req.cursorId) this.cursors.delete(req.cursorId);
        return this.fail(scope, p.error, p.pos);
      }
      if (!cursor) {
        cursor = { id: this.newCursorId(), plan: p, binds: [], nextRow: 1 };
        this.cursors.set(cursor.id, cursor);
        this.drcp?.own(cursor.id);
        this.ctx.log(`session ${this.id}: parsed cursor ${cursor.id}`);
      } else {
        cursor.plan = p;
      }
    }
    if (!cursor) return this.fail(scope, OraErrors.invalidCursor);
    cursor.binds = req.binds;
    const rows = req.options & ExecOption.FETCH ? req.prefetchRows : 0;
    await this.run(cursor, req.bindValues, rows, true, scope);
  }

  private async reExecute(r: Reader, andFetch: boolean, scope: AbortSignal): Promise<void> {
    const req = readReExecute(r);
    this.ctx.stats.statement();
    const cursor = this.cursors.get(req.cursorId);
    if (!cursor) return this.fail(scope, OraErrors.invalidCursor);
    const binds = readBindRow(r, cursor.binds);
    await this.run(cursor, binds, andFetch ? req.numIters : 0, false, scope);
  }

  /** Executes a parsed statement: latency (gated by capacity), then the reply. */
  private async run(cursor: Cursor, binds: BindValue[], rows: number, describe: boolean, scope: AbortSignal): Promise<void> {
    await this.statementLatency(scope);
    const p = cursor.plan;
    if (p.kind === 'sleep') {
      // a sleeping session holds no CPU, so no capacity slot either
      await delay(Math.max(0, p.seconds(binds)) * 1000, scope);
    }
    if (p.kind !== 'query') {
      return this.reply(scope, (w) => this.error(w, { num: 0, cursorId: cursor.id }));
    }
    cursor.nextRow = 1;
    this.reply(scope, (w) => {
      if (describe) writeDescribeInfo(w, p.columns);
      this.writeRows(w, cursor, rows);
    });
  }

  private async statementLatency(scope: AbortSignal): Promise<void> {
    const ms = this.ctx.faults.latency();
    const capacity = this.ctx.capacity;
    await capacity.acquire(scope);
    try {
      await delay(ms, scope);
    } finally {
      capacity.release();
    }
  }

  private fetch(r: Reader, scope: AbortSignal): void {
    const req = readFetch(r);
    const cursor = this.cursors.get(req.cursorId);
    if (!cursor) return this.fail(scope, OraErrors.invalidCursor);
    this.reply(scope, (w) => this.writeRows(w, cursor, req.arraySize));
  }

  /**
   * Up to `max` rows, then an ERROR message that ends the call: 1403 when the
   * rows are exhausted, 0 when the client should FETCH for more.
   */
  private writeRows(w: Writer, cursor: Cursor, max: number): void {
    const p = cursor.plan;
    if (p.kind !== 'query') return this.error(w, { num: 0, cursorId: cursor.id });
    const end = Math.min(p.rowCount, cursor.nextRow + max - 1);
    for (; cursor.nextRow <= end; cursor.nextRow++) writeRow(w, p.columns, p.row(cursor.nextRow));
    const done = cursor.nextRow > p.rowCount;
    this.error(w, {
      num: done ? NO_DATA_FOUND : 0,
      message: done ? 'ORA-01403: no data found' : undefined,
      cursorId: cursor.id,
      rowCount: cursor.nextRow - 1,
    });
  }

  // ---- DRCP (drcp/broker.ts; docs/oracle-tls-drcp.md §5) ----

  /** function of the call being answered, for the implicit-pooling boundary */
  private call = 0;

  /** Borrows a pooled server for this call (waiting while all are busy) and queues SESS_RET for the reply. */
  private async attachPooledServer(scope: AbortSignal): Promise<void> {
    const a = await this.drcp!.attach(scope);
    const w = new Writer(16);
    writeSessRet(w, a.changed ? SESSION_CHANGED : 0, a.sessionId, a.serial);
    this.sessRet = Buffer.from(w.toBuffer());
  }

  /**
   * SESSION_RELEASE is one-way: never answered (protocol.js:266-268). Close
   * piggybacks in front of it still apply, to the session the client last had
   * (the driver sends them only once SESS_RET told it which session that is).
   */
  private sessionRelease(r: Reader, piggybacks: Piggybacks): void {
    const { mode } = readSessionRelease(r);
    this.applyPiggybacks(piggybacks);
    this.drcp?.release(false);
    this.ctx.log(`session ${this.id}: released its pooled server${mode & RELEASE_DEAUTHENTICATE ? ' (deauthenticate)' : ''}`);
  }

  /**
   * POOL_BOUNDARY=STATEMENT: no result set of this client left open (no
   * transactions exist here, so none is active). TRANSACTION: the call ended
   * a transaction (commit or rollback, as a call or as SQL).
   */
  private atPoolBoundary(): boolean {
    const boundary = this.drcp?.boundary;
    if (!boundary || !this.loggedOn) return false;
    if (boundary === 'TRANSACTION') return this.call === FunctionCode.COMMIT || this.call === FunctionCode.ROLLBACK;
    return !this.drcp!.ownCursors().some((c) => c.plan.kind === 'query' && c.nextRow <= c.plan.rowCount);
  }
}
