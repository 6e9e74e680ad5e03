/**
 * `npm run dev`: the service with zero setup. Without a configured database
 * (no DB_CONNECT_STRING in the environment or .env) it starts our Oracle
 * wire-protocol simulator as its own process and points the service at it,
 * so a newcomer sees a working pool, live metrics and health at once.
 * With NODE_ENV=production the simulator is never started.
 */
import { spawn } from 'node:child_process';
import { startSimulatorProcess } from '@orapool/oracle-sim';
import { environmentWithDotEnv } from '../src/config/dotenv.js';

const say = (line: string) => process.stderr.write(`[dev] ${line}\n`);
const env = environmentWithDotEnv(process.env);
// No load balancer in front of a dev run: no point waiting before draining.
const serviceEnv: Record<string, string | undefined> = { NODE_ENV: 'development', SHUTDOWN_DELAY_SECONDS: '0', ...process.env };
let stopSimulator = async () => {};

if (!env.DB_CONNECT_STRING && !env.DB_CONNECT_STRING_FILE) {
  if (env.NODE_ENV === 'production') {
    say('NODE_ENV=production and no DB_CONNECT_STRING: refusing to start the simulator. Configure a database (see .env.example).');
    process.exit(78);
  }
  const sim = await startSimulatorProcess(['--latency-ms', process.env.SIM_LATENCY_MS ?? '2']);
  stopSimulator = sim.stop;
  say('No database configured (DB_CONNECT_STRING unset): using the embedded Oracle wire-protocol SIMULATOR,');
  say(`not a real Oracle Database, at ${sim.connectString} (control API: http://127.0.0.1:${sim.controlPort}/stats).`);
  say('To use a real database, set DB_USER, DB_PASSWORD and DB_CONNECT_STRING in .env (see .env.example).');
  Object.assign(serviceEnv, { DB_USER: 'orapool', DB_PASSWORD: 'orapool-sim', DB_CONNECT_STRING: sim.connectString });
}

// Its own process group: Ctrl-C reaches only this script, which forwards one
// signal (the service treats a second signal as "exit now").
const service = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: 'inherit', env: serviceEnv, detached: true });
say(`service starting on http://localhost:${env.PORT ?? 5001} (try /api/health, /readyz, /metrics)`);

// Every signal the user sends is passed on (a second Ctrl-C means "exit
// now"), but being orphaned is not a signal of its own: a terminal or process
// manager signals the whole group, npm's `sh -c` dies of it, and a second
// SIGTERM from the orphan watcher would cut the graceful shutdown short.
let forwarded = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The service gets the signal and shuts down gracefully; stop the simulator after it.
    forwarded = true;
    service.kill(signal);
  });
}
// `kill <pid of npm run dev>`: npm's `sh -c` dies without passing the signal
// on, which would leave the service and the simulator running with nobody to
// stop them. Being orphaned (our parent gone) means the same as SIGTERM.
const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanWatch);
  if (forwarded) return;
  forwarded = true;
  say('npm run dev was stopped: shutting the service down');
  service.kill('SIGTERM');
}, 500);
orphanWatch.unref();

service.on('exit', (code) => {
  void stopSimulator().then(() => process.exit(code ?? 0));
});
