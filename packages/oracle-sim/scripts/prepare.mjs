// `build` and `prepare`: npm runs prepare on every install of the workspace, so the root `npm ci`
// leaves a built package. A production install (`npm ci --omit=dev`) has no
// TypeScript, and nothing there needs the simulator (a dev dependency): skip
// the build instead of failing the install.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('@orapool/oracle-sim: TypeScript is not installed (production install), not building.\n');
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-b'], { stdio: 'inherit' });
// tsc writes its output 0644, and the `oracle-sim` bin (npm run sim) must stay executable.
if (result.status === 0) chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
process.exit(result.status ?? 1);
