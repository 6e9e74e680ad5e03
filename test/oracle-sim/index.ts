// Public surface of the Oracle wire-protocol simulator.
export { startSimulator, DEFAULT_USER } from './simulator.js';
export type { Simulator, SimulatorOptions, SimUser } from './simulator.js';
export type { SimulatorStats } from './stats.js';
export type { SimulatorFaults } from './faults.js';
export type { LatencySpec } from './latency.js';
