/**
 * Inputs derived from a dataset, built outside every timed region: the append batch, the per-version
 * row updates of the versioning workload, projections and filters per dataset family.
 */
import { Float64, Int64, Table, makeData, makeVector, type Vector } from 'apache-arrow';
import type { Filter } from './filter.js';
import type { DatasetFamily } from './datasets/specs.js';

/** mulberry32, as in datasets/generate/seeded.mjs (kept here so workloads need no dataset module). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function nextFloat64(next: () => number): number {
  return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/** A copy of `table` with column `name` replaced (same position, same field name). */
export function replaceColumn(table: Table, name: string, vector: Vector): Table {
  const cols: Record<string, Vector> = {};
  for (const f of table.schema.fields) cols[f.name] = f.name === name ? vector : table.getChild(f.name)!;
  return new Table(cols);
}

/** The `value` column of a table as one Float64Array (copied). */
export function valuesOf(table: Table, column = 'value'): Float64Array {
  const v = table.getChild(column);
  if (!v) throw new Error(`workloads: no column "${column}"`);
  const out = new Float64Array(table.numRows);
  let pos = 0;
  for (const d of v.data) {
    out.set((d.values as Float64Array).subarray(0, d.length), pos);
    pos += d.length;
  }
  return out;
}

/**
 * The append batch: the dataset again, with `id` continuing at N (so ids stay unique and ascending);
 * datasets without `id` are appended as they are.
 */
export function appendBatch(table: Table): Table {
  const id = table.getChild('id');
  if (!id) return table;
  const n = BigInt(table.numRows);
  const shifted = new BigInt64Array(table.numRows);
  let pos = 0;
  for (const d of id.data) {
    const vals = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) shifted[pos++] = vals[i]! + n;
  }
  return replaceColumn(table, 'id', makeVector(makeData({ type: new Int64(), length: table.numRows, nullCount: 0, data: shifted })));
}

/** Row updates of one version: ascending distinct row indices and their new values. */
export interface VersionUpdate {
  rows: Uint32Array;
  values: Float64Array;
}

/** Base seed of the versioning workload; version k uses UPDATE_SEED + k. */
export const UPDATE_SEED = 0xc0ffee00;
export const VERSIONS = 10;
export const UPDATE_FRACTION = 0.05;

/**
 * The original workload: `versions` versions, each updating `fraction` of `value` at distinct rows drawn
 * by a seeded partial Fisher-Yates shuffle, with fresh uniform values.
 */
export function versionUpdates(rows: number, versions = VERSIONS, fraction = UPDATE_FRACTION): VersionUpdate[] {
  const k = Math.max(1, Math.round(rows * fraction));
  const perm = new Uint32Array(rows);
  const out: VersionUpdate[] = [];
  for (let v = 1; v <= versions; v++) {
    const next = mulberry32(UPDATE_SEED + v);
    for (let i = 0; i < rows; i++) perm[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + (next() % (rows - i));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const sel = perm.slice(0, k).sort();
    const values = new Float64Array(k);
    for (let i = 0; i < k; i++) values[i] = nextFloat64(next);
    out.push({ rows: sel, values });
  }
  return out;
}

/** The `{id, value}` table Delta merges for one version (ids = row indices of the seeded datasets). */
export function updateTable(u: VersionUpdate, idOf: (row: number) => bigint): Table {
  const ids = new BigInt64Array(u.rows.length);
  for (let i = 0; i < u.rows.length; i++) ids[i] = idOf(u.rows[i]!);
  return new Table({
    id: makeVector(makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: ids })),
    value: makeVector(makeData({ type: new Float64(), length: ids.length, nullCount: 0, data: u.values })),
  });
}

/** A float64 vector over an array (no copy). */
export function float64Vector(a: Float64Array): Vector<Float64> {
  return makeVector(makeData({ type: new Float64(), length: a.length, nullCount: 0, data: a }));
}

/** Columns of the read-projection case per family. */
export function projectionOf(family: DatasetFamily): string[] {
  switch (family) {
    case 'seed-narrow': return ['value'];
    case 'seed-wide': return ['id', 'value'];
    case 'nycflights13': return ['carrier', 'dep_delay', 'arr_delay'];
  }
}

/**
 * Selective filter per family: 1% of the seeded tables as an id range (contiguous, so per-chunk
 * statistics can skip the rest), and one small carrier of nycflights13 (342 rows, 0.1%, scattered).
 */
export function filterOf(family: DatasetFamily, rows: number): Filter {
  switch (family) {
    case 'seed-narrow':
    case 'seed-wide': {
      const lo = Math.floor(rows / 2);
      const hi = lo + Math.max(1, Math.floor(rows / 100));
      return { and: [{ column: 'id', op: '>=', value: lo }, { column: 'id', op: '<', value: hi }] };
    }
    case 'nycflights13':
      return { column: 'carrier', op: '=', value: 'HA' };
  }
}

/** Fraction of rows the dedup case inserts in the middle of the table (DESIGN.md goal: 3%). */
export const INSERT_FRACTION = 0.03;

/**
 * The dataset with `fraction` of its rows inserted in the middle: copies of the rows that follow the
 * midpoint, given fresh ids N, N+1, ... (so ids stay unique). Built from slices, no copy of the rest.
 */
export function insertMiddle(table: Table, fraction = INSERT_FRACTION): { table: Table; inserted: number } {
  const n = table.numRows;
  const mid = Math.floor(n / 2);
  const k = Math.max(1, Math.min(n - mid, Math.round(n * fraction)));
  const extra = table.slice(mid, mid + k);
  const ids = new BigInt64Array(k);
  for (let i = 0; i < k; i++) ids[i] = BigInt(n + i);
  const fresh = replaceColumn(extra, 'id', makeVector(makeData({ type: new Int64(), length: k, nullCount: 0, data: ids })));
  return { table: table.slice(0, mid).concat(fresh, table.slice(mid)), inserted: k };
}
