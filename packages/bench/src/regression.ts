/**
 * The regression check of `bench --quick --check results/baseline.json`.
 *
 * It compares *ratios measured within one run* — each Armillaria phase against Delta Lake
 * (`<phase>/delta`) and against the pure-TS baseline (`<phase>/sequential`) on the same case and
 * dataset — with the ratios of a committed baseline. Ratios cancel most machine-wide drift (a slower CI
 * host slows both sides), which absolute times on a shared 2-core machine do not. A ratio is a speed-up:
 * `other.median / phase.median` (> 1 = the phase is faster), medians of the engines' own timings.
 *
 * A key regresses when `now < baseline × (1 − tolerance)`, and a pair (`sequential/delta`, ...) when the
 * geometric mean of its ratios over the keys measured in both runs drops by more than
 * `geomeanTolerance`. Both tolerances come from measured run-to-run noise (`bench noise <run files...>`,
 * README): per key a global figure plus wider ones for individually noisier keys; per pair a tighter
 * one, because a geometric mean averages the per-key noise out.
 */
import type { BenchResult, RunFile } from '@armillaria/report';

/** Cases whose ratios are gated. Branch creation is sub-millisecond and O(1): its absolute goal
 * (≤ 1 ms) is the check that matters, and a ratio against Delta's full copy is not a speed-up. */
export const GATED_CASES = ['write', 'read', 'read-projection', 'read-filter', 'append', 'versions', 'time-travel'] as const;

export const BASELINE_VERSION = 1;

/**
 * Tolerances used by `--write-baseline` when none is given, derived from measured run-to-run noise of
 * the quick bench on the 2-core machine shared with other work (README, "Noise and the regression
 * tolerance"): single ratios fell up to 67% below their median (p95 63%) under load, so the per-key
 * gate only catches gross (4×) regressions; per-pair geometric means deviated at most 12.9% → 1.5 × ≈ 20%.
 */
export const DEFAULT_TOLERANCE = 0.75;
export const DEFAULT_GEOMEAN_TOLERANCE = 0.2;

export interface Baseline {
  baselineVersion: typeof BASELINE_VERSION;
  createdAt: string;
  /** The run the ratios come from. */
  runId: string;
  machine: string;
  quick: boolean;
  /** Global tolerance (fraction, e.g. 0.15). */
  tolerance: number;
  /** Wider tolerances for keys measured to be noisier than the global figure. */
  keyTolerance?: Record<string, number>;
  /**
   * Tolerance of the per-pair geometric means (`sequential/delta` over all its keys, ...), which average
   * out per-key noise and so can be much tighter than the per-key tolerance. Default: `tolerance`.
   */
  geomeanTolerance?: number;
  /** How the tolerance was derived (free text, for humans). */
  toleranceSource?: string;
  ratios: Record<string, number>;
}

/** `sequential/delta` from `write|seed-narrow|100000|snappy||sequential/delta`. */
export function pairOf(key: string): string {
  return key.slice(key.lastIndexOf('|') + 1);
}

function geomean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

function rowId(r: BenchResult): string {
  return [r.case, r.dataset.name, r.dataset.rows, r.config.codec ?? '', r.variant ?? ''].join('|');
}

/** The statistic ratios are taken on: the best measured try. */
const bestOf = (r: BenchResult): number | undefined => (r.status === 'ok' && r.stats && r.stats.min > 0 ? r.stats.min : undefined);

export interface RatioSet {
  /** key -> speed-up, for ok pairs. */
  ratios: Record<string, number>;
  /** key -> why there is no ratio (one side not ok), for pairs that exist. */
  failed: Record<string, string>;
}

/** All gated ratios of one run. Key: `<case>|<dataset>|<rows>|<codec>|<variant>|<phase>/<baseline>`. */
export function ratiosOf(run: Pick<RunFile, 'results'>, cases: readonly string[] = GATED_CASES): RatioSet {
  const out: RatioSet = { ratios: {}, failed: {} };
  const byRow = new Map<string, BenchResult[]>();
  for (const r of run.results) {
    if (!cases.includes(r.case)) continue;
    const k = rowId(r);
    byRow.set(k, [...(byRow.get(k) ?? []), r]);
  }
  for (const [row, rs] of byRow) {
    const delta = rs.find((r) => r.engine === 'delta');
    const seq = rs.find((r) => r.engine === 'armillaria' && r.phase === 'sequential');
    for (const r of rs) {
      if (r.engine !== 'armillaria' || r.status === 'not-implemented') continue;
      for (const [label, base] of [['delta', delta], ['sequential', r.phase === 'sequential' ? undefined : seq]] as const) {
        if (!base || base.status === 'not-implemented') continue;
        const key = `${row}|${r.phase}/${label}`;
        const a = bestOf(r);
        const b = bestOf(base);
        if (a !== undefined && b !== undefined) out.ratios[key] = b / a;
        else out.failed[key] = r.status !== 'ok' ? `${r.phase} ${r.status}${r.error ? `: ${r.error}` : ''}` : `${base.phase} ${base.status}${base.error ? `: ${base.error}` : ''}`;
      }
    }
  }
  return out;
}

export interface CheckFinding {
  key: string;
  baseline: number;
  now?: number;
  /** now / baseline − 1 (negative = slower relative to the reference engine). */
  change?: number;
  tolerance: number;
  message: string;
}

export interface CheckOutcome {
  ok: boolean;
  /** Per-key and per-pair (geomean, key `geomean <pair>`) regressions. */
  regressions: CheckFinding[];
  /** Keys whose side failed (error/rejected) although the baseline had a ratio: also fail the check. */
  failures: CheckFinding[];
  improvements: CheckFinding[];
  /** Baseline keys this run did not measure (e.g. a narrower --phases): reported, not failed. */
  missing: string[];
  checked: number;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Compare a run with a baseline. Pure; the CLI prints the messages and exits non-zero when !ok. */
export function checkAgainstBaseline(baseline: Baseline, run: Pick<RunFile, 'results'>): CheckOutcome {
  const now = ratiosOf(run);
  const out: CheckOutcome = { ok: true, regressions: [], failures: [], improvements: [], missing: [], checked: 0 };
  for (const [key, base] of Object.entries(baseline.ratios).sort(([a], [b]) => a.localeCompare(b))) {
    const tol = baseline.keyTolerance?.[key] ?? baseline.tolerance;
    const value = now.ratios[key];
    if (value === undefined) {
      const why = now.failed[key];
      if (why) out.failures.push({ key, baseline: base, tolerance: tol, message: `FAILED ${key}: ${why} (baseline ratio ${base.toFixed(3)})` });
      else out.missing.push(key);
      continue;
    }
    out.checked++;
    const change = value / base - 1;
    const finding = { key, baseline: base, now: value, change, tolerance: tol };
    if (value < base * (1 - tol)) {
      out.regressions.push({ ...finding, message: `REGRESSION ${key}: ratio ${base.toFixed(3)} -> ${value.toFixed(3)} (${pct(change)}, tolerance ${(tol * 100).toFixed(0)}%)` });
    } else if (value > base * (1 + tol)) {
      out.improvements.push({ ...finding, message: `improved ${key}: ratio ${base.toFixed(3)} -> ${value.toFixed(3)} (${pct(change)})` });
    }
  }
  // Per pair: geometric mean over the keys measured in both, baseline and now on the same key set.
  const gt = baseline.geomeanTolerance ?? baseline.tolerance;
  const pairs = new Map<string, string[]>();
  for (const key of Object.keys(baseline.ratios)) {
    if (now.ratios[key] === undefined) continue;
    pairs.set(pairOf(key), [...(pairs.get(pairOf(key)) ?? []), key]);
  }
  for (const [pair, keys] of [...pairs].sort(([a], [b]) => a.localeCompare(b))) {
    const base = geomean(keys.map((k) => baseline.ratios[k]!));
    const value = geomean(keys.map((k) => now.ratios[k]!));
    const change = value / base - 1;
    if (value < base * (1 - gt)) {
      out.regressions.push({
        key: `geomean ${pair}`, baseline: base, now: value, change, tolerance: gt,
        message: `REGRESSION geomean ${pair} over ${keys.length} case(s): ratio ${base.toFixed(3)} -> ${value.toFixed(3)} (${pct(change)}, tolerance ${(gt * 100).toFixed(0)}%)`,
      });
    }
  }
  out.ok = out.regressions.length === 0 && out.failures.length === 0;
  return out;
}

export interface NoiseReport {
  runs: number;
  /** key -> largest |ratio / median − 1| over the runs. */
  perKey: Record<string, number>;
  /** 95th percentile of all |ratio / median − 1| values pooled over keys and runs. */
  pooledP95: number;
  /** Largest deviation seen anywhere. */
  max: number;
  /** Recommended global tolerance: 1.5 × pooled p95, rounded up to a whole percent, in [5%, 90%]. */
  tolerance: number;
  /** Keys whose own 1.5 × max deviation exceeds the global tolerance, with that wider tolerance. */
  keyTolerance: Record<string, number>;
  /** pair -> largest |geomean / median geomean − 1| over the runs. */
  perPair: Record<string, number>;
  /** Recommended geomean tolerance: 1.5 × the largest per-pair deviation, at least 5%. */
  geomeanTolerance: number;
}

const SAFETY = 1.5;
const MIN_TOLERANCE = 0.05;
/** Above this a gate never fires; 0.9 still catches a 10x slowdown. */
const MAX_TOLERANCE = 0.9;
const roundUpPct = (x: number): number => Math.ceil(x * 100 - 1e-9) / 100;

/**
 * Run-to-run noise of the gated ratios over several runs of the same command on the same machine,
 * and the tolerance derived from it. Only keys measured ok in every run count.
 * @throws Error with fewer than 2 runs
 */
export function deriveNoise(runs: readonly Pick<RunFile, 'results'>[]): NoiseReport {
  if (runs.length < 2) throw new Error('noise: need at least 2 runs');
  const sets = runs.map((r) => ratiosOf(r).ratios);
  const keys = Object.keys(sets[0]!).filter((k) => sets.every((s) => s[k] !== undefined));
  const perKey: Record<string, number> = {};
  const pooled: number[] = [];
  for (const k of keys) {
    const xs = sets.map((s) => s[k]!).sort((a, b) => a - b);
    const mid = xs.length >> 1;
    const med = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
    const devs = xs.map((x) => Math.abs(x / med - 1));
    pooled.push(...devs);
    perKey[k] = Math.max(...devs);
  }
  pooled.sort((a, b) => a - b);
  const p95 = pooled.length ? pooled[Math.min(pooled.length - 1, Math.ceil(0.95 * pooled.length) - 1)]! : 0;
  const tolerance = Math.min(MAX_TOLERANCE, Math.max(MIN_TOLERANCE, roundUpPct(SAFETY * p95)));
  const keyTolerance: Record<string, number> = {};
  for (const [k, d] of Object.entries(perKey)) {
    const t = roundUpPct(SAFETY * d);
    if (t > tolerance) keyTolerance[k] = Math.min(t, MAX_TOLERANCE);
  }
  const perPair: Record<string, number> = {};
  for (const pair of new Set(keys.map(pairOf))) {
    const ks = keys.filter((k) => pairOf(k) === pair);
    const gs = sets.map((s) => geomean(ks.map((k) => s[k]!))).sort((a, b) => a - b);
    const mid = gs.length >> 1;
    const med = gs.length % 2 ? gs[mid]! : (gs[mid - 1]! + gs[mid]!) / 2;
    perPair[pair] = Math.max(...gs.map((g) => Math.abs(g / med - 1)));
  }
  const worstPair = Math.max(0, ...Object.values(perPair));
  const geomeanTolerance = Math.min(MAX_TOLERANCE, Math.max(MIN_TOLERANCE, roundUpPct(SAFETY * worstPair)));
  return { runs: runs.length, perKey, pooledP95: p95, max: pooled.length ? pooled[pooled.length - 1]! : 0, tolerance, keyTolerance, perPair, geomeanTolerance };
}

/** A baseline from one run. */
export function makeBaseline(
  run: RunFile,
  tolerance: { tolerance: number; geomeanTolerance?: number; keyTolerance?: Record<string, number>; source?: string },
): Baseline {
  return {
    baselineVersion: BASELINE_VERSION,
    createdAt: new Date().toISOString(),
    runId: run.runId,
    machine: run.machine.name,
    quick: run.quick,
    tolerance: tolerance.tolerance,
    ...(tolerance.geomeanTolerance !== undefined ? { geomeanTolerance: tolerance.geomeanTolerance } : {}),
    ...(tolerance.keyTolerance && Object.keys(tolerance.keyTolerance).length ? { keyTolerance: tolerance.keyTolerance } : {}),
    ...(tolerance.source ? { toleranceSource: tolerance.source } : {}),
    ratios: ratiosOf(run).ratios,
  };
}

/**
 * A baseline from several runs of the same command: each ratio is its median over the runs (keys
 * measured ok in every run), and the tolerances are those derived from the same runs' noise.
 */
export function makeBaselineFromRuns(runs: readonly RunFile[]): Baseline {
  const noise = deriveNoise(runs);
  const sets = runs.map((r) => ratiosOf(r).ratios);
  const ratios: Record<string, number> = {};
  for (const k of Object.keys(noise.perKey)) {
    const xs = sets.map((s) => s[k]!).sort((a, b) => a - b);
    const mid = xs.length >> 1;
    ratios[k] = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  }
  const last = runs[runs.length - 1]!;
  return {
    baselineVersion: BASELINE_VERSION,
    createdAt: new Date().toISOString(),
    runId: runs.map((r) => r.runId).join(','),
    machine: last.machine.name,
    quick: last.quick,
    tolerance: noise.tolerance,
    geomeanTolerance: noise.geomeanTolerance,
    ...(Object.keys(noise.keyTolerance).length ? { keyTolerance: noise.keyTolerance } : {}),
    toleranceSource:
      `bench noise over ${runs.length} runs: per key 1.5 x pooled p95 deviation ${(noise.pooledP95 * 100).toFixed(1)}%, ` +
      `geomean 1.5 x worst pair deviation ${(Math.max(0, ...Object.values(noise.perPair)) * 100).toFixed(1)}%`,
    ratios,
  };
}
