/**
 * @armillaria/report: benchmark results (JSON) -> one self-contained HTML report with charts.
 * The pipeline is `loadRuns` -> `aggregate` -> `renderCharts` + `renderHtml`; `renderReport` and
 * `writeReport` run all of it.
 */
export { loadRuns } from './load.js';
export { validateRunFile, ResultsFileError } from './validate.js';
export {
  aggregate,
  sortRuns,
  type Aggregate,
  type AggregateOptions,
  type GeomeanFigure,
  type Measurement,
  type PhaseGeomean,
  type Ratio,
  type Scope,
  type ScopeSummary,
} from './aggregate.js';
export {
  DEFAULT_TOLERANCE,
  buildHistory,
  buildRatioHistory,
  findRatioSteps,
  findRegressions,
  type HistoryPoint,
  type HistorySeries,
  type RatioPoint,
  type RatioSeries,
  type RatioStep,
  type Regression,
  type RunRef,
} from './history.js';
export { geometricMean, speedup, throughputOf, type Throughput } from './metrics.js';
export { PHASE_ORDER, THROUGHPUT_CASES, keyId, resultKey, type ResultKey } from './result-key.js';
export { evaluateGoals, type GoalResult } from './goals.js';
export { renderCharts, type ChartSet, type ChartSvg } from './charts.js';
export { renderHtml, DEFAULT_TITLE, type RenderOptions } from './render.js';
export { renderReport, writeReport, type ReportOptions, type WriteReportResult } from './report.js';
export {
  COMPETITORS,
  SCHEMA_VERSION,
  type BenchResult,
  type Competitor,
  type MachineInfo,
  type ResultStatus,
  type RunFile,
  type TimingStats,
  type VersionInfo,
} from './schema.js';
