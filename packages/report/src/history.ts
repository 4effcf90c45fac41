/**
 * History of each key across runs, and regression flags: a run whose median throughput (or, for timed
 * cases without throughput, median speed) is worse than the key's previous measurement beyond a tolerance.
 * Beside it, each Armillaria phase's ratio to Delta Lake per run, both sides measured in that run, and the
 * steps where that ratio fell by more than the same tolerance: a ratio cancels drift that slows a whole run
 * (load on a shared machine slows both engines), which moves MB/s from run to run.
 * Callers pass runs of one machine and one `quick` flag only; other numbers are not comparable.
 */
import type { BenchResult, ResultStatus, RunFile } from './schema.js';
import { keyId, resultKey, rowId, type ResultKey } from './result-key.js';
import { speedup, throughputOf } from './metrics.js';

/** The run a figure came from. */
export interface RunRef {
  runId: string;
  date: string;
  /** `versions.armillaria` of the run. */
  gitSha: string;
}

/** One key's figure in one run. */
export interface HistoryPoint {
  run: RunRef;
  status: ResultStatus;
  medianMs?: number;
  throughputMBps?: number;
}

/** One key's points, oldest first. */
export interface HistorySeries {
  id: string;
  key: ResultKey;
  points: HistoryPoint[];
}

/** A key that got worse from one run to a later one. */
export interface Regression {
  id: string;
  key: ResultKey;
  /** `slower`: beyond the tolerance; `broken`: was ok, is now not-implemented, rejected or error. */
  kind: 'slower' | 'broken';
  /** The key's previous ok point. */
  from: HistoryPoint;
  to: HistoryPoint;
  /** Relative change in speed, `to / from - 1` (-0.2 = 20% slower); only for `slower`. */
  change?: number;
  /** Whether `to` belongs to the latest run considered: what a CI gate should fail on. */
  inLatestRun: boolean;
}

/** One Armillaria key's speed-up over Delta Lake in one run (`speedup`, the ladder's "× Delta"). */
export interface RatioPoint {
  run: RunRef;
  value: number;
}

/** One Armillaria key's ratio to Delta Lake across the runs that measured both sides ok, oldest first. */
export interface RatioSeries {
  /** `keyId(key)`. */
  id: string;
  /** The Armillaria phase's key; Delta Lake's is the same row. */
  key: ResultKey;
  points: RatioPoint[];
}

/** A ratio to Delta Lake that fell beyond the tolerance from one run to the next run measuring it. */
export interface RatioStep {
  id: string;
  key: ResultKey;
  from: RatioPoint;
  to: RatioPoint;
  /** Relative change of the ratio, `to / from - 1` (-0.4 = 40% less ahead of Delta Lake). */
  change: number;
  /** Whether `to` belongs to the latest run considered. */
  inLatestRun: boolean;
}

/** Default tolerance: run-to-run noise on a shared 2-core machine stays well under 10%. */
export const DEFAULT_TOLERANCE = 0.1;

/** Reference to a run, as carried by every point and measurement. */
export function runRef(run: RunFile): RunRef {
  return { runId: run.runId, date: run.date, gitSha: run.versions.armillaria };
}

/**
 * Every key's points across `runs`.
 *
 * @param runs - runs of one machine and quick flag, oldest first
 */
export function buildHistory(runs: readonly RunFile[]): HistorySeries[] {
  const byId = new Map<string, HistorySeries>();
  for (const run of runs) {
    const ref = runRef(run);
    for (const r of run.results) {
      const key = resultKey(r);
      const id = keyId(key);
      let series = byId.get(id);
      if (!series) byId.set(id, (series = { id, key, points: [] }));
      const point: HistoryPoint = { run: ref, status: r.status };
      if (r.status === 'ok' && r.stats) point.medianMs = r.stats.median;
      const tp = throughputOf(r);
      if (tp) point.throughputMBps = tp.median;
      // A key measured twice in one run keeps its last result, as latest-per-key does.
      if (series.points.at(-1)?.run.runId === ref.runId) series.points[series.points.length - 1] = point;
      else series.points.push(point);
    }
  }
  return [...byId.values()];
}

/**
 * Each Armillaria key's ratio to Delta Lake in every run that measured both ok, paired inside the run.
 *
 * @param runs - runs of one machine and quick flag, oldest first
 */
export function buildRatioHistory(runs: readonly RunFile[]): RatioSeries[] {
  const byId = new Map<string, RatioSeries>();
  for (const run of runs) {
    const ref = runRef(run);
    // A key measured twice in one run keeps its last result, as `buildHistory` does.
    const last = new Map<string, BenchResult>();
    for (const r of run.results) last.set(keyId(resultKey(r)), r);
    const deltaByRow = new Map<string, BenchResult>();
    for (const r of last.values()) if (r.engine === 'delta') deltaByRow.set(rowId(resultKey(r)), r);
    for (const [id, r] of last) {
      const key = resultKey(r);
      const delta = deltaByRow.get(rowId(key));
      const value = r.engine === 'armillaria' && delta ? speedup(r, delta) : undefined;
      if (value === undefined) continue;
      let series = byId.get(id);
      if (!series) byId.set(id, (series = { id, key, points: [] }));
      series.points.push({ run: ref, value });
    }
  }
  return [...byId.values()];
}

/**
 * The regression rule, shared by MB/s regressions and ratio steps: the relative change `now / before - 1`
 * when it is a fall of more than `tolerance`, else `undefined`.
 */
function fallBeyond(before: number, now: number, tolerance: number): number | undefined {
  const change = now / before - 1;
  return change < -tolerance ? change : undefined;
}

/**
 * Steps down in every ratio series: each point against the series' previous point, by the rule
 * `findRegressions` applies to speed.
 *
 * @param tolerance - allowed relative fall of the ratio, e.g. 0.1 flags a ratio more than 10% lower
 * @param latestRunId - the run whose steps are marked `inLatestRun`
 */
export function findRatioSteps(series: readonly RatioSeries[], tolerance: number, latestRunId: string | undefined): RatioStep[] {
  const out: RatioStep[] = [];
  for (const s of series) {
    for (let i = 1; i < s.points.length; i++) {
      const from = s.points[i - 1]!;
      const to = s.points[i]!;
      const change = fallBeyond(from.value, to.value, tolerance);
      if (change !== undefined) out.push({ id: s.id, key: s.key, from, to, change, inLatestRun: to.run.runId === latestRunId });
    }
  }
  return out;
}

/** Speed of a point, higher is better: throughput, else runs per millisecond. */
function speed(p: HistoryPoint): number | undefined {
  if (p.status !== 'ok') return undefined;
  if (p.throughputMBps !== undefined) return p.throughputMBps;
  return p.medianMs && p.medianMs > 0 ? 1 / p.medianMs : undefined;
}

/**
 * Regressions in every series: each point is compared with the key's previous ok point.
 *
 * @param tolerance - allowed relative slow-down, e.g. 0.1 flags anything more than 10% slower
 * @param latestRunId - the run whose regressions are marked `inLatestRun`
 */
export function findRegressions(
  series: readonly HistorySeries[],
  tolerance: number,
  latestRunId: string | undefined,
): Regression[] {
  const out: Regression[] = [];
  for (const s of series) {
    let previous: HistoryPoint | undefined; // the key's last ok point
    let last: HistoryPoint | undefined; // the key's last point, whatever its status
    for (const p of s.points) {
      const base = { id: s.id, key: s.key, to: p, inLatestRun: p.run.runId === latestRunId };
      // Flag the transition only: a case that stays broken is reported once, where it broke.
      if (previous && last?.status === 'ok' && p.status !== 'ok') out.push({ ...base, kind: 'broken', from: previous });
      const now = speed(p);
      const before = previous && speed(previous);
      const change = now !== undefined && before !== undefined ? fallBeyond(before, now, tolerance) : undefined;
      if (previous && change !== undefined) out.push({ ...base, kind: 'slower', from: previous, change });
      if (now !== undefined) previous = p;
      last = p;
    }
  }
  return out;
}
