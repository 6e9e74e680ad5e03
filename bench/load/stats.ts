/** Exact percentiles over recorded samples (nearest rank), in the samples' unit. */
export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const emptyPercentiles: Percentiles = { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };

export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { ...emptyPercentiles };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  const round = (v: number) => Number(v.toFixed(2));
  return {
    count: sorted.length,
    mean: round(sum / sorted.length),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1]!),
  };
}
