// SQL on one session: parse and execute, re-execute, fetch, and the cursor
// piggybacks (close, cancel) that ride in front of a call. Rows come from the
// statement's plan (sql.ts); latency is taken under the database's capacity.
import type { Writer } from '../protocol/codec.js';
import { ExecOption, readBindRow, readExecute, readFetch, readReExecute, type BindValue, type Piggybacks } from '../protocol/requests.js';
import { FunctionCode, writeDescribeInfo, writeRow, type ErrorInfo } from '../protocol/ttc.js';
import type { Reader } from '../protocol/codec.js';
import { delay } from './latency.js';
import { NO_DATA_FOUND, OraErrors, type OraError } from './ora-errors.js';
import type { Cursor, SessionContext } from './session-context.js';
import { plan } from './sql.js';

/** What statements need from the session they run on. */
export interface StatementHost {
  readonly id: number;
  readonly ctx: SessionContext;
  /** the logged-on user (schema of unqualified names) */
  user(): string;
  /** the cursors of the session in use: its own, or the pooled server's under DRCP */
  cursors(): Map<number, Cursor>;
  openCursor(p: Cursor['plan']): Cursor;
  /** the call turned out to end a transaction (COMMIT / ROLLBACK as SQL) */
  endsTransaction(): void;
  reply(scope: AbortSignal, build: (w: Writer) => void): void;
  error(w: Writer, e: ErrorInfo): void;
  fail(scope: AbortSignal, e: OraError, pos?: number): void;
}

export async function execute(s: StatementHost, r: Reader, scope: AbortSignal): Promise<void> {
  const req = readExecute(r);
  s.ctx.stats.statement();
  const cursors = s.cursors();
  let cursor = cursors.get(req.cursorId);
  if (req.sql !== null) {
    if (/^\s*(COMMIT|ROLLBACK)\b/i.test(req.sql)) s.endsTransaction();
    const p = plan(req.sql, s.user());
    if (p.kind === 'error') {
      // cursor id 0: a non-zero id would make the driver keep a cursor we never opened
      if (req.cursorId) cursors.delete(req.cursorId);
      return s.fail(scope, p.error, p.pos);
    }
    if (!cursor) cursor = s.openCursor(p);
    else cursor.plan = p;
  }
  if (!cursor) return s.fail(scope, OraErrors.invalidCursor);
  cursor.binds = req.binds;
  const rows = req.options & ExecOption.FETCH ? req.prefetchRows : 0;
  await run(s, cursor, req.bindValues, rows, true, scope);
}

export async function reExecute(s: StatementHost, r: Reader, andFetch: boolean, scope: AbortSignal): Promise<void> {
  const req = readReExecute(r);
  s.ctx.stats.statement();
  const cursor = s.cursors().get(req.cursorId);
  if (!cursor) return s.fail(scope, OraErrors.invalidCursor);
  const binds = readBindRow(r, cursor.binds);
  await run(s, cursor, binds, andFetch ? req.numIters : 0, false, scope);
}

export function fetch(s: StatementHost, r: Reader, scope: AbortSignal): void {
  const req = readFetch(r);
  const cursor = s.cursors().get(req.cursorId);
  if (!cursor) return s.fail(scope, OraErrors.invalidCursor);
  s.reply(scope, (w) => writeRows(s, w, cursor, req.arraySize));
}

export function applyPiggybacks(s: StatementHost, p: Piggybacks, attrs: Map<string, string>): void {
  for (const [k, v] of Object.entries(p.endToEnd)) {
    if (v === '') attrs.delete(k);
    else attrs.set(k, v);
  }
  const cursors = s.cursors();
  for (const id of p.closeCursors) {
    cursors.delete(id);
    s.ctx.log(`session ${s.id}: closed cursor ${id}`);
  }
  for (const id of p.cancelCursors) {
    const c = cursors.get(id);
    if (c?.plan.kind === 'query') c.nextRow = c.plan.rowCount + 1;
  }
}

/**
 * Implicit pooling's boundary after the call `call`. STATEMENT: no result set
 * of this client left open (no transactions exist here, so none is active).
 * TRANSACTION: the call ended a transaction (commit or rollback, as a call or
 * as SQL). No boundary: the pooled server stays until the client releases it.
 */
export function atPoolBoundary(boundary: 'STATEMENT' | 'TRANSACTION' | null | undefined, call: number, ownCursors: Cursor[]): boolean {
  if (!boundary) return false;
  if (boundary === 'TRANSACTION') return call === FunctionCode.COMMIT || call === FunctionCode.ROLLBACK;
  return !ownCursors.some((c) => c.plan.kind === 'query' && c.nextRow <= c.plan.rowCount);
}

/** Executes a parsed statement: latency (gated by capacity), then the reply. */
async function run(s: StatementHost, cursor: Cursor, binds: BindValue[], rows: number, describe: boolean, scope: AbortSignal): Promise<void> {
  await statementLatency(s.ctx, scope);
  const p = cursor.plan;
  if (p.kind === 'sleep') {
    // a sleeping session holds no CPU, so no capacity slot either
    await delay(Math.max(0, p.seconds(binds)) * 1000, scope);
  }
  if (p.kind !== 'query') {
    return s.reply(scope, (w) => s.error(w, { num: 0, cursorId: cursor.id }));
  }
  cursor.nextRow = 1;
  s.reply(scope, (w) => {
    if (describe) writeDescribeInfo(w, p.columns);
    writeRows(s, w, cursor, rows);
  });
}

async function statementLatency(ctx: SessionContext, scope: AbortSignal): Promise<void> {
  const ms = ctx.faults.latency();
  await ctx.capacity.acquire(scope);
  try {
    await delay(ms, scope);
  } finally {
    ctx.capacity.release();
  }
}

/**
 * Up to `max` rows, then an ERROR message that ends the call: 1403 when the
 * rows are exhausted, 0 when the client should FETCH for more.
 */
function writeRows(s: StatementHost, w: Writer, cursor: Cursor, max: number): void {
  const p = cursor.plan;
  if (p.kind !== 'query') return s.error(w, { num: 0, cursorId: cursor.id });
  const end = Math.min(p.rowCount, cursor.nextRow + max - 1);
  for (; cursor.nextRow <= end; cursor.nextRow++) writeRow(w, p.columns, p.row(cursor.nextRow));
  const done = cursor.nextRow > p.rowCount;
  s.error(w, {
    num: done ? NO_DATA_FOUND : 0,
    message: done ? 'ORA-01403: no data found' : undefined,
    cursorId: cursor.id,
    rowCount: cursor.nextRow - 1,
  });
}
