/**
 * Row identity for keyed tables: each row's key (its key columns' values) and a comparable form of
 * every cell, so merge and diff can say which rows were inserted, deleted or updated, and in which
 * columns.
 */
import { RecordBatch, Struct, Table, makeBuilder, makeData, type Schema, type Vector } from 'apache-arrow';

/** A cell as JSON, 64-bit integers as `bigint` makes them, nested values through their `toJSON`. */
function cellJson(v: unknown, bigint: (x: bigint) => unknown): string | undefined {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return bigint(x);
    if (x && typeof x === 'object' && 'toJSON' in x && typeof (x as { toJSON: unknown }).toJSON === 'function') return (x as { toJSON(): unknown }).toJSON();
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    return x;
  });
}

/** A cell as a string that is equal exactly when the values are (bigints, dates, nested values included). */
export function cellKey(v: unknown): string {
  return cellJson(v, (x) => `${x}n`) ?? 'undefined';
}

/** A cell as it should be shown to a user: 64-bit integers as numbers (as strings beyond 2^53), nested values as plain JSON. */
export function displayValue(v: unknown): unknown {
  return JSON.parse(cellJson(v, (x) => (Number.isSafeInteger(Number(x)) ? Number(x) : String(x))) ?? 'null') as unknown;
}

export interface KeyedRows {
  table: Table;
  columns: Vector[];
  /** key string -> row index */
  index: Map<string, number>;
}

/** Indexes a table by its key columns. @returns the duplicate key, if any, instead of an index */
export function indexByKey(table: Table, keys: string[]): KeyedRows | { duplicate: string } {
  const columns = table.schema.fields.map((_, i) => table.getChildAt(i)!);
  const keyCols = keys.map((k) => table.getChild(k)!);
  const index = new Map<string, number>();
  for (let r = 0; r < table.numRows; r++) {
    const k = cellKey(keyCols.map((c) => c.get(r) as unknown));
    if (index.has(k)) return { duplicate: k };
    index.set(k, r);
  }
  return { table, columns, index };
}

export function rowCells(rows: KeyedRows, r: number): string[] {
  return rows.columns.map((c) => cellKey(c.get(r)));
}

/** Builds a table from rows given as per-column value getters (used to assemble merge results). */
export function buildTable(schema: Schema, rows: ((column: number) => unknown)[]): Table {
  const builders = schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null, undefined] }));
  for (const row of rows) builders.forEach((b, c) => b.append(row(c) as never));
  const children = builders.map((b) => b.finish().flush());
  return new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, children }))]);
}
