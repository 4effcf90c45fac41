/** Figures derived from one result: throughput, its spread, speed-up ratios, and the geometric mean. */
import type { BenchResult } from './schema.js';
import { THROUGHPUT_CASES } from './result-key.js';

/** Median throughput with the spread of the tries, in MB/s (10^6 bytes per second). */
export interface Throughput {
  median: number;
  /** From the slowest try. */
  min: number;
  /** From the fastest try. */
  max: number;
}

/**
 * Throughput of an `ok` result: `throughputMBps` as the bench recorded it, or, for the throughput cases,
 * dataset bytes / median time. The spread is scaled from the time spread, so it agrees with the median.
 *
 * @returns `undefined` for non-ok results and for cases that are timed but move no data (branch, ...)
 */
export function throughputOf(r: BenchResult): Throughput | undefined {
  if (r.status !== 'ok' || !r.stats || r.stats.median <= 0) return undefined;
  const { min, median, max } = r.stats;
  const isThroughputCase = (THROUGHPUT_CASES as readonly string[]).includes(r.case);
  const mbps = r.throughputMBps ?? (isThroughputCase ? r.dataset.bytes / median / 1000 : undefined);
  if (mbps === undefined) return undefined;
  return { median: mbps, min: (mbps * median) / max, max: (mbps * median) / min };
}

/**
 * How many times faster `r` is than `baseline` (> 1 = faster): the throughput ratio when both have a
 * throughput, otherwise the inverse ratio of median times. Only `ok` results are comparable.
 */
export function speedup(r: BenchResult, baseline: BenchResult): number | undefined {
  if (r.status !== 'ok' || baseline.status !== 'ok' || !r.stats || !baseline.stats) return undefined;
  const a = throughputOf(r);
  const b = throughputOf(baseline);
  if (a && b) return a.median / b.median;
  return r.stats.median > 0 ? baseline.stats.median / r.stats.median : undefined;
}

/**
 * Geometric mean, the ClickBench way of combining per-case ratios so that no single case dominates.
 *
 * @returns `undefined` for an empty list
 */
export function geometricMean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}
