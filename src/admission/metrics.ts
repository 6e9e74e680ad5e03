import { Counter, Gauge, type Registry } from 'prom-client';

export type ShedReason = 'expected_wait' | 'event_loop_delay' | 'heap';

export interface AdmissionMetrics {
  shed(reason: ShedReason): void;
}

/** Admission control's series: what it shed, and the expected wait it decides on (read at scrape time). */
export function createAdmissionMetrics(registry: Registry, expectedWaitSeconds: () => number): AdmissionMetrics {
  const shed = new Counter({
    name: 'orapool_shed_requests_total',
    help: 'Requests rejected with 503 by admission control before touching the pool, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason from the start, so rate() works on the first shed request.
  for (const reason of ['expected_wait', 'event_loop_delay', 'heap'] satisfies ShedReason[]) shed.inc({ reason }, 0);
  new Gauge({
    name: 'orapool_admission_expected_wait_seconds',
    help: 'Expected wait for a connection now: requests waiting x mean hold time / pool max.',
    registers: [registry],
    collect() {
      this.set(expectedWaitSeconds());
    },
  });
  return { shed: (reason) => shed.inc({ reason }) };
}
