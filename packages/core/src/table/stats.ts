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
 *
 * A chunk encoded in WebAssembly takes most min/max from its own Parquet footer instead
 * (parquet-stats.ts); the kernels here cover the rest, and tables that are not encoded.
 */
import { DateUnit, Type, util, type Data, type DataType, type Table, type Vector } from 'apache-arrow';

export type StatValue = number | string | boolean;
export interface ColumnStats {
  nulls: number;
  min?: StatValue;
  max?: StatValue;
}
export type ChunkStats = Record<string, ColumnStats>;

export type StatKind = 'number' | 'int64' | 'bool' | 'utf8' | 'none';

/** How the contract above records min/max for a column of `type`. */
export function statKind(type: DataType): StatKind {
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
    out[field.name] = columnStats(table.getChildAt(i) as Vector);
  });
  return out;
}

/** Statistics of one top-level column, computed from its values. */
export function columnStats(vector: Vector): ColumnStats {
  const stats: ColumnStats = { nulls: vector.nullCount };
  const range = minMax(statKind(vector.type), vector);
  if (range) Object.assign(stats, range);
  return stats;
}

function minMax(kind: StatKind, vector: Vector): { min: StatValue; max: StatValue } | undefined {
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
  return validAt(validity(data), data.offset + i);
}

/** Whether bit `at` of a validity bitmap is set; every bit of a missing (null) bitmap is. */
export function validAt(bits: Uint8Array | null, at: number): boolean {
  return bits === null || bitSet(bits, at);
}

/** The validity bitmap of `data`, or null when every value is valid. */
export function validity(data: Data): Uint8Array | null {
  return data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0 ? null : data.nullBitmap;
}

export function bitSet(bits: Uint8Array, at: number): boolean {
  return ((bits[at >> 3]! >> (at & 7)) & 1) === 1;
}

// The numeric loops below see only typed arrays and numbers, never arrow-js objects. Optimised code
// that had seen them was thrown away by every full GC (V8: "deoptimization, reason: weak objects",
// the previous write's Data objects having died), so each write's first chunk ran unoptimised:
// seed-narrow's first chunk took 9-17 ms, the next ones 0.8 ms, in a write following a forced GC.
const EXTREMES = new Float64Array(2);
const POSITIONS = new Int32Array(2);

function numberRange(vector: Vector): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  let found = false;
  for (const data of vector.data) {
    const float16 = data.type.typeId === Type.Float && (data.type as unknown as { precision: number }).precision === 0;
    if (!numberExtremes(data.values as ArrayLike<number>, data.length, validity(data), data.offset, float16, EXTREMES)) continue;
    found = true;
    if (EXTREMES[0]! < min) min = EXTREMES[0]!;
    if (EXTREMES[1]! > max) max = EXTREMES[1]!;
  }
  return found ? { min, max } : undefined;
}

/** Min and max of the valid, non-NaN values into `out`; false when there is none. */
function numberExtremes(values: ArrayLike<number>, count: number, bits: Uint8Array | null, bitOffset: number, float16: boolean, out: Float64Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  let found = false;
  if (bits === null && !float16) {
    // The common case in a loop of its own: 1.4 against 1.6 ms per 1M floats in the general
    // one (interleaved, medians of 41).
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v !== v) continue; // NaN never bounds a range
      found = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < count; i++) {
      if (bits !== null && !bitSet(bits, bitOffset + i)) continue;
      const raw = values[i]!;
      const v = float16 ? util.uint16ToFloat64(raw) : raw;
      if (v !== v) continue;
      found = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  out[0] = min;
  out[1] = max;
  return found;
}

/** Int64-like columns: each piece's extremes by `int64Extremes`, then the pieces' compared as BigInts. */
function int64Range(vector: Vector): { min: string; max: string } | undefined {
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const data of vector.data) {
    const unsigned = data.type.typeId === Type.Int && !(data.type as unknown as { isSigned: boolean }).isSigned;
    const raw = data.values as unknown as ArrayBufferView;
    int64Extremes(new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2), data.length, !unsigned, validity(data), data.offset, POSITIONS);
    if (POSITIONS[0]! < 0) continue;
    const values = unsigned ? new BigUint64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3) : new BigInt64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3);
    const [lo, hi] = [values[POSITIONS[0]!]!, values[POSITIONS[1]!]!];
    if (min === undefined || lo < min) min = lo;
    if (max === undefined || hi > max) max = hi;
  }
  return min === undefined || max === undefined ? undefined : { min: min.toString(), max: max.toString() };
}

/**
 * Positions of the smallest and largest valid value into `out` (-1 when none is valid), the values
 * compared as (hi, lo) 32-bit words: far faster than reading BigInts per row. Positions, not values,
 * are kept, so no allocation happens per improvement (an ascending id column improves the max on
 * every row).
 */
function int64Extremes(words: Int32Array, count: number, signed: boolean, bits: Uint8Array | null, bitOffset: number, out: Int32Array): void {
  let minAt = -1, maxAt = -1;
  let minHi = 0, minLo = 0, maxHi = 0, maxLo = 0;
  // The first valid value starts both bounds, outside the loop: with a "first?" test per row, the
  // loop took 4.1 instead of 2.8 ms per 1M ascending ids (both kernels interleaved, medians of 41).
  let i = 0;
  while (i < count && bits !== null && !bitSet(bits, bitOffset + i)) i++;
  if (i < count) {
    minAt = maxAt = i;
    minLo = maxLo = words[2 * i]! >>> 0;
    minHi = maxHi = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
  }
  for (i++; i < count; i++) {
    if (bits !== null && !bitSet(bits, bitOffset + i)) continue;
    const lo = words[2 * i]! >>> 0;
    const hi = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi; minLo = lo; minAt = i;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi; maxLo = lo; maxAt = i;
    }
  }
  out[0] = minAt;
  out[1] = maxAt;
}

function boolRange(vector: Vector): { min: boolean; max: boolean } | undefined {
  let sawTrue = false;
  let sawFalse = false;
  for (const data of vector.data) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < data.length && !(sawTrue && sawFalse); i++) {
      if (!isValid(data, i)) continue;
      if (bitSet(bits, data.offset + i)) sawTrue = true;
      else sawFalse = true;
    }
  }
  if (!sawTrue && !sawFalse) return undefined;
  return { min: !sawFalse, max: sawTrue };
}

/** Min and max by UTF-8 bytes (= Unicode code point order): each piece's by `utf8Extremes`. */
function utf8Range(vector: Vector): { min: string; max: string } | undefined {
  if (vector.type.typeId === Type.Utf8View) return utf8ViewRange(vector);
  let min: Uint8Array | undefined;
  let max: Uint8Array | undefined;
  for (const data of vector.data) {
    const raw = data.valueOffsets as Int32Array | BigInt64Array;
    // Large utf8 offsets are BigInts; one conversion keeps the loop on plain numbers.
    const offsets = raw instanceof BigInt64Array ? Float64Array.from(raw, Number) : raw;
    const values = data.values as Uint8Array;
    utf8Extremes(offsets, values, data.length, validity(data), data.offset, POSITIONS);
    if (POSITIONS[0]! < 0) continue;
    const [lo, hi] = [POSITIONS[0]!, POSITIONS[1]!].map((i) => values.subarray(offsets[i]!, offsets[i + 1]!));
    if (!min || compareBytes(lo!, min) < 0) min = lo;
    if (!max || compareBytes(hi!, max) > 0) max = hi;
  }
  if (!min || !max) return undefined;
  const dec = new TextDecoder();
  return { min: dec.decode(min), max: dec.decode(max) };
}

/**
 * Positions of the smallest and largest valid value by UTF-8 bytes into `out` (-1 when none is
 * valid). Each value is compared by its first eight bytes first, as two big-endian 32-bit words,
 * zero-padded (words order like the strings wherever they differ), and in full only when they tie
 * and one of the two is longer than eight bytes. Kept as positions, never an object per improvement:
 * seed-wide's ascending names improve the max on almost every row. chunkStats of seed-wide 1M in 8
 * slices: 65.5 -> 40.8 ms (medians of 31, the two versions interleaved in one run).
 */
function utf8Extremes(offsets: ArrayLike<number>, values: Uint8Array, count: number, bits: Uint8Array | null, bitOffset: number, out: Int32Array): void {
  let minAt = -1, maxAt = -1;
  let minStart = 0, minEnd = 0, minHi = 0, minLo = 0;
  let maxStart = 0, maxEnd = 0, maxHi = 0, maxLo = 0;
  let i = 0; // the first valid value starts both bounds, outside the loop (as in int64Extremes)
  while (i < count && bits !== null && !bitSet(bits, bitOffset + i)) i++;
  if (i < count) {
    minAt = maxAt = i;
    minStart = maxStart = offsets[i]!;
    minEnd = maxEnd = offsets[i + 1]!;
    minHi = maxHi = wordAt(values, minStart, minEnd);
    minLo = maxLo = wordAt(values, minStart + 4, minEnd);
  }
  for (i++; i < count; i++) {
    if (bits !== null && !bitSet(bits, bitOffset + i)) continue;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    const hi = wordAt(values, start, end);
    const lo = wordAt(values, start + 4, end);
    if (hi < minHi || (hi === minHi && (lo < minLo || (lo === minLo && tiedLess(values, start, end, values, minStart, minEnd))))) {
      minAt = i; minStart = start; minEnd = end; minHi = hi; minLo = lo;
    }
    if (hi > maxHi || (hi === maxHi && (lo > maxLo || (lo === maxLo && tiedLess(values, maxStart, maxEnd, values, start, end))))) {
      maxAt = i; maxStart = start; maxEnd = end; maxHi = hi; maxLo = lo;
    }
  }
  out[0] = minAt;
  out[1] = maxAt;
}

/** Four bytes from `at` as a big-endian unsigned number, zero past `end`. */
function wordAt(bytes: Uint8Array, at: number, end: number): number {
  if (at + 4 <= end) return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  if (at >= end) return 0;
  let word = 0;
  for (let k = at; k < at + 4; k++) word = word * 256 + (k < end ? bytes[k]! : 0);
  return word;
}

/** a < b for two values whose first eight bytes tie: values that short differ only in length. */
function tiedLess(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart <= 8 && bEnd - bStart <= 8) return aEnd - aStart < bEnd - bStart;
  return compareRanges(a, aStart, aEnd, b, bStart, bEnd, 8) < 0;
}

/** Byte order of a[aStart, aEnd) and b[bStart, bEnd), whose first `from` bytes are known equal. */
function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number, from = 0): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = from; k < n; k++) {
    const d = a[aStart + k]! - b[bStart + k]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
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
  return compareRanges(a, 0, a.length, b, 0, b.length);
}
