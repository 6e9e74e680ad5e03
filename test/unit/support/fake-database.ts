import type { BorrowContext, Database, DbConnection, PoolFigures, QueryResult } from '../../../src/db/types.js';

export const defaultFigures: PoolFigures = {
  open: 7,
  inUse: 3,
  idle: 4,
  waiting: 0,
  min: 5,
  max: 40,
  increment: 1,
  queueMax: 500,
  queueTimeoutSeconds: 30,
};

/** An error shaped like the driver's: a code property and a message starting with the code. */
export function driverError(code: string, text: string): Error & { code: string } {
  return Object.assign(new Error(`${code}: ${text}`), { code });
}

/**
 * A small Database double. Each borrow runs fn against a connection whose
 * execute() answers from `executeResult` (or fails with `failWith` before fn
 * runs, as a failed acquire does). It counts every call so tests can assert
 * what must not touch the database.
 */
export class FakeDatabase implements Database {
  created = true;
  figuresValue: PoolFigures = { ...defaultFigures };
  /** Stands in for admission's hold-time sensor in tests that wire Admission to this double. */
  meanHold = 0;
  /** When set, withConnection rejects with it (an acquire failure). */
  failWith: unknown = undefined;
  /** What refusal() answers (a circuit breaker's refusal). */
  refusalValue: Error | undefined = undefined;
  /** When set, withConnection waits for it before borrowing. */
  gate: Promise<void> | undefined;
  readonly borrows: Array<BorrowContext | undefined> = [];
  readonly executed: string[] = [];

  get withConnectionCalls(): number {
    return this.borrows.length;
  }

  refusal(): Error | undefined {
    return this.refusalValue;
  }

  figures(): PoolFigures {
    return { ...this.figuresValue };
  }

  async withConnection<T>(fn: (conn: DbConnection) => Promise<T>, context?: BorrowContext): Promise<T> {
    this.borrows.push(context);
    if (this.gate) await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    const conn: DbConnection = {
      execute: async (sql: string): Promise<QueryResult> => {
        this.executed.push(sql);
        return { rows: [[1]] };
      },
    };
    return fn(conn);
  }

  meanHoldSeconds(): number {
    return this.meanHold;
  }

  whenCreated(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {}
}
