import type { PoolObserver } from '../../src/db/types.js';

/** A pool observer that records nothing: for tests that drive OraclePool and read the database instead. */
export const silentObserver: PoolObserver = {
  connectionRequested: () => {},
  acquired: () => {},
  acquireFailed: () => {},
  released: () => {},
  slowHold: () => {},
  createFailed: () => {},
};
