// Public surface of the Oracle wire-protocol simulator.
export { startSimulator, DEFAULT_USER } from './server/simulator.js';
export type { Simulator, SimulatorOptions, SimUser } from './server/simulator.js';
export type { SimulatorStats } from './server/stats.js';
export type { SimulatorFaults } from './server/faults.js';
export type { LatencySpec } from './server/latency.js';
export { startSimulatorProcess, cliPath } from './cli/launcher.js';
export type { SimulatorProcess, SimulatorProcessOptions } from './cli/launcher.js';
