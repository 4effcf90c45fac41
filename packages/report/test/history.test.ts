import { describe, expect, it } from 'vitest';
import {
  buildHistory,
  buildRatioHistory,
  findRatioSteps,
  findRegressions,
  type HistorySeries,
  type RatioSeries,
  type RunFile,
} from '../src/index.js';
import { NEW_RUN_ID, OLD_RUN_ID, find, fixtureRuns, laterRun } from './helpers.js';

describe('buildHistory', () => {
  it('gives every key its points oldest first', () => {
    const series = buildHistory(fixtureRuns());
    const batchWrite = series.find((s) => s.id === 'armillaria|batch|write|seed-narrow|500000|zstd|')!;
    expect(batchWrite.points.map((p) => [p.run.runId, p.throughputMBps, p.medianMs])).toEqual([
      [OLD_RUN_ID, 500, 16],
      [NEW_RUN_ID, 400, 20],
    ]);
    const mmap = series.find((s) => s.id === 'armillaria|mmap|read|seed-narrow|100000|zstd|')!;
    expect(mmap.points).toHaveLength(1);
  });

  it('keeps the status of non-ok points, without figures', () => {
    const series = buildHistory(fixtureRuns());
    const ni = series.find((s) => s.id === 'armillaria|native-parquet|write|seed-narrow|100000|zstd|')!;
    expect(ni.points).toEqual([{ run: expect.objectContaining({ runId: NEW_RUN_ID }), status: 'not-implemented' }]);
  });
});

describe('findRegressions', () => {
  const series = (points: [string, number | undefined, HistorySeries['points'][number]['status']?][]): HistorySeries => ({
    id: 'k',
    key: { engine: 'armillaria', phase: 'batch', case: 'branch', dataset: 'seed-narrow', rows: 1, codec: '', variant: '' },
    points: points.map(([runId, medianMs, status]) => ({
      run: { runId, date: runId, gitSha: 'abc' },
      status: status ?? 'ok',
      ...(medianMs === undefined ? {} : { medianMs }),
    })),
  });

  it('compares timed cases by median time when they have no throughput', () => {
    const flagged = findRegressions([series([['a', 0.4], ['b', 0.5]])], 0.1, 'b');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!.change).toBeCloseTo(0.4 / 0.5 - 1, 12); // 20% slower
    expect(flagged[0]!.inLatestRun).toBe(true);
  });

  it('compares with the previous ok point, skipping failed runs', () => {
    const flagged = findRegressions([series([['a', 1], ['b', undefined, 'error'], ['c', 1.5]])], 0.1, 'c');
    expect(flagged.map((r) => [r.kind, r.from.run.runId, r.to.run.runId])).toEqual([
      ['broken', 'a', 'b'],
      ['slower', 'a', 'c'],
    ]);
  });

  it('does not flag improvements or noise within the tolerance', () => {
    expect(findRegressions([series([['a', 1], ['b', 0.5], ['c', 0.54]])], 0.1, 'c')).toEqual([]);
  });

  it('marks regressions of earlier runs as not in the latest run', () => {
    const runs = fixtureRuns();
    const third: RunFile = laterRun(runs[1]!, 'r3', '2025-11-28T09:00:00Z');
    const flagged = findRegressions(buildHistory([...runs, third]), 0.1, 'r3');
    expect(flagged.map((r) => r.inLatestRun)).toEqual([false]);
  });
});

describe('buildRatioHistory', () => {
  it("pairs each phase with Delta Lake's result of the same run, oldest first", () => {
    const series = buildRatioHistory(fixtureRuns());
    const batchWrite = series.find((s) => s.id === 'armillaria|batch|write|seed-narrow|500000|zstd|')!;
    // 500 then 400 MB/s against Delta Lake's 160 MB/s in both runs.
    expect(batchWrite.points.map((p) => [p.run.runId, p.value])).toEqual([
      [OLD_RUN_ID, 500 / 160],
      [NEW_RUN_ID, 400 / 160],
    ]);
    expect(series.some((s) => s.key.engine === 'delta')).toBe(false);
  });

  it('leaves out runs where either side is not ok, and never pairs across runs', () => {
    const [old, latest] = fixtureRuns() as [RunFile, RunFile];
    latest.results = latest.results.filter((r) => !(r.engine === 'delta' && r.case === 'write' && r.dataset.rows === 500_000));
    const series = buildRatioHistory([old, latest]);
    expect(series.find((s) => s.id === 'armillaria|batch|write|seed-narrow|500000|zstd|')!.points.map((p) => p.run.runId)).toEqual([OLD_RUN_ID]);
    // parallel-parse read seed-narrow 500K was rejected in the latest run, its only run.
    expect(series.find((s) => s.id === 'armillaria|parallel-parse|read|seed-narrow|500000|zstd|')).toBeUndefined();
  });
});

describe('findRatioSteps', () => {
  const series = (values: number[]): RatioSeries => ({
    id: 'k',
    key: { engine: 'armillaria', phase: 'batch', case: 'write', dataset: 'seed-narrow', rows: 1, codec: '', variant: '' },
    points: values.map((value, i) => ({ run: { runId: `r${i}`, date: `2025-11-2${i}`, gitSha: `sha${i}` }, value })),
  });

  it('flags a ratio that fell beyond the tolerance from the previous run, by the rule regressions use', () => {
    const steps = findRatioSteps([series([2.5, 2.5, 1.5])], 0.1, 'r2');
    expect(steps.map((s) => [s.from.run.runId, s.to.run.runId, s.inLatestRun])).toEqual([['r1', 'r2', true]]);
    expect(steps[0]!.change).toBeCloseTo(-0.4, 12);
    expect(findRatioSteps([series([2.5, 2.5, 1.5])], 0.5, 'r2')).toEqual([]);
  });

  it('does not flag a ratio that rose or moved within the tolerance', () => {
    expect(findRatioSteps([series([1, 2, 1.85, 1.9])], 0.1, 'r3')).toEqual([]);
  });

  it('agrees with the regression of the fixture, whose Delta Lake side did not move', () => {
    const runs = fixtureRuns();
    expect(find(runs[0]!, 'delta', 'write', 'seed-narrow', 500_000).stats?.median).toBe(find(runs[1]!, 'delta', 'write', 'seed-narrow', 500_000).stats?.median);
    const steps = findRatioSteps(buildRatioHistory(runs), 0.1, NEW_RUN_ID);
    expect(steps.map((s) => [s.id, s.change])).toEqual([['armillaria|batch|write|seed-narrow|500000|zstd|', expect.closeTo(-0.2, 12)]]);
  });
});
