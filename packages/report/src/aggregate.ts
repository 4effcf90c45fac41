/**
 * Pure aggregation of runs into what the report shows: the latest result per key, per-case ratios to
 * Delta Lake and to the `sequential` phase, geometric means per phase, history and regressions, and each
 * phase's ratio to Delta Lake run by run with the steps where it fell.
 *
 * Numbers are only compared within one *scope*, one machine with one `quick` flag, because a quick run's
 * small sizes and another machine's disks say nothing about this machine's full run.
 */
import type { BenchResult, RunFile } from './schema.js';
import {
  BASELINE_PHASE,
  compareCases,
  comparePhases,
  compareRows,
  keyId,
  resultKey,
  rowId,
  type ResultKey,
} from './result-key.js';
import { geometricMean, speedup, throughputOf, type Throughput } from './metrics.js';
import {
  DEFAULT_TOLERANCE,
  buildHistory,
  buildRatioHistory,
  findRatioSteps,
  findRegressions,
  runRef,
  type HistorySeries,
  type RatioSeries,
  type RatioStep,
  type Regression,
  type RunRef,
} from './history.js';

/** Which runs are compared: one machine, quick or full. */
export interface Scope {
  machine: string;
  quick: boolean;
}

/** A scope present in the input, with its run count (used to point at scopes not shown). */
export interface ScopeSummary extends Scope {
  runs: number;
  latestDate: string;
}

/** A ratio to a baseline; `sameRun` is false when the two results come from different runs. */
export interface Ratio {
  value: number;
  sameRun: boolean;
}

/** The latest result for one key, with its derived figures. */
export interface Measurement {
  /** `keyId(key)`. */
  id: string;
  /** `rowId(key)`: results with the same row id are compared with each other. */
  row: string;
  key: ResultKey;
  result: BenchResult;
  run: RunRef;
  throughput?: Throughput;
  /** Speed-up over Delta Lake on the same row (> 1 = Armillaria faster). */
  vsDelta?: Ratio;
  /** Speed-up over the `sequential` phase on the same row. */
  vsSequential?: Ratio;
}

/** A geometric mean of per-case ratios and how many cases it combines. */
export interface GeomeanFigure {
  value: number;
  cases: number;
}

/** One phase's ratios combined across cases (ClickBench style), overall and per case name. */
export interface PhaseGeomean {
  engine: BenchResult['engine'];
  phase: string;
  vsDelta?: GeomeanFigure;
  vsSequential?: GeomeanFigure;
  byCase: { case: string; vsDelta?: GeomeanFigure; vsSequential?: GeomeanFigure }[];
}

/** Everything the report renders, derived from the runs of one scope. */
export interface Aggregate {
  /** `undefined` only when there are no runs at all. */
  scope?: Scope;
  /** Scopes present in the input but not aggregated. */
  otherScopes: ScopeSummary[];
  /** Runs in scope, oldest first. */
  runs: RunFile[];
  latestRun?: RunFile;
  /** Latest result per key, ordered by dataset, case, rows, then phase. */
  measurements: Measurement[];
  /** Phases present (Armillaria phases in ladder order, then `delta` if present). */
  phases: string[];
  geomeans: PhaseGeomean[];
  history: HistorySeries[];
  regressions: Regression[];
  /** Each Armillaria key's ratio to Delta Lake per run, both sides from that run. */
  ratioHistory: RatioSeries[];
  /** Ratios to Delta Lake that fell beyond `tolerance` from one run to the next; not counted as regressions. */
  ratioSteps: RatioStep[];
  tolerance: number;
}

/** Options of `aggregate`. */
export interface AggregateOptions {
  /** Relative slow-down flagged as a regression; default 0.1 (10%). */
  tolerance?: number;
  /** Machine to report on; default: the machine of the latest run. */
  machine?: string;
  /** Quick or full runs; default: the flag of the latest run (on `machine`, if given). */
  quick?: boolean;
}

/** Runs oldest first; runs starting at the same instant are ordered by id, so the result is stable. */
export function sortRuns(runs: readonly RunFile[]): RunFile[] {
  return [...runs].sort((a, b) => Date.parse(a.date) - Date.parse(b.date) || a.runId.localeCompare(b.runId));
}

/**
 * Aggregate runs for the report.
 *
 * @param runs - runs in any order, possibly from several machines and quick/full
 * @param options - scope and regression tolerance
 * @returns the aggregate of the selected scope
 * @throws {Error} when `options` select a scope with no runs, or the tolerance is not in [0, 1)
 * @example
 * const agg = aggregate(loadRuns('results'), { tolerance: 0.05 });
 */
export function aggregate(runs: readonly RunFile[], options: AggregateOptions = {}): Aggregate {
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!(tolerance >= 0 && tolerance < 1)) throw new Error(`report: tolerance must be in [0, 1) (got ${tolerance})`);
  const sorted = sortRuns(runs);
  const scope = selectScope(sorted, options);
  const inScope = scope ? sorted.filter((r) => r.machine.name === scope.machine && r.quick === scope.quick) : [];
  const latestRun = inScope.at(-1);
  const measurements = latestPerKey(inScope);
  const history = buildHistory(inScope);
  const ratioHistory = buildRatioHistory(inScope);
  return {
    scope,
    otherScopes: summariseScopes(sorted).filter((s) => !scope || s.machine !== scope.machine || s.quick !== scope.quick),
    runs: inScope,
    latestRun,
    measurements,
    phases: [...new Set(measurements.map((m) => m.key.phase))].sort(comparePhases),
    geomeans: phaseGeomeans(measurements),
    history,
    regressions: findRegressions(history, tolerance, latestRun?.runId),
    ratioHistory,
    ratioSteps: findRatioSteps(ratioHistory, tolerance, latestRun?.runId),
    tolerance,
  };
}

function selectScope(sorted: readonly RunFile[], options: AggregateOptions): Scope | undefined {
  const candidates = sorted.filter(
    (r) =>
      (options.machine === undefined || r.machine.name === options.machine) &&
      (options.quick === undefined || r.quick === options.quick),
  );
  const latest = candidates.at(-1);
  if (!latest) {
    if (sorted.length === 0) return undefined;
    const wanted = `${options.machine ?? 'any machine'}, ${options.quick === undefined ? 'quick or full' : options.quick ? 'quick' : 'full'}`;
    throw new Error(`report: no runs for ${wanted}`);
  }
  return { machine: latest.machine.name, quick: latest.quick };
}

function summariseScopes(sorted: readonly RunFile[]): ScopeSummary[] {
  const byScope = new Map<string, ScopeSummary>();
  for (const r of sorted) {
    const id = `${r.machine.name}|${r.quick}`;
    const s = byScope.get(id) ?? { machine: r.machine.name, quick: r.quick, runs: 0, latestDate: r.date };
    s.runs += 1;
    s.latestDate = r.date;
    byScope.set(id, s);
  }
  return [...byScope.values()];
}

/** Latest result per key (later runs overwrite earlier ones), with throughput and ratios filled in. */
function latestPerKey(sortedRuns: readonly RunFile[]): Measurement[] {
  const byId = new Map<string, Measurement>();
  for (const run of sortedRuns) {
    const ref = runRef(run);
    for (const result of run.results) {
      const key = resultKey(result);
      const id = keyId(key);
      byId.set(id, { id, row: rowId(key), key, result, run: ref, throughput: throughputOf(result) });
    }
  }
  const all = [...byId.values()];
  const byRow = new Map<string, Measurement[]>();
  for (const m of all) byRow.set(m.row, [...(byRow.get(m.row) ?? []), m]);
  for (const m of all) {
    const row = byRow.get(m.row) ?? [];
    const delta = row.find((o) => o.key.engine === 'delta');
    const seq = row.find((o) => o.key.engine === 'armillaria' && o.key.phase === BASELINE_PHASE);
    if (m.key.engine === 'armillaria' && delta) m.vsDelta = ratio(m, delta);
    if (seq && m !== seq) m.vsSequential = ratio(m, seq);
  }
  return all.sort((a, b) => compareRows(a.key, b.key) || comparePhases(a.key.phase, b.key.phase));
}

function ratio(m: Measurement, baseline: Measurement): Ratio | undefined {
  const value = speedup(m.result, baseline.result);
  return value === undefined ? undefined : { value, sameRun: m.run.runId === baseline.run.runId };
}

/** Geometric means of each phase's ratios, over all its cases and per case name. */
function phaseGeomeans(measurements: readonly Measurement[]): PhaseGeomean[] {
  const figure = (ms: readonly Measurement[], pick: (m: Measurement) => Ratio | undefined) => {
    const values = ms.map(pick).flatMap((r) => (r ? [r.value] : []));
    const value = geometricMean(values);
    return value === undefined ? undefined : { value, cases: values.length };
  };
  const phases = [...new Set(measurements.map((m) => m.key.phase))].sort(comparePhases);
  return phases.map((phase) => {
    const own = measurements.filter((m) => m.key.phase === phase);
    const cases = [...new Set(own.map((m) => m.key.case))].sort(compareCases);
    return {
      engine: own[0]?.key.engine ?? 'armillaria',
      phase,
      vsDelta: figure(own, (m) => m.vsDelta),
      vsSequential: figure(own, (m) => m.vsSequential),
      byCase: cases.map((c) => {
        const ofCase = own.filter((m) => m.key.case === c);
        return { case: c, vsDelta: figure(ofCase, (m) => m.vsDelta), vsSequential: figure(ofCase, (m) => m.vsSequential) };
      }),
    };
  });
}
