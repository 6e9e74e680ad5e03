// Shared by the conformance tests: credentials for the simulator and small
// helpers around the real driver.
import oracledb from 'oracledb';
import { expect } from 'vitest';
import { DEFAULT_USER, type Simulator } from '../src/index.js';

export function credentials(sim: Simulator, user = DEFAULT_USER.user, password = DEFAULT_USER.password) {
  return { user, password, connectString: sim.connectString };
}

/** Opens a standalone connection, runs `fn`, always closes it. */
export async function withConnection<T>(
  attrs: oracledb.ConnectionAttributes,
  fn: (conn: oracledb.Connection) => Promise<T>,
): Promise<T> {
  const conn = await oracledb.getConnection(attrs);
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

/** Asserts that `p` rejects with the driver error `code` (e.g. 'ORA-01017', 'NJS-123') and returns the error. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<Error & { code?: string; errorNum?: number }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error & { code?: string; errorNum?: number },
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect(err!.code).toBe(code);
  return err!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}
