/**
 * The one database round-trip orapool makes on its own behalf: pool creation
 * proves a session with it, the background probe and /api/health measure it,
 * the preflight times it.
 */
export const ROUND_TRIP_SQL = 'SELECT 1 FROM DUAL';

/** Anything that can run a statement: a borrowed DbConnection or a raw oracledb connection. */
export interface Executes {
  execute(sql: string): Promise<unknown>;
}

/** Run the round-trip; resolves to the seconds it took. A handler, not an async function: it is every request's. */
export function roundTrip(conn: Executes): Promise<number> {
  const start = performance.now();
  try {
    return conn.execute(ROUND_TRIP_SQL).then(() => (performance.now() - start) / 1000);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The round-trip on a raw oracledb connection, bounded by its call timeout first (a frozen database must not hang it). */
export function boundedRoundTrip(conn: Executes & { callTimeout?: number }, callTimeoutMs: number): Promise<number> {
  conn.callTimeout = callTimeoutMs;
  return roundTrip(conn);
}
