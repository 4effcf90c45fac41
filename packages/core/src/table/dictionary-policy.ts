/**
 * Which columns of a chunk are written without a Parquet dictionary. A contract with the native
 * addon (`dictionary.rs`), since the writer settings decide the chunk bytes and hence their ids:
 * - top-level floating-point columns: random floats never repeat;
 * - top-level integer-like and string columns (Int8-64, UInt8-64, Date, Time, Timestamp, Duration,
 *   Utf8, LargeUtf8) whose first `DISTINCT_HEAD_ROWS` rows are all valid and pairwise distinct (by
 *   their stored bytes). A chunk with fewer rows keeps the dictionary.
 *
 * Why the second rule: a column that repeats nothing in its first 1024 rows almost surely holds more
 * distinct values than a 64 KiB dictionary page (8192 int64s) can, so the dictionary would give up
 * anyway, after the encoder had hashed those values and written a dictionary page and an indices
 * page for nothing. When rows are in random order, any column of at most ~8192 distinct values
 * repeats inside 1024 rows (the chance it does not is about e^-64). A column that cycles through
 * its values in order (`i % 5000`) passes the rule, and then gets the delta encodings, which suit a
 * column in that order anyway. parquet-wasm, 1M rows in 131072-row chunks, snappy, each column
 * encoded alone, medians of 15: a unique int64 id 20.4 -> 16.0 ms and 376 -> 7 KB; seed-wide's
 * timestamps 22.3 -> 17.7 ms; its `user_<i>` names 83.4 -> 78.3 ms and 409 -> 189 KB.
 */
import { DateUnit, Type, type Data, type DataType, type Table, type Vector } from 'apache-arrow';

export const DISTINCT_HEAD_ROWS = 1024;

/** Names of the top-level columns of chunk `slice` to write without a dictionary. */
export function columnsWithoutDictionary(slice: Table): string[] {
  return slice.schema.fields
    .filter((field, i) => {
      if (field.typeId === Type.Float) return true;
      const key = rowKey(field.type);
      return key !== undefined && distinctHead(slice.getChildAt(i) as Vector, key);
    })
    .map((f) => f.name);
}

/** Reads row `i` of a piece as a value that is equal for two rows exactly when their bytes are. */
type RowKey = (data: Data, i: number) => number | bigint | string;

function rowKey(type: DataType): RowKey | undefined {
  switch (type.typeId) {
    case Type.Int:
    case Type.Time:
      return fixedWidthKey((type as unknown as { bitWidth: number }).bitWidth / 8);
    case Type.Date:
      return fixedWidthKey((type as unknown as { unit: DateUnit }).unit === DateUnit.DAY ? 4 : 8);
    case Type.Timestamp:
    case Type.Duration:
      return fixedWidthKey(8);
    case Type.Utf8:
    case Type.LargeUtf8:
      return utf8Key;
    default:
      return undefined;
  }
}

function fixedWidthKey(width: number): RowKey {
  const read = { 1: 'getUint8', 2: 'getUint16', 4: 'getUint32', 8: 'getBigUint64' }[width] as 'getUint32' | 'getBigUint64';
  return (data, i) => {
    const values = data.values as ArrayBufferView; // sliced to the piece's first row by arrow-js
    return new DataView(values.buffer, values.byteOffset)[read](i * width, true);
  };
}

function utf8Key(data: Data, i: number): string {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  // latin1 maps each byte to one character: equal keys exactly when the bytes are equal.
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('latin1', Number(offsets[i]), Number(offsets[i + 1]));
}

/** True when the first DISTINCT_HEAD_ROWS rows of `vector` exist, are valid and pairwise distinct. */
function distinctHead(vector: Vector, key: RowKey): boolean {
  if (vector.length < DISTINCT_HEAD_ROWS) return false;
  const seen = new Set<number | bigint | string>();
  for (const data of vector.data) {
    for (let i = 0; i < data.length && seen.size < DISTINCT_HEAD_ROWS; i++) {
      if (!data.getValid(i)) return false;
      const k = key(data, i);
      if (seen.has(k)) return false;
      seen.add(k);
    }
  }
  return true;
}
