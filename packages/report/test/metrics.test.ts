import { describe, expect, it } from 'vitest';
import { geometricMean, speedup, throughputOf, type BenchResult } from '../src/index.js';

const result = (over: Partial<BenchResult>): BenchResult => ({
  engine: 'armillaria',
  phase: 'batch',
  case: 'write',
  dataset: { name: 'seed-narrow', rows: 100_000, bytes: 1_600_000, sha256: 'x' },
  config: {},
  status: 'ok',
  tries: [],
  stats: { min: 4, median: 5, max: 8, mean: 5.5, samples: 5 },
  ...over,
});

describe('throughputOf', () => {
  it('derives MB/s from Arrow bytes and median time when the bench did not record it', () => {
    expect(throughputOf(result({}))).toEqual({ median: 320, min: 200, max: 400 }); // 1.6 MB in 5 ms (8 ms, 4 ms)
  });

  it('prefers the recorded throughput and scales the spread to it', () => {
    expect(throughputOf(result({ throughputMBps: 100 }))).toEqual({ median: 100, min: 62.5, max: 125 });
  });

  it('has none for timed cases that move no data, nor for failed results', () => {
    expect(throughputOf(result({ case: 'branch' }))).toBeUndefined();
    expect(throughputOf(result({ status: 'rejected' }))).toBeUndefined();
  });
});

describe('speedup', () => {
  it('is the throughput ratio, or the inverse time ratio', () => {
    expect(speedup(result({}), result({ stats: { min: 10, median: 10, max: 10, mean: 10, samples: 1 } }))).toBe(2);
    expect(speedup(result({ case: 'branch' }), result({ case: 'branch', stats: { min: 1, median: 1, max: 1, mean: 1, samples: 1 } }))).toBe(0.2);
    expect(speedup(result({}), result({ status: 'error' }))).toBeUndefined();
  });
});

describe('geometricMean', () => {
  it('is the n-th root of the product', () => {
    expect(geometricMean([2, 8])).toBeCloseTo(4, 12);
    expect(geometricMean([0.5, 2, 1])).toBeCloseTo(1, 12);
    expect(geometricMean([])).toBeUndefined();
  });
});
