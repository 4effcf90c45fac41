import { describe, expect, it } from 'vitest';
import { buildHistory, findRegressions, type HistorySeries, type RunFile } from '../src/index.js';
import { NEW_RUN_ID, OLD_RUN_ID, fixtureRuns, laterRun } from './helpers.js';

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
