import { describe, expect, it } from 'vitest';
import type { BenchResult, RunFile } from '@armillaria/report';
import { checkAgainstBaseline, deriveNoise, makeBaseline, makeBaselineFromRuns, ratiosOf, type Baseline } from '../src/regression.js';

function result(phase: string, c: string, median: number, status: BenchResult['status'] = 'ok'): BenchResult {
  return {
    engine: phase === 'delta' ? 'delta' : 'armillaria',
    phase,
    case: c,
    dataset: { name: 'seed-narrow', rows: 100_000, bytes: 1_600_000, sha256: 'x' },
    config: { codec: 'snappy' },
    status,
    tries: status === 'ok' ? [{ ms: median }] : [],
    ...(status === 'ok' ? { stats: { min: median, median, max: median, mean: median, samples: 1 } } : {}),
    ...(status === 'error' ? { error: 'boom' } : {}),
  };
}
const run = (results: BenchResult[]): Pick<RunFile, 'results'> => ({ results });
const K = 'write|seed-narrow|100000|snappy|';

describe('ratiosOf', () => {
  it('computes phase/delta and phase/sequential speed-ups from the best tries', () => {
    const r = ratiosOf(run([result('sequential', 'write', 20), result('batch', 'write', 10), result('delta', 'write', 15)]));
    expect(r.ratios).toEqual({
      [`${K}|sequential/delta`]: 0.75,
      [`${K}|batch/delta`]: 1.5,
      [`${K}|batch/sequential`]: 2,
    });
  });

  it('uses the best try, not the median', () => {
    const slow = { ...result('sequential', 'write', 20), stats: { min: 10, median: 20, max: 90, mean: 40, samples: 3 } };
    expect(ratiosOf(run([slow, result('delta', 'write', 15)])).ratios).toEqual({ [`${K}|sequential/delta`]: 1.5 });
  });

  it('skips not-implemented phases and ungated cases, and records failed pairs', () => {
    const r = ratiosOf(run([
      result('sequential', 'write', 20, 'error'),
      result('batch', 'write', 0, 'not-implemented'),
      result('delta', 'write', 15),
      result('sequential', 'branch', 0.1),
      result('delta', 'branch', 2),
    ]));
    expect(r.ratios).toEqual({});
    expect(r.failed).toEqual({ [`${K}|sequential/delta`]: 'sequential error: boom' });
  });
});

describe('checkAgainstBaseline', () => {
  const baseline: Baseline = {
    baselineVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    runId: 'r0',
    machine: 'm',
    quick: true,
    tolerance: 0.1,
    geomeanTolerance: 0.5,
    keyTolerance: { [`${K}|batch/sequential`]: 0.3 },
    ratios: { [`${K}|sequential/delta`]: 1, [`${K}|batch/delta`]: 2, [`${K}|batch/sequential`]: 2, [`${K.replace('write', 'read')}|sequential/delta`]: 1 },
  };

  it('passes within tolerance and reports the baseline keys it did not measure', () => {
    // sequential/delta 15/16 = 0.9375 (-6.25%, inside 10%); batch/delta 15/8 = 1.875 (-6.25%); batch/seq 2
    const out = checkAgainstBaseline(baseline, run([result('sequential', 'write', 16), result('batch', 'write', 8), result('delta', 'write', 15)]));
    expect(out.ok).toBe(true);
    expect(out.checked).toBe(3);
    expect(out.regressions).toEqual([]);
    expect(out.missing).toEqual([`${K.replace('write', 'read')}|sequential/delta`]);
  });

  it('flags a ratio below baseline x (1 - tolerance), naming the case and the change', () => {
    // sequential/delta = 15/20 = 0.75: -25% against a 10% tolerance
    const out = checkAgainstBaseline(baseline, run([result('sequential', 'write', 20), result('batch', 'write', 10), result('delta', 'write', 15)]));
    expect(out.ok).toBe(false);
    expect(out.regressions.map((f) => f.message)).toEqual([
      `REGRESSION ${K}|batch/delta: ratio 2.000 -> 1.500 (-25.0%, tolerance 10%)`,
      `REGRESSION ${K}|sequential/delta: ratio 1.000 -> 0.750 (-25.0%, tolerance 10%)`,
    ]);
    // batch/sequential 20/10 = 2: unchanged, and its own tolerance is 30%
    expect(out.regressions.find((f) => f.key.endsWith('batch/sequential'))).toBeUndefined();
  });

  it('uses the per-key tolerance where the baseline has one', () => {
    // batch/sequential = 20/13.5 = 1.48: -26% is inside that key's 30%
    const inside = checkAgainstBaseline(baseline, run([result('sequential', 'write', 20), result('batch', 'write', 13.5), result('delta', 'write', 20)]));
    expect(inside.regressions.map((f) => f.key)).toEqual([`${K}|batch/delta`]);
    // = 20/15 = 1.333: -33% is not
    const outside = checkAgainstBaseline(baseline, run([result('sequential', 'write', 20), result('batch', 'write', 15), result('delta', 'write', 20)]));
    expect(outside.regressions.map((f) => f.key)).toEqual([`${K}|batch/delta`, `${K}|batch/sequential`]);
  });

  it('fails when a side that had a ratio now errors, and notes improvements', () => {
    const out = checkAgainstBaseline(baseline, run([result('sequential', 'write', 10), result('batch', 'write', 1, 'error'), result('delta', 'write', 15)]));
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => f.message)).toEqual([
      `FAILED ${K}|batch/delta: batch error: boom (baseline ratio 2.000)`,
      `FAILED ${K}|batch/sequential: batch error: boom (baseline ratio 2.000)`,
    ]);
    expect(out.improvements.map((f) => f.message)).toEqual([`improved ${K}|sequential/delta: ratio 1.000 -> 1.500 (+50.0%)`]);
  });

  it('gates the geometric mean per pair over the keys measured in both runs', () => {
    const b: Baseline = { ...baseline, tolerance: 0.5, keyTolerance: {}, geomeanTolerance: 0.1, ratios: {
      [`${K}|sequential/delta`]: 1,
      [`${K.replace('write', 'read')}|sequential/delta`]: 1,
      [`${K.replace('write', 'append')}|sequential/delta`]: 4, // not measured now: left out of both geomeans
    } };
    const rd = (phase: string, median: number) => ({ ...result(phase, 'read', median) });
    // write 10/12 = 0.833 and read 10/11.5 = 0.870: each inside 50%, geomean 0.851 is -14.9% against 10%
    const out = checkAgainstBaseline(b, run([result('sequential', 'write', 12), result('delta', 'write', 10), rd('sequential', 11.5), rd('delta', 10)]));
    expect(out.regressions.map((f) => f.message)).toEqual([
      'REGRESSION geomean sequential/delta over 2 case(s): ratio 1.000 -> 0.851 (-14.9%, tolerance 10%)',
    ]);
    // one key slower, one faster: the geomean holds
    const mixed = checkAgainstBaseline(b, run([result('sequential', 'write', 12), result('delta', 'write', 10), rd('sequential', 8), rd('delta', 10)]));
    expect(mixed.ok).toBe(true);
  });

  it('makeBaseline records this run\'s ratios and the tolerance', () => {
    const r: RunFile = {
      schemaVersion: 1, runId: 'r1', date: '2026-01-01T00:00:00.000Z', quick: true,
      machine: { name: 'm', cpu: 'c', cores: 2, ramBytes: 1, os: 'linux' }, versions: { armillaria: 'x', node: '20' },
      results: [result('sequential', 'write', 20), result('delta', 'write', 10)],
    };
    const b = makeBaseline(r, { tolerance: 0.12 });
    expect(b.ratios).toEqual({ [`${K}|sequential/delta`]: 0.5 });
    expect(b.tolerance).toBe(0.12);
    expect(checkAgainstBaseline(b, r).ok).toBe(true);
  });
});

describe('deriveNoise', () => {
  it('derives a tolerance of 1.5 x the pooled p95 deviation from the median, with wider per-key ones', () => {
    // write: seq/delta ratios 1.0, 1.1, 0.9 (median 1.0: deviations 0, 0.1, 0.1)
    const runs = [10, 11, 9].map((d) => run([result('sequential', 'write', 10), result('delta', 'write', d)]));
    const n = deriveNoise(runs);
    expect(n.runs).toBe(3);
    expect(n.perKey[`${K}|sequential/delta`]).toBeCloseTo(0.1, 10);
    expect(n.pooledP95).toBeCloseTo(0.1, 10);
    expect(n.tolerance).toBe(0.15);
    expect(n.keyTolerance).toEqual({});
    expect(n.perPair['sequential/delta']).toBeCloseTo(0.1, 10);
    expect(n.geomeanTolerance).toBe(0.15);
  });

  it('never goes below 5% and needs two runs', () => {
    const same = [1, 2].map(() => run([result('sequential', 'write', 10), result('delta', 'write', 10)]));
    expect(deriveNoise(same).tolerance).toBe(0.05);
    expect(() => deriveNoise([same[0]!])).toThrow('noise: need at least 2 runs');
  });
});

describe('makeBaselineFromRuns', () => {
  it('takes the per-key median ratio over the runs and the derived tolerance', () => {
    const runs = [10, 12, 9].map((d, i): RunFile => ({
      schemaVersion: 1, runId: `r${i}`, date: '2026-01-01T00:00:00.000Z', quick: true,
      machine: { name: 'm', cpu: 'c', cores: 2, ramBytes: 1, os: 'linux' }, versions: { armillaria: 'x', node: '20' },
      results: [result('sequential', 'write', 10), result('delta', 'write', d)],
    }));
    const b = makeBaselineFromRuns(runs);
    expect(b.ratios).toEqual({ [`${K}|sequential/delta`]: 1 });
    // deviations from the median 1.0: 0, 0.2, 0.1 -> p95 0.2 -> 1.5 x = 30%
    expect(b.tolerance).toBe(0.3);
    expect(b.runId).toBe('r0,r1,r2');
  });
});
