/**
 * Row predicates: used to delete rows (`tx.delete(table, filter)`) and to filter reads. A filter is
 * plain data, so it can cross into workers or the native addon:
 *
 * ```ts
 * { column: 'value', op: '>', value: 0.5 }
 * { and: [{ column: 'city', op: '=', value: 'Oslo' }, { column: 'id', op: '<', value: 100n }] }
 * { column: 'note', op: 'is null' }      { column: 'category', op: 'in', values: ['A', 'B'] }
 * ```
 * Semantics follow SQL: a comparison with a null cell is not a match. `mayMatch` decides from chunk
 * statistics alone whether a chunk can contain a match, so readers and deletes skip the rest.
 */
import { Type, type DataType, type RecordBatch, type Schema } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import type { ChunkStats, StatValue } from './stats.js';

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
    return;
  }
  if (!COMPARE_OPS.has(op)) {
    throw new InvalidArgumentError(`filter: invalid operator ${JSON.stringify(op)}: expected one of =, !=, <, <=, >, >=, in, is null, is not null`);
  }
  if (f.value === null || f.value === undefined) {
    throw new InvalidArgumentError(`filter: comparison on column "${field.name}" needs a value (use "is null" to match nulls)`);
  }
  if (kind(field.type) === 'none') throw new InvalidArgumentError(`filter: column "${field.name}" of type ${String(field.type)} cannot be compared`);
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
      if (y === undefined) return Number(x) < (bv as number) ? -1 : Number(x) > (bv as number) ? 1 : 0;
      return x < y ? -1 : x > y ? 1 : 0;
    } catch {
      return undefined;
    }
  }
  const x = a instanceof Date ? a.getTime() : a;
  if (typeof x !== typeof bv) return undefined;
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
    const parts = ((f.and ?? f.or) as Filter[]).map((g) => filterMask(g, batch));
    const out = new Uint8Array(n).fill(f.and ? 1 : 0);
    for (const p of parts) for (let i = 0; i < n; i++) out[i] = f.and ? out[i]! & p[i]! : out[i]! | p[i]!;
    return out;
  }
  if (f.not) {
    const inner = filterMask(f.not as Filter, batch);
    return inner.map((v) => 1 - v);
  }
  const leaf = filter as Extract<Filter, { column: string }>;
  const col = batch.getChild(leaf.column)!;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = col.get(i) as unknown;
    if (leaf.op === 'is null') out[i] = v === null ? 1 : 0;
    else if (leaf.op === 'is not null') out[i] = v === null ? 0 : 1;
    else if (leaf.op === 'in') out[i] = leaf.values.some((x) => compare(v, x) === 0) ? 1 : 0;
    else out[i] = test(leaf.op, compare(v, (leaf as { value: Scalar }).value)) ? 1 : 0;
  }
  return out;
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
