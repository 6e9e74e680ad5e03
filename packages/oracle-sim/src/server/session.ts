// One client session, the TTC half of a connection (tns-connection.ts does
// the Oracle Net half): logon, then calls until logoff; the session limits,
// DBA kills and profile limits that end it; and DRCP, where the session's
// cursors live in a pooled server borrowed per call (drcp/broker.ts).
import type { Socket } from 'node:net';
import { Reader, Writer } from '../protocol/codec.js';
import { phaseOne, phaseTwo, type Challenge } from './auth.js';
import { readAuth, readRequestHead, type Piggybacks } from '../protocol/requests.js';
import { endOfCall, FunctionCode, writeDataTypesReply, writeError, writeParameters, writeProtocolReply, writeStatus, type ErrorInfo } from '../protocol/ttc.js';
import { maxProcesses, NO_DATA_FOUND, OraErrors, type OraError } from './ora-errors.js';
import { callRefusal } from './profiles.js';
import { logonDenial, logonReply } from './logon.js';
import { sessionRow, type SessionView } from './sessions-view.js';
import { delay } from './latency.js';
import type { Killable } from './faults.js';
import type { BrokerClient } from './drcp/broker.js';
import { listenerVerdict } from './listener.js';
import { CALL_STATUS_SESSION_RELEASE, RELEASE_DEAUTHENTICATE, SESSION_CHANGED, SESSION_RELEASE, readSessionRelease, sessRetPiggyback, withCallStatus } from '../protocol/drcp.js';
import { type Cursor, type SessionContext } from './session-context.js';
import { applyPiggybacks, atPoolBoundary, execute, fetch, reExecute, type StatementHost } from './statements.js';
import { TnsConnection } from './tns-connection.js';

export class Session extends TnsConnection implements Killable {
  private challenge: Challenge | null = null;
  private user = '';
  private readonly ownCursors = new Map<number, Cursor>();
  private nextCursorId = 1;
  /** SERVER=POOLED: cursors live in the pooled server's session, borrowed per call (drcp/broker.ts) */
  private drcp: BrokerClient<Cursor> | null = null;
  /** SESS_RET to put before the next reply (after an attach) */
  private sessRet: Buffer | null = null;
  private counted = false;
  loggedOn = false;
  /** set by a DBA kill of an idle session: the error its next call gets; the session is already ended */
  private doom: { error: OraError; status: 'KILLED' } | null = null;
  private loggedOnAt = 0;
  /** what the driver told us about itself, for sessions() (V$SESSION) */
  private readonly attrs = new Map<string, string>();
  /** function of the call being answered, for the implicit-pooling boundary */
  private call = 0;
  /** what statements.ts sees of this session */
  private readonly statements: StatementHost;

  constructor(
    socket: Socket,
    ctx: SessionContext,
    private readonly onClose: (s: Session) => void,
  ) {
    super(socket, ctx);
    this.statements = {
      id: this.id,
      ctx,
      user: () => this.user,
      cursors: () => this.cursors,
      openCursor: (plan) => this.openCursor(plan),
      endsTransaction: () => {
        this.call = FunctionCode.COMMIT;
      },
      reply: (scope, build) => this.reply(scope, build),
      error: (w, e) => this.error(w, e),
      fail: (scope, e, pos) => this.fail(scope, e, pos),
    };
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
    if (this.busy) {
      // a call in progress is abandoned and answered with ORA-00028 at once
      this.fail(this.cancelCalls('session killed'), OraErrors.sessionKilled);
    } else {
      this.doom = { error: OraErrors.sessionKilled, status: 'KILLED' };
    }
    return true;
  }

  get userName(): string {
    return this.user.toUpperCase();
  }

  /** The V$SESSION row, or null when no session exists (before logon, after logoff, once the client learnt of a kill). */
  view(): SessionView | null {
    if (!this.loggedOn && !this.doom) return null;
    const profile = this.ctx.faults.profile;
    const sniped = this.loggedOn && callRefusal(profile, Date.now(), this.loggedOnAt, this.lastCallEndedAt) !== null;
    const status = this.doom?.status ?? (sniped && !this.busy ? 'SNIPED' : this.busy ? 'ACTIVE' : 'INACTIVE');
    return sessionRow({ sid: this.id, username: this.userName, status, serviceName: this.ctx.serviceName }, this.attrs, this.loggedOnAt, this.idleMs);
  }

  protected admit(descriptor: string): number {
    const { refuse, pooled } = listenerVerdict(this.ctx, descriptor, this.id);
    if (!refuse && pooled) this.drcp = this.ctx.broker!.client(pooled);
    return refuse;
  }

  protected ended(): void {
    this.drcp?.disconnect();
    if (this.loggedOn) this.endSession();
    this.onClose(this);
  }

  /** A break (callTimeout) is answered with ORA-01013, which the driver reads as the call's reply after its reset. */
  protected onBreak(): void {
    this.reply(null, (w) => this.error(w, { ...OraErrors.cancelled }));
  }

  protected async handle(request: Buffer, scope: AbortSignal): Promise<void> {
    try {
      await this.dispatch(new Reader(request), scope);
    } catch (err) {
      if (scope.aborted) return;
      this.ctx.log(`session ${this.id}: cannot handle request: ${(err as Error).message}`);
      this.fail(scope, OraErrors.unsupportedRequest);
    }
  }

  private get cursors(): Map<number, Cursor> {
    return this.drcp?.session?.cursors ?? this.ownCursors;
  }

  private openCursor(plan: Cursor['plan']): Cursor {
    const s = this.drcp?.session;
    const cursor: Cursor = { id: s ? s.nextCursorId++ : this.nextCursorId++, plan, binds: [], nextRow: 1 };
    this.cursors.set(cursor.id, cursor);
    this.drcp?.own(cursor.id);
    this.ctx.log(`session ${this.id}: parsed cursor ${cursor.id}`);
    return cursor;
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

  private reply(scope: AbortSignal | null, build: (w: Writer) => void): void {
    if (scope?.aborted) return;
    const w = new Writer();
    // SESS_RET goes with the first reply after an attach, even the ORA-01013 of a break
    if (this.sessRet) w.raw(this.sessRet);
    this.sessRet = null;
    build(w);
    let payload = w.toBuffer();
    if (scope && this.loggedOn && this.drcp?.attached && atPoolBoundary(this.drcp.boundary, this.call, this.drcp.ownCursors())) {
      // implicit pooling: the pooled server goes back at the boundary; the
      // client learns it from call-status bit 0x8000 and forgets its cursor
      // ids without closing them, so they are closed here (§5)
      payload = withCallStatus(payload, endOfCall.get(w)!, CALL_STATUS_SESSION_RELEASE);
      this.drcp.release(true);
    }
    this.send(payload);
  }

  private error(w: Writer, e: ErrorInfo): void {
    if (e.num !== 0 && e.num !== NO_DATA_FOUND) this.ctx.stats.errorSent();
    writeError(w, e);
  }

  private fail(scope: AbortSignal, e: OraError, pos?: number): void {
    this.reply(scope, (w) => this.error(w, { num: e.num, message: e.message, pos }));
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
    applyPiggybacks(this.statements, head.piggybacks, this.attrs);
    switch (code) {
      case FunctionCode.EXECUTE:
        return execute(this.statements, r, scope);
      case FunctionCode.REEXECUTE:
      case FunctionCode.REEXECUTE_AND_FETCH:
        return reExecute(this.statements, r, code === FunctionCode.REEXECUTE_AND_FETCH, scope);
      case FunctionCode.FETCH:
        return fetch(this.statements, r, scope);
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
    const refusal = logonDenial(ctx, user, req.mode, req.pairs);
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
      writeParameters(w, logonReply(ctx, proof, this.id));
      writeStatus(w);
    });
  }

  // ---- DRCP (drcp/broker.ts; docs/oracle-tls-drcp.md §5) ----

  /** Borrows a pooled server for this call (waiting while all are busy) and queues SESS_RET for the reply. */
  private async attachPooledServer(scope: AbortSignal): Promise<void> {
    const a = await this.drcp!.attach(scope);
    this.sessRet = sessRetPiggyback(a.changed ? SESSION_CHANGED : 0, a.sessionId, a.serial);
  }

  /**
   * SESSION_RELEASE is one-way: never answered (protocol.js:266-268). Close
   * piggybacks in front of it still apply, to the session the client last had
   * (the driver sends them only once SESS_RET told it which session that is).
   */
  private sessionRelease(r: Reader, piggybacks: Piggybacks): void {
    const { mode } = readSessionRelease(r);
    applyPiggybacks(this.statements, piggybacks, this.attrs);
    this.drcp?.release(false);
    this.ctx.log(`session ${this.id}: released its pooled server${mode & RELEASE_DEAUTHENTICATE ? ' (deauthenticate)' : ''}`);
  }
}
