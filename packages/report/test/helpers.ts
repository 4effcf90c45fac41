/** Shared test helpers: the fixture runs and throw-away directories. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuns, type BenchResult, type RunFile } from '../src/index.js';

/** Two full runs of `ref-2core` (2025-11-20 and 2025-11-24); see fixtures/README.md. */
export const FIXTURE_RESULTS = fileURLToPath(new URL('./fixtures/results', import.meta.url));

export const OLD_RUN_ID = '2025-11-20T09:04:12Z-1f3c9a2';
export const NEW_RUN_ID = '2025-11-24T09:10:37Z-7e8d9c0';

/** Fresh copies of the fixture runs, safe to mutate. */
export function fixtureRuns(): RunFile[] {
  return loadRuns(FIXTURE_RESULTS);
}

/** Run `fn` in a new temporary directory that is removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'armillaria-report-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of `run` as another run: new id and date, results transformed by `edit`. */
export function laterRun(
  run: RunFile,
  runId: string,
  date: string,
  edit: (results: BenchResult[]) => BenchResult[] = (r) => r,
  patch: Partial<RunFile> = {},
): RunFile {
  const copy = structuredClone(run);
  return { ...copy, runId, date, results: edit(copy.results), ...patch };
}

/** Find the one result matching engine/phase/case/dataset/rows. */
export function find(run: RunFile, phase: string, c: string, dataset: string, rows: number): BenchResult {
  const r = run.results.find((x) => x.phase === phase && x.case === c && x.dataset.name === dataset && x.dataset.rows === rows);
  if (!r) throw new Error(`fixture has no ${phase} ${c} ${dataset} ${rows}`);
  return r;
}
