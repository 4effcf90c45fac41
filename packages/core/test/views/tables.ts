/** Tables the view tests publish. */
import { Table, vectorFromArray, type DataType } from 'apache-arrow';

import { allTypesTable, narrowTable } from '../fixtures.js';

/**
 * The all-types rows `from..to` (cycled), keyed by `k`, with `columns` of the all-types table (the
 * ones a format holds), each retyped where `retype` says (e.g. a zone the format reads).
 */
export function typedRows(from: number, to: number, columns: readonly string[], retype: Record<string, DataType> = {}): Table {
  const all = allTypesTable();
  const rows = Array.from({ length: to - from }, (_, i) => (from + i) % all.numRows);
  const cols = Object.fromEntries(columns.map((c) => [c, vectorFromArray(rows.map((r) => all.getChild(c)!.get(r)), retype[c] ?? all.getChild(c)!.type)]));
  return new Table({ k: vectorFromArray(Int32Array.from({ length: to - from }, (_, i) => from + i)), ...cols });
}

/** 10,000 rows keyed by `k`, to be written as 100 chunks of 100. */
export function keyedRows(): Table {
  return new Table({ k: vectorFromArray(Int32Array.from({ length: 10_000 }, (_, i) => i)), value: narrowTable(10_000, 3).getChild('value')! });
}
