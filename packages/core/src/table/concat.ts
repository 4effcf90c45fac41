/**
 * Concatenates the record batches of one chunk into a single contiguous batch before encoding.
 *
 * Parquet writers split pages at record-batch boundaries, so the same rows arriving as one batch or
 * as several would give different bytes, different chunk ids, and no dedup between, say, a CSV import
 * (64K-row batches) and a re-import of its export. One batch per chunk makes chunk bytes a function of
 * the rows alone. apache-arrow has no concat kernel, hence this one.
 *
 * arrow-js slicing (Data.slice) pre-slices fixed-width values, value offsets and the children of
 * struct and fixed-size-list types, but not validity bitmaps, boolean bitmaps, variable-width values
 * or list children: those are addressed through `offset` / the value offsets. Types it cannot
 * concatenate (dictionaries with different dictionaries, unions, views) return undefined and the
 * caller encodes the batches as they are.
 */
import { Data, RecordBatch, Struct, Type, makeData, vectorFromArray, type DataType, type Table, type Vector } from 'apache-arrow';

/**
 * `table` as one contiguous record batch: its only batch, or its batches joined (copied). A column
 * `concatData` cannot join (dictionaries that differ between batches, say) is rebuilt from its values.
 */
export function combineBatches(table: Table): RecordBatch {
  return joined(table, true)!;
}

/** `table` as one batch when every column joins as bytes (none rebuilt from its values); else undefined. */
export function joinBatches(table: Table): RecordBatch | undefined {
  return joined(table, false);
}

function joined(table: Table, rebuild: boolean): RecordBatch | undefined {
  if (table.batches.length === 1) return table.batches[0]!;
  const children: Data[] = [];
  for (const [c, f] of table.schema.fields.entries()) {
    const type = f.type as DataType;
    const parts = table.batches.map((b) => b.data.children[c]!);
    const child = parts.length === 0 ? vectorFromArray([], type).data[0]! : (concatData(parts) ?? (rebuild ? vectorFromArray([...table.getChildAt(c)!], type).data[0]! : undefined));
    if (!child) return undefined;
    children.push(child);
  }
  return new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: table.numRows, children }));
}

/** Types whose values are one typed array, `stride` elements per row, pre-sliced to the data's offset. */
export function isFixedWidth(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Decimal:
    case Type.Interval:
    case Type.FixedSizeBinary:
      return true;
    default:
      return false;
  }
}

/** A column as one Data: its only chunk, its chunks concatenated, or (types concatData cannot join) rebuilt from its values. */
export function wholeColumn(vector: Vector): Data {
  if (vector.data.length === 1) return vector.data[0]!;
  return concatData([...vector.data]) ?? vectorFromArray([...vector], vector.type as DataType).data[0]!;
}

/** One Data holding every part in order, or undefined for a type this cannot concatenate. */
export function concatData(parts: Data[]): Data | undefined {
  const type = parts[0]!.type as DataType;
  const length = parts.reduce((n, p) => n + p.length, 0);
  const nullCount = parts.reduce((n, p) => n + p.nullCount, 0);
  const nullBitmap = nullCount > 0 ? concatBits(parts, (p) => (p.nullCount > 0 ? p.nullBitmap : undefined)) : undefined;
  const base = { type, length, nullCount, nullBitmap } as Record<string, unknown>;
  if (isFixedWidth(type)) {
    return makeData({ ...base, data: concatTyped(parts.map((p) => (p.values as Uint8Array).subarray(0, p.stride * p.length))) } as never);
  }
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length } as never);
    case Type.Bool:
      return makeData({ ...base, data: concatBits(parts, (p) => p.values as Uint8Array) } as never);
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const { valueOffsets, ranges } = concatOffsets(parts);
      const data = concatTyped(parts.map((p, i) => (p.values as Uint8Array).subarray(ranges[i]![0], ranges[i]![1])));
      return makeData({ ...base, valueOffsets, data } as never);
    }
    case Type.List:
    case Type.Map: {
      const { valueOffsets, ranges } = concatOffsets(parts);
      const child = concatData(parts.map((p, i) => p.children[0]!.slice(ranges[i]![0], ranges[i]![1] - ranges[i]![0])));
      return child && makeData({ ...base, valueOffsets, child } as never);
    }
    case Type.FixedSizeList: {
      const child = concatData(parts.map((p) => p.children[0]!));
      return child && makeData({ ...base, child } as never);
    }
    case Type.Struct: {
      const children: Data[] = [];
      for (let c = 0; c < type.children.length; c++) {
        const child = concatData(parts.map((p) => p.children[c]!));
        if (!child) return undefined;
        children.push(child);
      }
      return makeData({ ...base, children } as never);
    }
    case Type.Dictionary: {
      const dictionary = parts[0]!.dictionary;
      if (!parts.every((p) => p.dictionary === dictionary)) return undefined;
      const data = concatTyped(parts.map((p) => (p.values as Uint8Array).subarray(0, p.length)));
      return makeData({ ...base, data, dictionary } as never);
    }
    default:
      return undefined;
  }
}

/** Concatenates typed arrays of one kind. */
function concatTyped<T extends { length: number; set(a: T, o: number): void; constructor: unknown }>(arrays: T[]): T {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const Ctor = arrays[0]!.constructor as new (n: number) => T;
  const out = new Ctor(total);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Rebased value offsets, and each part's [start, end) range into its own values or child. */
function concatOffsets(parts: Data[]): { valueOffsets: Int32Array | BigInt64Array; ranges: [number, number][] } {
  const large = parts[0]!.valueOffsets instanceof BigInt64Array;
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = large ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
  const ranges: [number, number][] = [];
  let at = 0;
  let base = 0;
  for (const p of parts) {
    const offs = p.valueOffsets as unknown as ArrayLike<number | bigint>;
    const start = Number(offs[0]!);
    for (let i = 1; i <= p.length; i++) {
      const v = Number(offs[i]!) - start + base;
      if (large) (out as BigInt64Array)[at + i] = BigInt(v);
      else (out as Int32Array)[at + i] = v;
    }
    const end = Number(offs[p.length]!);
    ranges.push([start, end]);
    base += end - start;
    at += p.length;
  }
  return { valueOffsets: out, ranges };
}

/** Concatenates bitmaps (validity or boolean values), each starting at its part's bit offset. */
function concatBits(parts: Data[], bitsOf: (p: Data) => Uint8Array | undefined | null): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(((length + 63) & ~63) >> 3);
  let at = 0;
  for (const p of parts) {
    const bits = bitsOf(p);
    for (let i = 0; i < p.length; i++, at++) {
      const set = !bits || bits.length === 0 ? 1 : (bits[(p.offset + i) >> 3]! >> ((p.offset + i) & 7)) & 1;
      if (set) out[at >> 3]! |= 1 << (at & 7);
    }
  }
  return out;
}
