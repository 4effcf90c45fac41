/**
 * Per-chunk, per-column statistics recorded in manifests and used to skip chunks on filtered reads.
 *
 * The encoding is a contract shared with the native addon (whose `native-parquet` path computes the
 * same numbers in Rust), so every phase writes identical manifests:
 * - every top-level column gets `nulls`;
 * - `min`/`max` only when the column has a non-null value (floats: non-null and non-NaN);
 * - Int8-32, UInt8-32, Float16-64, Date32, Time32 -> JSON number;
 *   Int64, UInt64, Date64, Timestamp (raw stored integer, any unit/zone), Time64, Duration -> decimal
 *   string (64-bit exact); Bool -> boolean; Utf8 / LargeUtf8 / Utf8View -> string, ordered by UTF-8 bytes;
 * - any other type (decimal, binary, dictionary, nested) -> `nulls` only.
 */
import { DateUnit, Type, util, type Data, type DataType, type Table, type Vector } from 'apache-arrow';

export type StatValue = number | string | boolean;
export interface ColumnStats {
  nulls: number;
  min?: StatValue;
  max?: StatValue;
}
export type ChunkStats = Record<string, ColumnStats>;

type Kind = 'number' | 'int64' | 'bool' | 'utf8' | 'none';

function kindOf(type: DataType): Kind {
  switch (type.typeId) {
    case Type.Int:
      return (type as unknown as { bitWidth: number }).bitWidth === 64 ? 'int64' : 'number';
    case Type.Float:
      return 'number';
    case Type.Date:
      return (type as unknown as { unit: DateUnit }).unit === DateUnit.DAY ? 'number' : 'int64';
    case Type.Time:
      return (type as unknown as { bitWidth: number }).bitWidth === 64 ? 'int64' : 'number';
    case Type.Timestamp:
    case Type.Duration:
      return 'int64';
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return 'utf8';
    default:
      return 'none';
  }
}

/** Statistics of every top-level column of `table` (one chunk). */
export function chunkStats(table: Table): ChunkStats {
  const out: ChunkStats = {};
  table.schema.fields.forEach((field, i) => {
    const vector = table.getChildAt(i) as Vector;
    const stats: ColumnStats = { nulls: vector.nullCount };
    const range = minMax(kindOf(field.type), vector);
    if (range) Object.assign(stats, range);
    out[field.name] = stats;
  });
  return out;
}

function minMax(kind: Kind, vector: Vector): { min: StatValue; max: StatValue } | undefined {
  switch (kind) {
    case 'number':
      return numberRange(vector);
    case 'int64':
      return int64Range(vector);
    case 'bool':
      return boolRange(vector);
    case 'utf8':
      return utf8Range(vector);
    default:
      return undefined;
  }
}

// arrow-js slices values and value offsets to the slice start, but not validity or boolean bitmaps,
// which are addressed with `data.offset + i`.
function isValid(data: Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const bit = data.offset + i;
  return ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function numberRange(vector: Vector): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  let found = false;
  for (const data of vector.data) {
    const float16 = data.type.typeId === Type.Float && (data.type as unknown as { precision: number }).precision === 0;
    const values = data.values as ArrayLike<number>;
    const checkNulls = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      if (checkNulls && !isValid(data, i)) continue;
      const raw = values[i]!;
      const v = float16 ? util.uint16ToFloat64(raw) : raw;
      if (v !== v) continue; // NaN never bounds a range
      found = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return found ? { min, max } : undefined;
}

/** Int64-like columns compared as (hi, lo) 32-bit words: far faster than reading BigInts per row. */
function int64Range(vector: Vector): { min: string; max: string } | undefined {
  let best: { min: [Data, number]; max: [Data, number] } | undefined;
  let minHi = 0, minLo = 0, maxHi = 0, maxLo = 0;
  for (const data of vector.data) {
    const signed = !(data.type.typeId === Type.Int && !(data.type as unknown as { isSigned: boolean }).isSigned);
    const raw = data.values as unknown as ArrayBufferView;
    const words = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2);
    const checkNulls = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      if (checkNulls && !isValid(data, i)) continue;
      const k = i * 2;
      const lo = words[k]! >>> 0;
      const hi = signed ? words[k + 1]! : words[k + 1]! >>> 0;
      if (!best) {
        best = { min: [data, i], max: [data, i] };
        minHi = maxHi = hi;
        minLo = maxLo = lo;
        continue;
      }
      if (hi < minHi || (hi === minHi && lo < minLo)) {
        minHi = hi; minLo = lo; best.min = [data, i];
      }
      if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
        maxHi = hi; maxLo = lo; best.max = [data, i];
      }
    }
  }
  if (!best) return undefined;
  return { min: int64At(...best.min), max: int64At(...best.max) };
}

function int64At(data: Data, i: number): string {
  const raw = data.values as unknown as ArrayBufferView;
  const unsigned = data.type.typeId === Type.Int && !(data.type as unknown as { isSigned: boolean }).isSigned;
  const view = unsigned
    ? new BigUint64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3)
    : new BigInt64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3);
  return view[i]!.toString();
}

function boolRange(vector: Vector): { min: boolean; max: boolean } | undefined {
  let sawTrue = false;
  let sawFalse = false;
  for (const data of vector.data) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < data.length && !(sawTrue && sawFalse); i++) {
      if (!isValid(data, i)) continue;
      const bit = data.offset + i;
      if ((bits[bit >> 3]! >> (bit & 7)) & 1) sawTrue = true;
      else sawFalse = true;
    }
  }
  if (!sawTrue && !sawFalse) return undefined;
  return { min: !sawFalse, max: sawTrue };
}

function utf8Range(vector: Vector): { min: string; max: string } | undefined {
  if (vector.type.typeId === Type.Utf8View) return utf8ViewRange(vector);
  let minBytes: Uint8Array | undefined;
  let maxBytes: Uint8Array | undefined;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    const values = data.values as Uint8Array;
    const checkNulls = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      if (checkNulls && !isValid(data, i)) continue;
      const start = Number(offsets[i]!);
      const end = Number(offsets[i + 1]!);
      const s = values.subarray(start, end);
      if (!minBytes || compareBytes(s, minBytes) < 0) minBytes = s;
      if (!maxBytes || compareBytes(s, maxBytes) > 0) maxBytes = s;
    }
  }
  if (!minBytes || !maxBytes) return undefined;
  const dec = new TextDecoder();
  return { min: dec.decode(minBytes), max: dec.decode(maxBytes) };
}

function utf8ViewRange(vector: Vector): { min: string; max: string } | undefined {
  const enc = new TextEncoder();
  let min: [string, Uint8Array] | undefined;
  let max: [string, Uint8Array] | undefined;
  for (let i = 0; i < vector.length; i++) {
    const s = vector.get(i) as string | null;
    if (s === null) continue;
    const b = enc.encode(s);
    if (!min || compareBytes(b, min[1]) < 0) min = [s, b];
    if (!max || compareBytes(b, max[1]) > 0) max = [s, b];
  }
  return min && max ? { min: min[0], max: max[0] } : undefined;
}

/** Lexicographic byte order (= Unicode code point order for UTF-8). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
