import { describe, expect, it } from 'vitest';
import { aggregate, keyId, type Aggregate, type Measurement, type RunFile } from '../src/index.js';
import { NEW_RUN_ID, OLD_RUN_ID, find, fixtureRuns, laterRun } from './helpers.js';

function measurement(agg: Aggregate, phase: string, c: string, dataset: string, rows: number): Measurement {
  const engine = phase === 'delta' ? 'delta' : 'armillaria';
  const id = keyId({ engine, phase, case: c, dataset, rows, codec: 'zstd', variant: '' });
  const m = agg.measurements.find((x) => x.id === id);
  if (!m) throw new Error(`no measurement ${id}`);
  return m;
}

describe('aggregate: latest result per key', () => {
  const agg = aggregate(fixtureRuns());

  it('reports the scope of the latest run', () => {
    expect(agg.scope).toEqual({ machine: 'ref-2core', quick: false });
    expect(agg.runs.map((r) => r.runId)).toEqual([OLD_RUN_ID, NEW_RUN_ID]);
    expect(agg.latestRun?.runId).toBe(NEW_RUN_ID);
    expect(agg.otherScopes).toEqual([]);
  });

  it('keeps one measurement per key, taken from the newest run', () => {
    expect(agg.measurements).toHaveLength(49); // every key of the first run is measured again in the second
    const m = measurement(agg, 'batch', 'write', 'seed-narrow', 500_000);
    expect(m.run.runId).toBe(NEW_RUN_ID);
    expect(m.result.stats?.median).toBe(20);
    expect(m.throughput?.median).toBe(400);
  });

  it('falls back to an older run for a key the newest run did not measure', () => {
    const [old, latest] = fixtureRuns() as [RunFile, RunFile];
    latest.results = latest.results.filter((r) => !(r.phase === 'delta' && r.case === 'read' && r.dataset.rows === 500_000));
    const m = measurement(aggregate([old, latest]), 'delta', 'read', 'seed-narrow', 500_000);
    expect(m.run.runId).toBe(OLD_RUN_ID);
    // A ratio whose baseline comes from another run is marked as such.
    const batch = measurement(aggregate([old, latest]), 'batch', 'read', 'seed-narrow', 500_000);
    expect(batch.vsDelta).toEqual({ value: 800 / 500, sameRun: false });
  });

  it('lists phases in ladder order with Delta last', () => {
    expect(agg.phases).toEqual(['sequential', 'batch', 'mmap', 'parallel-parse', 'native-parquet', 'delta']);
  });

  it('does not depend on the order runs are given in', () => {
    expect(aggregate(fixtureRuns().reverse()).measurements.map((m) => m.id)).toEqual(agg.measurements.map((m) => m.id));
  });
});

describe('aggregate: ratios', () => {
  const agg = aggregate(fixtureRuns());

  it('gives each phase its speed-up over Delta and over sequential on the same row', () => {
    const m = measurement(agg, 'batch', 'write', 'seed-narrow', 500_000);
    expect(m.vsDelta).toEqual({ value: 2.5, sameRun: true }); // 400 / 160 MB/s
    expect(m.vsSequential).toEqual({ value: 2, sameRun: true }); // 400 / 200 MB/s
    expect(measurement(agg, 'sequential', 'read', 'seed-narrow', 500_000).vsDelta?.value).toBeCloseTo(0.8, 12);
    expect(measurement(agg, 'delta', 'write', 'seed-narrow', 100_000).vsSequential?.value).toBeCloseTo(0.8, 12);
  });

  it('uses inverse median times for timed cases without throughput', () => {
    const branch = measurement(agg, 'batch', 'branch', 'seed-narrow', 100_000);
    expect(branch.throughput).toBeUndefined();
    expect(branch.vsSequential?.value).toBeCloseTo(0.4 / 0.35, 12);
    expect(branch.vsDelta).toBeUndefined(); // Delta's branch is not-implemented
    expect(measurement(agg, 'sequential', 'time-travel', 'seed-narrow', 100_000).vsDelta?.value).toBeCloseTo(12 / 5, 12);
  });

  it('never gives figures to not-implemented or rejected results', () => {
    const ni = measurement(agg, 'native-parquet', 'write', 'seed-narrow', 100_000);
    expect(ni.result.status).toBe('not-implemented');
    expect([ni.throughput, ni.vsDelta, ni.vsSequential]).toEqual([undefined, undefined, undefined]);
    const rejected = measurement(agg, 'parallel-parse', 'read', 'seed-narrow', 500_000);
    expect(rejected.result.status).toBe('rejected');
    expect([rejected.throughput, rejected.vsDelta, rejected.vsSequential]).toEqual([undefined, undefined, undefined]);
  });
});

describe('aggregate: geometric means', () => {
  const agg = aggregate(fixtureRuns());
  const of = (phase: string) => agg.geomeans.find((g) => g.phase === phase)!;

  it('combines a phase’s ratios to Delta over every comparable case', () => {
    // write 2.5, 2.5, 1.1, 200/190; read 1.6, 1.6, 1.375, 100/80; time-travel 12/4
    const expected = (2.5 * 2.5 * 1.1 * (200 / 190) * 1.6 * 1.6 * 1.375 * 1.25 * 3) ** (1 / 9);
    expect(of('batch').vsDelta?.cases).toBe(9);
    expect(of('batch').vsDelta?.value).toBeCloseTo(expected, 6);
  });

  it('also combines per case name', () => {
    const write = of('batch').byCase.find((c) => c.case === 'write')!;
    expect(write.vsDelta?.cases).toBe(4);
    expect(write.vsDelta?.value).toBeCloseTo((2.5 * 2.5 * 1.1 * (200 / 190)) ** (1 / 4), 6);
    expect(of('batch').byCase.map((c) => c.case)).toEqual(['write', 'read', 'branch', 'time-travel']);
  });

  it('combines ratios to sequential, Delta included', () => {
    // mmap read: 800/400, 1000/400, 800/400, 800/400; write: 2, 2, 2
    expect(of('mmap').vsSequential).toEqual({ value: expect.closeTo((2 * 2.5 * 2 * 2 * 2 * 2 * 2) ** (1 / 7), 9), cases: 7 });
    expect(of('delta').vsDelta).toBeUndefined();
    expect(of('delta').vsSequential?.cases).toBe(10);
  });

  it('has no figure for a phase that measured nothing', () => {
    expect(of('native-parquet')).toMatchObject({ vsDelta: undefined, vsSequential: undefined });
  });
});

describe('aggregate: regressions', () => {
  it('flags the one key more than 10% slower than in the previous run', () => {
    const agg = aggregate(fixtureRuns());
    expect(agg.tolerance).toBe(0.1);
    expect(agg.regressions).toHaveLength(1);
    const [r] = agg.regressions;
    expect(r).toMatchObject({
      kind: 'slower',
      inLatestRun: true,
      key: { engine: 'armillaria', phase: 'batch', case: 'write', dataset: 'seed-narrow', rows: 500_000, codec: 'zstd' },
      from: { run: { runId: OLD_RUN_ID }, throughputMBps: 500, medianMs: 16 },
      to: { run: { runId: NEW_RUN_ID }, throughputMBps: 400, medianMs: 20 },
    });
    expect(r!.change).toBeCloseTo(-0.2, 12);
  });

  it('takes the tolerance as an option', () => {
    expect(aggregate(fixtureRuns(), { tolerance: 0.25 }).regressions).toEqual([]);
    expect(aggregate(fixtureRuns(), { tolerance: 0.2 }).regressions).toEqual([]); // exactly 20%: not *more* than
    // Delta's read of seed-wide 100K went from 10.5 to 11 ms: 4.5% slower.
    const strict = aggregate(fixtureRuns(), { tolerance: 0.04 }).regressions;
    expect(strict.map((r) => `${r.key.phase} ${r.key.case} ${r.key.dataset} ${r.key.rows}`).sort()).toEqual([
      'batch write seed-narrow 500000',
      'delta read seed-wide 100000',
    ]);
    expect(strict.find((r) => r.key.phase === 'delta')!.change).toBeCloseTo(10.5 / 11 - 1, 4);
  });

  it('rejects a tolerance outside [0, 1)', () => {
    expect(() => aggregate(fixtureRuns(), { tolerance: 1.5 })).toThrow('report: tolerance must be in [0, 1) (got 1.5)');
  });

  it('flags a key that stops passing once, where it broke', () => {
    const [old, latest] = fixtureRuns() as [RunFile, RunFile];
    const broken = (id: string, date: string) =>
      laterRun(latest, id, date, (results) => {
        const r = results.find((x) => x.phase === 'mmap' && x.case === 'read' && x.dataset.rows === 100_000)!;
        Object.assign(r, { status: 'error', error: 'mmap: EINVAL', stats: undefined, throughputMBps: undefined });
        return results;
      });
    const agg = aggregate([old, latest, broken('r3', '2025-11-25T09:00:00Z'), broken('r4', '2025-11-26T09:00:00Z')]);
    const flagged = agg.regressions.filter((r) => r.kind === 'broken');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ to: { run: { runId: 'r3' }, status: 'error' }, from: { run: { runId: NEW_RUN_ID } }, inLatestRun: false });
  });
});

describe('aggregate: scope', () => {
  const quickRun = (runs: RunFile[]) =>
    laterRun(runs[1]!, 'quick-1', '2025-11-25T08:00:00Z', (results) => {
      find({ results } as RunFile, 'batch', 'write', 'seed-narrow', 500_000).stats!.median = 400; // would be a huge "regression"
      return results;
    }, { quick: true });

  it('never compares quick runs with full runs', () => {
    const runs = fixtureRuns();
    const agg = aggregate([...runs, quickRun(runs)], { quick: false });
    expect(agg.runs.map((r) => r.runId)).toEqual([OLD_RUN_ID, NEW_RUN_ID]);
    expect(agg.regressions).toHaveLength(1);
    expect(agg.otherScopes).toEqual([{ machine: 'ref-2core', quick: true, runs: 1, latestDate: '2025-11-25T08:00:00Z' }]);
  });

  it('defaults to the scope of the newest run', () => {
    const runs = fixtureRuns();
    const agg = aggregate([...runs, quickRun(runs)]);
    expect(agg.scope).toEqual({ machine: 'ref-2core', quick: true });
    expect(agg.runs).toHaveLength(1);
    expect(agg.regressions).toEqual([]);
  });

  it('never compares two machines', () => {
    const runs = fixtureRuns();
    const other = laterRun(runs[1]!, 'other-1', '2025-11-26T08:00:00Z', (r) => r, {
      machine: { ...runs[1]!.machine, name: 'laptop' },
    });
    const agg = aggregate([...runs, other], { machine: 'ref-2core' });
    expect(agg.runs).toHaveLength(2);
    expect(agg.otherScopes.map((s) => s.machine)).toEqual(['laptop']);
  });

  it('says which scope has no runs', () => {
    expect(() => aggregate(fixtureRuns(), { machine: 'nope' })).toThrow('report: no runs for nope, quick or full');
  });

  it('handles no runs at all', () => {
    const agg = aggregate([]);
    expect(agg.scope).toBeUndefined();
    expect(agg.measurements).toEqual([]);
  });
});
