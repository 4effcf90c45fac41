/** Real readers of published views and writers of Delta tables, in the project's Python venv. */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureVenv } from '@armillaria/testkit';
import { tableToIPC, type Table } from 'apache-arrow';

const HERE = dirname(fileURLToPath(import.meta.url));

export type EngineVerdicts = Record<string, { deltalake: string; polars: string }>;

/** The venv's python, made on first use (takes minutes on a fresh machine). */
export const python = (): string => ensureVenv();

/**
 * Has deltalake and Polars read Delta versions `deltas` of `dir`, each compared in `key` order with
 * `expected[i]`; `scratch` holds the expected tables on their way to Python.
 */
export async function readWithEngines(dir: string, scratch: string, deltas: number[], expected: Table[], key = 'k'): Promise<EngineVerdicts> {
  const versions = [];
  for (const [i, delta] of deltas.entries()) {
    const file = join(scratch, `expected-${delta}.arrow`);
    await writeFile(file, tableToIPC(expected[i]!, 'stream'));
    versions.push({ delta, expected: file });
  }
  const run = spawnSync(python(), [join(HERE, 'read_views.py')], { input: JSON.stringify({ dir, versions, key }), encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`read_views.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as EngineVerdicts;
}

/** Every version read as expected by both engines. */
export const allOk = (deltas: number[]): EngineVerdicts => Object.fromEntries(deltas.map((d) => [String(d), { deltalake: 'ok', polars: 'ok' }]));

/** Writes a Delta table with the deltalake package (make_delta.py has the scenarios). */
export function makeDeltaTable(dir: string, scenario: 'history' | 'partitioned'): void {
  const run = spawnSync(python(), [join(HERE, 'make_delta.py'), dir, scenario], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`make_delta.py failed: ${run.stderr}`);
}

export interface SparkView {
  format: 'delta' | 'iceberg';
  dir: string;
  /** The Delta version or Iceberg snapshot id, and what Armillaria reads there. */
  versions: { version: number; expected: Table }[];
}

/**
 * Has Spark (local mode, one session for all views: it takes half a minute to start) read every
 * version of every view; the verdict per view directory and version.
 */
export async function readWithSpark(views: SparkView[], scratch: string, key = 'k'): Promise<Record<string, Record<string, string>>> {
  const job = [];
  for (const [i, view] of views.entries()) {
    const versions = [];
    for (const v of view.versions) {
      const file = join(scratch, `spark-${i}-${v.version}.arrow`);
      await writeFile(file, tableToIPC(v.expected, 'stream'));
      versions.push({ version: v.version, expected: file });
    }
    job.push({ format: view.format, dir: view.dir, versions });
  }
  const run = spawnSync(python(), [join(HERE, 'read_spark.py')], { input: JSON.stringify({ key, views: job }), encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`read_spark.py failed (${run.status ?? run.signal}): ${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout) as Record<string, Record<string, string>>;
}
