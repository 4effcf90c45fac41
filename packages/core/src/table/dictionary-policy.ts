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
      const width = storedWidth(field.type);
      return width !== undefined && distinctHead(slice.getChildAt(i) as Vector, width);
    })
    .map((f) => f.name);
}

/** Bytes per stored value of the integer-like types, 'utf8' for strings; undefined: not judged. */
function storedWidth(type: DataType): 1 | 2 | 4 | 8 | 'utf8' | undefined {
  switch (type.typeId) {
    case Type.Int:
    case Type.Time:
      return ((type as unknown as { bitWidth: number }).bitWidth / 8) as 1 | 2 | 4 | 8;
    case Type.Date:
      return (type as unknown as { unit: DateUnit }).unit === DateUnit.DAY ? 4 : 8;
    case Type.Timestamp:
    case Type.Duration:
      return 8;
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'utf8';
    default:
      return undefined;
  }
}

/** True when the first DISTINCT_HEAD_ROWS rows of `vector` exist, are valid and pairwise distinct. */
function distinctHead(vector: Vector, width: 1 | 2 | 4 | 8 | 'utf8'): boolean {
  // One byte holds 256 values at most, so such a column always repeats within the head.
  if (vector.length < DISTINCT_HEAD_ROWS || width === 1) return false;
  const pieces: Data[] = [];
  for (let rows = 0, k = 0; rows < DISTINCT_HEAD_ROWS; k++) {
    const data = vector.data[k]!;
    const take = Math.min(data.length, DISTINCT_HEAD_ROWS - rows);
    for (let i = 0; data.nullCount > 0 && i < take; i++) if (!data.getValid(i)) return false;
    pieces.push(data.slice(0, take));
    rows += take;
  }
  return width === 'utf8' ? distinctStrings(pieces) : distinctFixed(pieces, width);
}

/**
 * Fixed-width values: the head's bytes copied into one typed array of their width and sorted, so
 * equal values (equal bytes) end up side by side. Against a Set of BigInts per row (d177af2's build
 * loaded beside this one, alternating, medians of 31), the policy for 8 chunks: seed-narrow 1M 2.18
 * -> 0.18 ms, seed-wide 1M 10.58 -> 2.69 ms (its string column, still a Set, is most of what is left).
 */
function distinctFixed(pieces: readonly Data[], width: 2 | 4 | 8): boolean {
  const head = new Uint8Array(DISTINCT_HEAD_ROWS * width);
  let at = 0;
  for (const data of pieces) {
    const values = data.values as ArrayBufferView; // sliced to the piece's first row by arrow-js
    head.set(new Uint8Array(values.buffer, values.byteOffset, data.length * width), at);
    at += data.length * width;
  }
  const sorted = (width === 2 ? new Uint16Array(head.buffer) : width === 4 ? new Uint32Array(head.buffer) : new BigUint64Array(head.buffer)).sort();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return false;
  return true;
}

/** Strings: a Set of each value's bytes read as latin1, which maps each byte to one character. */
function distinctStrings(pieces: readonly Data[]): boolean {
  const seen = new Set<string>();
  for (const data of pieces) {
    const offsets = data.valueOffsets as Int32Array | BigInt64Array;
    const values = data.values as Uint8Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    for (let i = 0; i < data.length; i++) {
      const key = bytes.toString('latin1', Number(offsets[i]), Number(offsets[i + 1]));
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return true;
}
