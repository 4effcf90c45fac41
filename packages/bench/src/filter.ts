/**
 * The filter language of the read-filter case, shaped like @armillaria/core's `Filter`, plus an
 * evaluator over an in-memory Arrow table that yields the expected rows (SQL semantics: a comparison
 * with null is false).
 */
import type { Table } from 'apache-arrow';

export type FilterOp = '<' | '<=' | '>' | '>=' | '=' | '!=';
export type Filter =
  | { column: string; op: FilterOp; value: number | string | boolean }
  | { and: Filter[] }
  | { or: Filter[] };

function compare(a: unknown, op: FilterOp, b: number | string | boolean): boolean {
  if (a === null || a === undefined) return false;
  const x = typeof a === 'bigint' ? Number(a) : a instanceof Date ? a.getTime() : (a as number | string | boolean);
  switch (op) {
    case '<': return x < b;
    case '<=': return x <= b;
    case '>': return x > b;
    case '>=': return x >= b;
    case '=': return x === b;
    case '!=': return x !== b;
  }
}

function columnsOf(f: Filter, out = new Set<string>()): Set<string> {
  if ('and' in f) f.and.forEach((p) => columnsOf(p, out));
  else if ('or' in f) f.or.forEach((p) => columnsOf(p, out));
  else out.add(f.column);
  return out;
}

/**
 * Indices of the rows of `table` that satisfy `filter`, in table order.
 * @throws Error naming a column that the table does not have
 */
export function filterRows(table: Table, filter: Filter): Uint32Array {
  const cols = new Map<string, unknown[]>();
  for (const name of columnsOf(filter)) {
    const v = table.getChild(name);
    if (!v) throw new Error(`filter: unknown column "${name}"`);
    cols.set(name, Array.from(v as Iterable<unknown>));
  }
  const test = (f: Filter, i: number): boolean => {
    if ('and' in f) return f.and.every((p) => test(p, i));
    if ('or' in f) return f.or.some((p) => test(p, i));
    return compare(cols.get(f.column)![i], f.op, f.value);
  };
  const out: number[] = [];
  for (let i = 0; i < table.numRows; i++) if (test(filter, i)) out.push(i);
  return Uint32Array.from(out);
}

/** Human-readable form for config/labels, e.g. `id >= 500000 and id < 510000`. */
export function filterToString(f: Filter): string {
  if ('and' in f) return f.and.map(filterToString).join(' and ');
  if ('or' in f) return `(${f.or.map(filterToString).join(' or ')})`;
  return `${f.column} ${f.op} ${JSON.stringify(f.value)}`;
}
