#!/usr/bin/env node
// Runs the simulator as its own process (load tests, `npm run dev`): in-process
// it would compete with the client for the event loop. Prints one JSON line
// on stdout once listening, for spawners to parse; everything else goes to
// stderr. Stops cleanly on SIGTERM/SIGINT.
import { startSimulator, type Simulator } from '../server/simulator.js';
import { startControlServer } from './control-server.js';
import { CliError, parseCliOptions, usage } from './options.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stderr.write(`${usage()}\n`);
    return;
  }
  let opts;
  try {
    opts = parseCliOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`${err.problems.map((p) => `error: ${p}`).join('\n')}\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string) => process.stderr.write(`oracle-sim: ${line}\n`);
  const sim = await startSimulator({ ...opts.simulator, log: opts.verbose ? log : undefined });
  const control = await startControlServer(sim, opts.controlPort);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (opts.verbose) log(`${signal}: closing`);
    void Promise.all([control.close(), sim.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Announce only once the handlers are in: a spawner may signal the moment it reads this line.
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: sim.port, controlPort: control.port, connectString: sim.connectString, ...tlsAnnouncement(sim) })}\n`,
  );
}

/** With --tls: where the wallet is and the tnsnames alias (the CA and the password stay out of the line). */
function tlsAnnouncement(sim: Simulator): { tls?: object } {
  if (!sim.tls) return {};
  const { mode, walletDir, alias, serverCertDn } = sim.tls;
  return { tls: { mode, walletDir, configDir: walletDir, alias, serverCertDn } };
}

main().catch((err: unknown) => {
  process.stderr.write(`oracle-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
