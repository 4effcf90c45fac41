import { describe, expect, it } from 'vitest';
import type { CaseOutcome, CaseSettings } from '../src/cases/case.js';
import { poolRounds, roundSettings } from '../src/rounds.js';

const settings: CaseSettings = { warmup: 1, tries: 5, minTimeMs: 1500, maxTries: 30, quick: false };

describe('roundSettings', () => {
  it('divides tries, cap and time floor over the rounds, earlier rounds taking the remainder', () => {
    const shares = [0, 1, 2].map((r) => roundSettings(settings, r, 3));
    expect(shares.map((s) => s.tries)).toEqual([2, 2, 1]);
    expect(shares.map((s) => s.maxTries)).toEqual([10, 10, 10]);
    expect(shares.every((s) => s.minTimeMs === 500 && s.warmup === 1)).toBe(true);
    expect(roundSettings(settings, 0, 1)).toEqual(settings);
  });

  it('gives every round at least one try', () => {
    expect([0, 1, 2].map((r) => roundSettings({ ...settings, tries: 1, maxTries: 1 }, r, 3).tries)).toEqual([1, 1, 1]);
  });
});

describe('poolRounds', () => {
  const round = (ms: number[], extra: Partial<CaseOutcome> = {}): CaseOutcome => ({
    status: 'ok',
    tries: [{ ms: 99, cold: 'lukewarm' }, ...ms.map((m) => ({ ms: m }))],
    ...extra,
  });

  it('keeps the first round\'s lukewarm try only, the peak RSS over all, the rest from the last round', () => {
    const pooled = poolRounds([
      round([10, 11], { rssPeakBytes: 5, storage: { bytes: 1, versions: 1 } }),
      round([12], { rssPeakBytes: 9, storage: { bytes: 2, versions: 1 }, stats: { min: 1, median: 1, max: 1, mean: 1, samples: 1 } }),
    ]);
    expect(pooled.tries).toEqual([{ ms: 99, cold: 'lukewarm' }, { ms: 10 }, { ms: 11 }, { ms: 12 }]);
    expect(pooled.rssPeakBytes).toBe(9);
    expect(pooled.storage).toEqual({ bytes: 2, versions: 1 });
    expect(pooled.stats).toBeUndefined(); // recomputed by the runner from the pooled tries
  });

  it('returns the first round that did not end ok', () => {
    const bad: CaseOutcome = { status: 'rejected', error: 'read returned 3 rows, expected 4', tries: [{ ms: 1 }] };
    expect(poolRounds([round([10]), bad])).toBe(bad);
    expect(() => poolRounds([])).toThrow('no outcome');
  });
});
