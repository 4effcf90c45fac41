/**
 * Row hashes: one number below 2^53 per row, over every column, for finding the rows of one table in
 * another (row-align.ts). Rows row-match.ts calls equal hash equal: fixed-width values by their bytes,
 * strings and binaries by their bytes, booleans by their bit, nulls as nulls whatever lies under them,
 * other types through their JS values. Unequal rows may collide; whoever keeps a row on the strength
 * of its hash compares it exactly first.
 */
import { Type, makeVector, type Data, type DataType, type RecordBatch } from 'apache-arrow';

import { isFixedWidth } from './concat.js';

const NULL = 0x6e756c6c;

/** The hashes of `batch`'s rows, written to `out` from `at` (a new array when none is given). */
export function rowHashes(batch: RecordBatch, out = new Float64Array(batch.numRows), at = 0): Float64Array {
  const n = batch.numRows;
  const h1 = new Uint32Array(n).fill(0x811c9dc5);
  const h2 = new Uint32Array(n).fill(0x2545f491);
  for (const column of batch.data.children) foldColumn(column, h1, h2);
  for (let r = 0; r < n; r++) out[at + r] = (finish(h1[r]!) >>> 0) * 2097152 + (finish(h2[r]! ^ 0x5bd1e995) >>> 11);
  return out;
}

/** Folds each row's value of `column` into its two accumulators. */
function foldColumn(column: Data, h1: Uint32Array, h2: Uint32Array): void {
  const type = column.type as DataType;
  const valid = validity(column);
  const fold = (r: number, v: number) => {
    h1[r] = Math.imul(h1[r]! ^ v, 0x01000193);
    h2[r] = Math.imul((h2[r]! << 5) | (h2[r]! >>> 27), 0x9e3779b1) ^ v;
  };
  if (isFixedWidth(type)) {
    const values = column.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
    const width = values.BYTES_PER_ELEMENT * column.stride;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const words = width % 4 === 0 && values.byteOffset % 4 === 0 ? new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2) : undefined;
    for (let r = 0; r < column.length; r++) {
      if (!valid(r)) fold(r, NULL);
      else if (words) for (let w = (r * width) >> 2, end = ((r + 1) * width) >> 2; w < end; w++) fold(r, words[w]!);
      else for (let b = r * width; b < (r + 1) * width; b++) fold(r, bytes[b]!);
    }
    return;
  }
  switch (type.typeId) {
    case Type.Bool: {
      const bits = column.values as Uint8Array;
      for (let r = 0; r < column.length; r++) fold(r, valid(r) ? ((bits[(column.offset + r) >> 3]! >> ((column.offset + r) & 7)) & 1) + 2 : NULL);
      return;
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = column.valueOffsets as ArrayLike<number | bigint>;
      const bytes = column.values as Uint8Array;
      for (let r = 0; r < column.length; r++) {
        if (!valid(r)) {
          fold(r, NULL);
          continue;
        }
        const [start, end] = [Number(offsets[r]!), Number(offsets[r + 1]!)];
        let h = end - start;
        for (let b = start; b < end; b++) h = Math.imul(h ^ bytes[b]!, 0x01000193);
        fold(r, h);
      }
      return;
    }
    default: {
      const vector = makeVector(column);
      for (let r = 0; r < column.length; r++) fold(r, valid(r) ? stringHash(JSON.stringify(vector.get(r), jsonValue)) : NULL);
    }
  }
}

function validity(d: Data): (r: number) => boolean {
  if (d.nullCount === 0) return () => true;
  const bitmap = d.nullBitmap!;
  return (r) => ((bitmap[(d.offset + r) >> 3]! >> ((d.offset + r) & 7)) & 1) === 1;
}

/** JSON for the JS values arrow-js returns: bigints and byte arrays as text. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v;
}

function stringHash(s: string | undefined): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < (s?.length ?? 0); i++) h = Math.imul(h ^ s!.charCodeAt(i), 0x01000193);
  return h;
}

/** murmur3's finalizer: every input bit reaches every output bit. */
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
