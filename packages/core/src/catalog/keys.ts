/**
 * Row keys: reading a row's key columns as one Map key, and declared keys held unique on write (a
 * table's `keys` name the columns that identify a row, for merge, diff, update and upsert).
 */
import { Type, type RecordBatch, type Vector } from 'apache-arrow';

import { DuplicateKeyError } from '../errors.js';

/** Keys seen so far, across batches; `add` throws naming the first key seen twice. */
export class UniqueKeys {
  private readonly seen = new Set<unknown>();

  constructor(
    private readonly table: string,
    private readonly on: readonly string[],
  ) {}

  /** @throws {DuplicateKeyError} a row of `batch` has a key seen before */
  add(batch: RecordBatch): void {
    const keys = this.on.map((k) => batch.getChild(k)!);
    const keyAt = keyReader(keys);
    for (let r = 0; r < batch.numRows; r++) {
      const key = keyAt(r);
      if (this.seen.has(key)) throw new DuplicateKeyError(this.table, describeKey(this.on, keys, r));
      this.seen.add(key);
    }
  }
}

/**
 * Row `r`'s key as a Map key: the value for one key column, a tagged string for several. Integer
 * columns of one batch are read straight from their typed array (the scan's hot loop).
 */
export function keyReader(keys: Vector[]): (r: number) => unknown {
  if (keys.length > 1) {
    return (r) => keys.map((k) => {
      const v = normalize(k.get(r));
      return `${typeof v}:${String(v)}`;
    }).join('\u0000');
  }
  const key = keys[0]!;
  const values = key.data.length === 1 && key.nullCount === 0 && key.type.typeId === Type.Int ? key.data[0]!.values : undefined;
  if (values instanceof BigInt64Array) {
    // (hi, lo) words, no BigInt per row; what a double cannot hold exactly goes through normalize.
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    return (r) => {
      const hi = words[2 * r + 1]!;
      return hi > -0x200000 && hi < 0x200000 ? hi * 0x100000000 + (words[2 * r]! >>> 0) : normalize(values[r]);
    };
  }
  if (values instanceof BigUint64Array) return (r) => normalize(values[r]);
  if (values) return (r) => values[r];
  return (r) => normalize(key.get(r));
}

/** Values Map compares by content: 64-bit integers as numbers when exact, dates as epoch ms, binary as hex. */
function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : `${v}n`;
  }
  if (v instanceof Date) return v.getTime();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

export function describeKey(on: readonly string[], keys: Vector[], r: number): string {
  return on.map((k, i) => `${k} = ${String(keys[i]!.get(r))}`).join(', ');
}

