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
      ['memory, writing 10M rows', 'not-measured', undefined],
    ]);
  });
});
