import { describe, expect, it } from 'vitest';
import { aggregate, evaluateGoals } from '../src/index.js';
import { fixtureRuns } from './helpers.js';

describe('evaluateGoals', () => {
  it('checks the goals the fixtures can answer and marks the rest not measured', () => {
    const goals = evaluateGoals(aggregate(fixtureRuns()));
    expect(goals.map((g) => [g.goal, g.status, g.measured])).toEqual([
      ['write, seed-wide 1M rows, best phase vs Delta Lake', 'missed', '1.05× (batch, seed-wide 1M)'],
      ['read, seed-wide 1M rows, best phase vs Delta Lake', 'missed', '1.82× (mmap, seed-wide 1M)'],
      ['write, seed-narrow 1M rows, native phases', 'not-measured', undefined],
      ['read, seed-narrow 1M rows, best phase', 'not-measured', undefined],
      ['write, seed-narrow, pure TS sequential phase', 'missed', '200 MB/s (sequential, seed-narrow 500K)'],
      ['read, seed-narrow, pure TS sequential phase', 'missed', '400 MB/s (sequential, seed-narrow 500K)'],
      ['branch creation, 1 or 1,000 tables', 'met', '400 µs, 212 B (worst of 2)'],
      ['re-import from a file, 3% inserted mid-table: new bytes vs one version', 'not-measured', undefined],
      ['re-import from a file, every 25th row deleted: new bytes vs one version', 'not-measured', undefined],
      ['re-import from a file, 5% of one column changed: new bytes vs one version', 'not-measured', undefined],
      ['upsert of 5% of the rows by key: new bytes vs one version', 'not-measured', undefined],
      ['memory, writing 10M rows', 'not-measured', undefined],
    ]);
  });

  it('judges the storage targets by the worst Armillaria measurement', () => {
    const runs = fixtureRuns();
    const last = runs.at(-1)!;
    const read = last.results.find((r) => r.engine === 'armillaria' && r.case === 'read' && r.status === 'ok')!;
    const as = (phase: string, c: string, extra: Record<string, number>) => ({ ...structuredClone(read), phase, case: c, extra });
    last.results.push(
      as('pushdown', 'upsert', { upsertNewFraction: 0.057 }),
      as('batch', 'upsert', { upsertNewFraction: 0.12 }),
      as('pushdown', 'reimport', { insertNewFraction: 0.04, deleteNewFraction: 0.05, updateNewFraction: 0.02 }),
    );
    const goals = evaluateGoals(aggregate(runs)).filter((g) => /new bytes/.test(g.goal));
    expect(goals.map((g) => [g.status, g.measured?.split(' (')[0]])).toEqual([
      ['met', '4.0%'],
      ['met', '5.0%'],
      ['met', '2.0%'],
      ['missed', '12.0%'],
    ]);
  });

  it('holds the 10M-row write to the goal on every dataset, each by its best phase', () => {
    const runs = fixtureRuns();
    const last = runs.at(-1)!;
    const write = last.results.find((r) => r.engine === 'armillaria' && r.case === 'write' && r.status === 'ok')!;
    const MiB = 2 ** 20;
    const at = (phase: string, name: string, input: number, peak: number) => ({
      ...structuredClone(write),
      phase,
      dataset: { ...write.dataset, name, rows: 10_000_000, bytes: input * MiB },
      rssPeakBytes: peak * MiB,
    });
    last.results.push(at('pushdown', 'seed-narrow', 153, 274), at('batch', 'seed-narrow', 153, 400), at('pushdown', 'seed-wide', 428, 1062), at('batch', 'seed-wide', 428, 990));
    const memory = () => evaluateGoals(aggregate(runs)).find((g) => g.goal === 'memory, writing 10M rows')!;
    expect([memory().status, memory().measured]).toEqual(['missed', '2.31× (batch, seed-wide 10M)']); // narrow's best, 1.79×, would pass
    last.results.push(at('native-parquet', 'seed-wide', 428, 700));
    expect([memory().status, memory().measured]).toEqual(['met', '1.79× (pushdown, seed-narrow 10M)']);
  });
});
