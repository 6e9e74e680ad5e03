import { afterEach } from 'vitest';
import type { DatabaseTarget } from './database-target.js';
import type { ServiceProcess } from './processes.js';

/** What a test started: a database target and the service in front of it. */
export interface Stack {
  db?: DatabaseTarget;
  service?: ServiceProcess;
}

/**
 * One database target and one service per test, both stopped after it
 * (SIGKILL: the test already has its answers), so a failing test never
 * leaves a process behind for the next one. Call inside a describe block.
 */
export function stackPerTest(): Stack {
  const stack: Stack = {};
  afterEach(async () => {
    await stack.service?.stop('SIGKILL');
    await stack.db?.close();
    stack.service = undefined;
    stack.db = undefined;
  });
  return stack;
}
