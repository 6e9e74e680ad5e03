// One pod's /metrics, read the way Prometheus would: which series exist
// (features a build has: live reload, breaker) and a gauge's value.
import type { Pod } from './pods.js';

export async function scrape(pod: Pod): Promise<string> {
  const response = await fetch(`${pod.service.url}/metrics`, { signal: AbortSignal.timeout(2000) });
  return response.text();
}

/** The first sample of `name` (any labels), or null when the series is absent. */
export function gaugeValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** Whether a pod exports `name` at all (a feature another build adds). */
export async function hasSeries(pod: Pod, name: string): Promise<boolean> {
  try {
    return gaugeValue(await scrape(pod), name) !== null;
  } catch {
    return false;
  }
}
