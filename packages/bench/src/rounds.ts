/**
 * Rounds: a case's tries split into a few blocks, the engines taking turns block by block, then
 * pooled into one result per engine. On a shared machine a slow spell lasts seconds; with one block
 * per engine it lands on one side of a ratio only. Measured here (seed-wide 1M write, 9 tries a
 * block, one block each): `sequential` then `batch` gave 369 and 419 ms, the reverse order 395 and
 * 394 ms (packages/bench/README.md, Method, has the commands).
 */
import type { CaseOutcome, CaseSettings } from './cases/case.js';

/** Default rounds of the cases that run in rounds. */
export const DEFAULT_ROUNDS = 3;

/** Round `round`'s share of the settings: tries, time floor and cap divided (earlier rounds round up). */
export function roundSettings(s: CaseSettings, round: number, rounds: number): CaseSettings {
  const share = (n: number): number => Math.floor(n / rounds) + (round < n % rounds ? 1 : 0);
  return { ...s, tries: Math.max(1, share(s.tries)), maxTries: Math.max(1, share(s.maxTries)), minTimeMs: s.minTimeMs / rounds };
}

/**
 * One outcome from the rounds of one engine: the tries in order, without the first-try ('cold' or
 * 'lukewarm') records of later rounds, which came after the engine's own earlier tries; the peak RSS
 * over all; everything else from the last round. A round that did not end 'ok' is the outcome.
 */
export function poolRounds(outcomes: readonly CaseOutcome[]): CaseOutcome {
  if (outcomes.length === 0) throw new Error('rounds: no outcome to pool');
  const failed = outcomes.find((o) => o.status !== 'ok');
  if (failed) return failed;
  const last = outcomes[outcomes.length - 1]!;
  const tries = outcomes.flatMap((o, i) => (i === 0 ? o.tries : o.tries.filter((t) => t.cold === undefined)));
  const peaks = outcomes.map((o) => o.rssPeakBytes ?? 0);
  const rssPeakBytes = Math.max(...peaks);
  // Timing statistics come from the pooled tries (cases that run in rounds leave them to the runner).
  const { stats: _stats, throughputMBps: _throughput, ...rest } = last;
  return { ...rest, tries, ...(rssPeakBytes > 0 ? { rssPeakBytes } : {}) };
}
