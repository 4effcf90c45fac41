/**
 * A batch in a given schema: the bridge between rows as they arrive and the schema they are stored
 * or shown in (schema evolution, upsert's inserted rows, the change feed's older rows).
 */
import { DataType, RecordBatch, Struct, makeData, vectorFromArray, type Data, type Dictionary, type Schema, type Vector } from 'apache-arrow';

import { sameType } from './schema.js';
import { widenColumn, widens } from './widen.js';

/** `rows` nulls of `type`. */
export const nullColumn = (type: DataType, rows: number) => vectorFromArray(new Array(rows).fill(null), type);

/**
 * `batch` as a batch of `schema`: columns by name and in its order, missing ones null, narrower ones
 * widened. A column whose type neither matches nor widens (possible only when `schema` is not a merge
 * of the batch's own, as for the change feed's rows from before an overwrite changed a type) is null.
 */
export function conformBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => {
    const column = batch.getChild(f.name);
    const type = f.type as DataType;
    if (column && sameType(column.type as DataType, type)) return retyped(column, type);
    if (column && widens(column.type as DataType, type)) return widenColumn(column, type).data[0]!;
    return nullColumn(type, batch.numRows).data[0]!;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/**
 * `column`'s data under `type`, the same type: a dictionary takes the schema's id, or IPC would pair
 * the wrong dictionary. (Not `Data.clone`, which misreads data made by another copy of apache-arrow.)
 */
function retyped(column: Vector, type: DataType): Data {
  const d = column.data[0]!;
  if (!DataType.isDictionary(type) || (d.type as Dictionary).id === type.id) return d;
  return makeData({ type, offset: d.offset, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, data: d.values, dictionary: d.dictionary } as never);
}
