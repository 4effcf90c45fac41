/**
 * Row keys: reading a row's key columns as one Map key, and declared keys held unique on write (a
 * table's `keys` name the columns that identify a row, for merge, diff, update and upsert).
 */
import { Type, type DataType, type RecordBatch, type Schema, type Vector } from 'apache-arrow';

import { DuplicateKeyError } from '../errors.js';
import { mayMatch, type Filter } from '../table/filter.js';
import { readManifest, type ReadContext } from '../table/table-reader.js';
import { makeManifest, manifestSchema, type ChunkRef, type Manifest } from './manifest.js';

/**
 * Keys seen so far, across batches, held unique: `add` each batch, then `check`. A single integer key
 * column without nulls (the common `id`) is collected as numbers and checked in one pass when
 * ascending, else sorted natively: a Set of a million keys cost 550 ms where the write took 50.
 * Other keys go through a Set as Map keys (`keyReader`).
 */
export class UniqueKeys {
  private readonly seen = new Set<unknown>();
  private parts: (Float64Array | BigInt64Array | BigUint64Array)[] | undefined;

  constructor(
    private readonly table: string,
    private readonly on: readonly string[],
    schema: Schema,
  ) {
    const field = on.length === 1 ? schema.fields.find((f) => f.name === on[0]) : undefined;
    if (field && (field.type as DataType).typeId === Type.Int) this.parts = [];
  }

  /** @throws {DuplicateKeyError} a row of `batch` has a key seen before (found here or by `check`) */
  add(batch: RecordBatch): void {
    const column = this.on.length === 1 ? batch.getChild(this.on[0]!)! : undefined;
    if (this.parts && column && column.nullCount === 0) {
      for (const d of column.data) {
        const v = (d.values as Int32Array | BigInt64Array | BigUint64Array).subarray(0, d.length);
        // Arrow's buffers are immutable: 64-bit keys are kept as views, not copied.
        this.parts.push(v instanceof BigInt64Array || v instanceof BigUint64Array ? v : Float64Array.from(v));
      }
      return;
    }
    if (this.parts) this.toSet();
    const keys = this.on.map((k) => batch.getChild(k)!);
    const keyAt = keyReader(keys);
    for (let r = 0; r < batch.numRows; r++) this.note(keyAt(r), () => describeKey(this.on, keys, r));
  }

  /** The smallest and largest key, for a single integer key column; undefined otherwise or when empty. */
  range(): [number | bigint, number | bigint] | undefined {
    if (!this.parts || this.parts.length === 0) return undefined;
    const all = this.joined();
    let [min, max] = [all[0]!, all[0]!];
    for (let i = 1; i < all.length; i++) {
      if (all[i]! < min) min = all[i]!;
      else if (all[i]! > max) max = all[i]!;
    }
    return [min, max];
  }

  /** @throws {DuplicateKeyError} naming the first key (in key order) held twice */
  check(): void {
    if (!this.parts) return;
    const all = this.joined();
    if (ascending(all)) return;
    const sorted = all.slice().sort();
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i - 1] === sorted[i]) throw new DuplicateKeyError(this.table, `${this.on[0]} = ${String(sorted[i])}`);
    }
  }

  private joined(): Float64Array | BigInt64Array | BigUint64Array {
    const parts = this.parts!;
    if (parts.length === 1) return parts[0]!;
    const length = parts.reduce((n, p) => n + p.length, 0);
    const first = parts[0]!;
    const all = first instanceof BigInt64Array ? new BigInt64Array(length) : first instanceof BigUint64Array ? new BigUint64Array(length) : new Float64Array(length);
    let at = 0;
    for (const p of parts) {
      (all as Float64Array).set(p as Float64Array, at);
      at += p.length;
    }
    this.parts = [all];
    return all;
  }

  /** Moves the collected numbers into the Set (a batch with a null key arrived). */
  private toSet(): void {
    const parts = this.parts!;
    this.parts = undefined;
    for (const p of parts) for (const v of p) this.note(normalize(v), () => `${this.on[0]} = ${String(v)}`);
  }

  private note(key: unknown, describe: () => string): void {
    if (this.seen.has(key)) throw new DuplicateKeyError(this.table, describe());
    this.seen.add(key);
  }
}

/** Whether `keys` strictly ascend; 64-bit ones compared as two 32-bit words (no BigInt per row). */
function ascending(keys: Float64Array | BigInt64Array | BigUint64Array): boolean {
  if (keys instanceof Float64Array) {
    for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
    return true;
  }
  const words = new Int32Array(keys.buffer, keys.byteOffset, keys.length * 2);
  const signed = keys instanceof BigInt64Array;
  for (let i = 1; i < keys.length; i++) {
    const [hi0, hi1] = signed ? [words[2 * i - 1]!, words[2 * i + 1]!] : [words[2 * i - 1]! >>> 0, words[2 * i + 1]! >>> 0];
    if (hi0 > hi1 || (hi0 === hi1 && words[2 * i - 2]! >>> 0 >= words[2 * i]! >>> 0)) return false;
  }
  return true;
}

/**
 * Adds to `unique` the keys of the rows an append keeps: of the chunks whose statistics allow a key in
 * the appended range (none, when ids grow), or of every chunk when there is no range.
 */
export async function addKeptKeys(ctx: ReadContext, current: Manifest, table: string, unique: UniqueKeys, on: readonly string[]): Promise<void> {
  const range = unique.range();
  const filter: Filter | undefined = range && { and: [{ column: on[0]!, op: '>=', value: range[0] }, { column: on[0]!, op: '<=', value: range[1] }] };
  const chunks = filter ? current.chunks.filter((c) => mayMatch(filter, c.stats, c.rows)) : current.chunks;
  if (chunks.length === 0) return;
  const kept = await readManifest(ctx, makeManifest(current.schema, chunks, current), table, { columns: [...on] });
  for (const b of kept.batches) unique.add(b);
}

/** The declared keys of the chunks `ours` appended to `m`'s table: read once, checked on every rebase. */
export async function appendedKeys(ctx: ReadContext, table: string, m: Manifest, ours: ChunkRef[]): Promise<RecordBatch[]> {
  return (await readManifest(ctx, makeManifest(m.schema, ours, m), table, { columns: [...m.keys!] })).batches;
}

/**
 * Holds `m`'s declared keys unique across two appends that landed side by side (a commit rebased
 * onto another's append): `ours`, the keys of the chunks we added (`appendedKeys`), against those of
 * the chunks `theirs` added.
 * @throws {DuplicateKeyError} naming a key both appended
 */
export async function checkRebasedKeys(ctx: ReadContext, table: string, m: Manifest, theirs: ChunkRef[], ours: readonly RecordBatch[]): Promise<void> {
  const on = m.keys!;
  const unique = new UniqueKeys(table, on, manifestSchema(m));
  for (const b of ours) unique.add(b);
  await addKeptKeys(ctx, makeManifest(m.schema, theirs, m), table, unique, on);
  unique.check();
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

