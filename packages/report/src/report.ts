/** The entry points: runs -> HTML string, and results directory -> HTML file. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunFile } from './schema.js';
import { aggregate, type AggregateOptions } from './aggregate.js';
import { renderCharts } from './charts.js';
import { loadRuns } from './load.js';
import { renderHtml, type RenderOptions } from './render.js';

/** Options of `renderReport` and `writeReport`: scope, regression tolerance, title, generation time. */
export interface ReportOptions extends AggregateOptions, RenderOptions {}

/** What `writeReport` wrote. */
export interface WriteReportResult {
  outFile: string;
  /** Runs in the reported scope. */
  runs: number;
  /** Regressions whose later point is the latest run: what a CI gate fails on. */
  latestRegressions: number;
}

/**
 * Render runs to one self-contained HTML document. Asynchronous only because vega renders SVG
 * asynchronously; aggregation and HTML assembly are pure.
 *
 * @param runs - runs, e.g. from `loadRuns`
 * @param options - scope (`machine`, `quick`), `tolerance`, `title`, `generatedAt`
 * @returns the HTML document
 * @throws {Error} when the options select a scope without runs
 * @example
 * const htmlText = await renderReport(loadRuns('results'), { tolerance: 0.1 });
 */
export async function renderReport(runs: readonly RunFile[], options: ReportOptions = {}): Promise<string> {
  const agg = aggregate(runs, options);
  const charts = await renderCharts(agg);
  return renderHtml(agg, charts, options);
}

/**
 * Load `resultsDir`, render the report, and write it to `outFile` (parent directories are created).
 * `generatedAt` defaults to now.
 *
 * @throws {ResultsFileError} when a results file is malformed or has another schema version
 * @example
 * await writeReport('results', 'results/report.html');
 */
export async function writeReport(resultsDir: string, outFile: string, options: ReportOptions = {}): Promise<WriteReportResult> {
  const runs = loadRuns(resultsDir);
  const agg = aggregate(runs, options);
  const charts = await renderCharts(agg);
  // API docs (`pnpm docs`) published in api/ beside the report get a link from its header.
  const apiDocs = existsSync(join(dirname(outFile), 'api', 'index.html')) ? 'api/index.html' : undefined;
  const page = renderHtml(agg, charts, { generatedAt: new Date().toISOString(), ...(apiDocs ? { apiDocs } : {}), ...options });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, page);
  return { outFile, runs: agg.runs.length, latestRegressions: agg.regressions.filter((r) => r.inLatestRun).length };
}
