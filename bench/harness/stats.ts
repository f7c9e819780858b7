import type { Better, Summary } from './types.js';

/** Nearest-rank percentile of sorted values (`q` in 0..1). */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Median and tail. The tail is the bad end: slow for latency (`lower` is
 * better), so p95 is the 95th percentile; for throughput (`higher` is better)
 * p95 is the value 95% of samples beat, i.e. the 5th percentile.
 */
export function summarize(values: readonly number[], better: Better): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const tail = (q: number) => percentile(sorted, better === 'lower' ? q : 1 - q);
  return { n: sorted.length, median: percentile(sorted, 0.5), p95: tail(0.95), p99: tail(0.99) };
}

export type Side = 'trellis' | 'limit';

export interface InterleaveOptions {
  readonly samples: number;
  /** Unrecorded rounds first, so both sides are compiled and caches warm. */
  readonly warmup: number;
  readonly sample: (side: Side) => Promise<number>;
}

/** Runs the subject and its limit alternately (A B A B …) so machine noise hits both alike. */
export async function interleave(options: InterleaveOptions): Promise<Record<Side, number[]>> {
  const out: Record<Side, number[]> = { trellis: [], limit: [] };
  for (let round = -options.warmup; round < options.samples; round++) {
    for (const side of ['trellis', 'limit'] as const) {
      const value = await options.sample(side);
      if (round >= 0) out[side].push(value);
    }
  }
  return out;
}
