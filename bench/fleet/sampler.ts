// What the database sees, from the simulator's control API: the open-session
// count sampled over time (for the chart), and each phase's exact peak from
// the simulator's own high-water mark (POST /stats/reset at the phase's
// start, GET /stats at its end), which no sampling interval can miss.
import type { SimulatorProcess } from '@orapool/oracle-sim';

interface SimStats {
  sessionsOpen: number;
  sessionsPeak: number;
  logonFailures: number;
  connectionsRefused: number;
  drcp?: { pooledServers: number; busy: number; busyPeak: number };
}

export interface SessionSample {
  /** Seconds since the run started. */
  second: number;
  sessions: number;
  /** DRCP: pooled servers busy (the database-side sessions in use). */
  pooledBusy?: number;
}

export interface PhaseSessions {
  /** Peak database sessions: dedicated, the simulator's session high-water mark; DRCP, the pooled servers' busy peak. */
  peak: number;
  /** Client connections the simulator held at their peak (DRCP: connections to the broker, not sessions). */
  connectionsPeak: number;
  /** Logons the simulator refused in the phase (ORA-00018 at the session limit, among others). */
  logonsRefused: number;
  pooledServers?: number;
}

export class SessionSampler {
  readonly samples: SessionSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sim: SimulatorProcess;

  constructor(sim: SimulatorProcess, private readonly t0: number, private readonly intervalMs: number) {
    this.sim = sim;
  }

  /** Point at another simulator (the DRCP phase restarts it). */
  use(sim: SimulatorProcess): void {
    this.sim = sim;
  }

  start(): void {
    const tick = async () => {
      try {
        const s = (await this.sim.control('/stats', 'GET')) as SimStats;
        this.samples.push({ second: Number(((Date.now() - this.t0) / 1000).toFixed(2)), sessions: s.sessionsOpen, ...(s.drcp ? { pooledBusy: s.drcp.busy } : {}) });
      } catch {
        // the simulator is being replaced; the next tick reads the new one
      }
      this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Start a phase: the simulator's counters from zero, its peak from what is open now. */
  async beginPhase(): Promise<void> {
    await this.sim.control('/stats/reset');
  }

  /** `pooled`: the pods asked for pooled servers, so the database's sessions are the broker's, not the connections. */
  async endPhase(pooled: boolean): Promise<PhaseSessions> {
    const s = (await this.sim.control('/stats', 'GET')) as SimStats;
    if (s.drcp && pooled) {
      return { peak: s.drcp.busyPeak, connectionsPeak: s.sessionsPeak, logonsRefused: s.logonFailures + s.connectionsRefused, pooledServers: s.drcp.pooledServers };
    }
    return { peak: s.sessionsPeak, connectionsPeak: s.sessionsPeak, logonsRefused: s.logonFailures + s.connectionsRefused };
  }
}
