// vitest globalSetup: build the workspace packages (the Oracle simulator) the
// tests import and spawn, so a test never runs a dist/ older than its source.
// `tsc -b` only compiles what changed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', `${root}packages/oracle-sim`], { stdio: 'inherit' });
}
