import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay p99 over the last completed window, in milliseconds.
 * A saturated loop answers every request late; shedding new ones is the only
 * way back. The histogram is reset each window so the value tracks now, not
 * the whole uptime.
 */
export function createEventLoopDelaySensor(windowSeconds = 1): { p99Ms: () => number; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let last = 0;
  const timer = setInterval(() => {
    last = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    histogram.reset();
  }, windowSeconds * 1000);
  timer.unref();
  return {
    p99Ms: () => last,
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
