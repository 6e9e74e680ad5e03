// CLI options: flags, SIM_* environment, precedence, all errors at once.
import { describe, expect, it } from 'vitest';
import { CliError, parseCliOptions } from '../src/cli/options.js';

describe('cli options', () => {
  it('defaults to port 1521, an ephemeral control port and the default user', () => {
    const o = parseCliOptions([], {});
    expect(o.controlPort).toBe(0);
    expect(o.simulator).toMatchObject({ host: '127.0.0.1', port: 1521, serviceName: 'FREEPDB1', statementLatency: 0 });
    expect(o.simulator.users).toEqual([{ user: 'orapool', password: 'orapool-sim', verifier: '12c' }]);
  });

  it('reads SIM_* variables and lets flags win', () => {
    const o = parseCliOptions(['--latency-ms=20', '--capacity', '4'], {
      SIM_LATENCY_MS: '99',
      SIM_LATENCY_P99_MS: '60',
      SIM_MAX_SESSIONS: '10',
      SIM_SESSION_LIMIT_ERROR: 'ORA-12519',
    });
    expect(o.simulator).toMatchObject({
      statementLatency: { meanMs: 20, p99Ms: 60 },
      capacity: 4,
      maxSessions: 10,
      sessionLimitError: 'ORA-12519',
    });
  });

  it('reports every problem at once', () => {
    let err: unknown;
    try {
      parseCliOptions(['--port', '-1', '--verifier', '10g', '--nope'], { SIM_CAPACITY: 'lots' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).problems).toHaveLength(4);
  });

  it('reads --tls as mutual TLS, --tls=one-way as one-way, with the wallet options, and --pooled-servers', () => {
    expect(parseCliOptions(['--tls', '--wallet-dir', '/tmp/w', '--wallet-password', 'pw'], {}).simulator.tls).toEqual({
      mode: 'mutual', walletDir: '/tmp/w', walletPassword: 'pw',
    });
    expect(parseCliOptions(['--tls=one-way'], {}).simulator.tls).toEqual({ mode: 'one-way', walletDir: undefined, walletPassword: undefined });
    expect(parseCliOptions([], { SIM_TLS: '1', SIM_POOLED_SERVERS: '3' }).simulator).toMatchObject({ tls: { mode: 'mutual' }, pooledServers: 3 });
    expect(parseCliOptions([], {}).simulator.tls).toBeUndefined();
  });

  it('reads the process limit and the profile limits', () => {
    const o = parseCliOptions(['--max-processes', '50', '--sessions-per-user=3', '--idle-time-ms', '1000'], { SIM_CONNECT_TIME_MS: '5000' });
    expect(o.simulator).toMatchObject({
      maxProcesses: 50,
      profile: { sessionsPerUser: 3, idleTimeMs: 1000, connectTimeMs: 5000 },
    });
  });
});
