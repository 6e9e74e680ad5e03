// Counters the simulator exposes (stats(), GET /stats).
import type { DrcpStats } from './drcp/broker.js';

export interface SimulatorStats {
  sessionsOpen: number;
  sessionsPeak: number;
  logons: number;
  logoffs: number;
  statements: number;
  errorsSent: number;
  connectionsRefused: number;
  logonFailures: number;
  /** the DRCP broker's figures, when it runs (pooledServers set) */
  drcp?: DrcpStats;
}

function emptyStats(): SimulatorStats {
  return {
    sessionsOpen: 0,
    sessionsPeak: 0,
    logons: 0,
    logoffs: 0,
    statements: 0,
    errorsSent: 0,
    connectionsRefused: 0,
    logonFailures: 0,
  };
}

export class Stats {
  private s = emptyStats();

  snapshot(): SimulatorStats {
    return { ...this.s };
  }

  /** Zeroes the counters; sessions still open stay counted (and set the new peak). */
  reset(): void {
    const open = this.s.sessionsOpen;
    this.s = { ...emptyStats(), sessionsOpen: open, sessionsPeak: open };
  }

  sessionOpened(): void {
    this.s.logons++;
    this.s.sessionsOpen++;
    this.s.sessionsPeak = Math.max(this.s.sessionsPeak, this.s.sessionsOpen);
  }

  sessionClosed(): void {
    this.s.sessionsOpen--;
  }

  get sessionsOpen(): number {
    return this.s.sessionsOpen;
  }

  loggedOff(): void { this.s.logoffs++; }
  statement(): void { this.s.statements++; }
  errorSent(): void { this.s.errorsSent++; }
  refused(): void { this.s.connectionsRefused++; }
  logonFailed(): void { this.s.logonFailures++; }
}
