// Public surface of the Oracle wire-protocol simulator.
export { startSimulator, DEFAULT_USER } from './server/simulator.js';
export type { Simulator, SimulatorOptions, SimUser } from './server/simulator.js';
export type { SimulatorStats } from './server/stats.js';
export type { SimulatorFaults, KillSelector, FirewallSelector } from './server/faults.js';
export type { ProfileLimits } from './server/profiles.js';
export type { SessionView, Purity } from './server/sessions-view.js';
export type { Privilege } from './server/session-context.js';
export type { LatencySpec } from './server/latency.js';
export { startSimulatorProcess, cliPath } from './cli/launcher.js';
export type { SimulatorProcess, SimulatorProcessOptions, AnnouncedTls } from './cli/launcher.js';
export type { TlsInfo, TlsMode, TlsOptions } from './server/tls.js';
export { generatePki, writeWallet, writeTnsnames, tnsEntry } from './server/wallet.js';
export type { Pki, Wallet, WalletOptions, TnsEntry } from './server/wallet.js';
export type { DrcpStats, ClassStats } from './server/drcp/broker.js';
