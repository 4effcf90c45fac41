/**
 * Column patches: rows updated in a chunk without rewriting it (merge-on-read, a deletion vector that
 * carries values). An update stores, per chunk it touches, one small Parquet object with the positions
 * of the updated rows (`PATCH_ROW`, uint32, ascending) and their new values for the updated columns,
 * and appends it to the chunk's manifest entry; readers overlay a chunk's patches, oldest first, right
 * after decoding it. Ten updates of 5% of one column so store about 10 x 5% x (4 + value width) bytes
 * per row instead of ten copies of every chunk they touch.
 *
 * Patch objects are encoded by the table's phase like any chunk, so every phase writes the same ids.
 * A chunk whose patches grow past `MAX_PATCHES` or cover half its rows is rewritten instead (see
 * ops/update.ts), which bounds the work a read spends on overlays. Whole-column patches add columns
 * (ops/add-columns.ts).
 */
import { Data, RecordBatch, Struct, Type, makeData, makeVector, vectorFromArray, type DataType, type Schema } from 'apache-arrow';

import { ErrorCode, WrappedError } from '../errors.js';
import { concatData, isFixedWidth } from '../table/concat.js';
import type { ChunkRef } from './manifest.js';
import type { Renamed } from './renamed-columns.js';

/** The patch column holding the chunk row each patch row replaces. */
export const PATCH_ROW = '__armillaria_row';

/** A chunk rewritten instead of patched once it would carry more patches than this. */
export const MAX_PATCHES = 16;

/**
 * One patch of a chunk: its object, how many rows it replaces, and which columns. A `full` patch
 * holds whole columns (every row, no `PATCH_ROW`): how a column is added to a table.
 */
export interface PatchRef {
  id: string;
  rows: number;
  bytes: number;
  columns: string[];
  full?: true;
  /** Columns renamed since the patch was written: table name -> name in its file (renamed-columns.ts). */
  renamed?: Renamed;
}

/** Rows of the chunk replaced by its patches, counting a row once per patch. */
export const patchedRows = (c: ChunkRef): number => (c.patches ?? []).reduce((n, p) => n + p.rows, 0);

/** The patches of `chunk` that touch any of `columns` (all of them when `columns` is undefined). */
export function patchesFor(chunk: ChunkRef, columns: readonly string[] | undefined): PatchRef[] {
  return (chunk.patches ?? []).filter((p) => !columns || p.columns.some((c) => columns.includes(c)));
}

/** Columns the chunk gets whole from patches (added after it was written): not in its own file. */
export function addedColumns(chunk: ChunkRef): Set<string> {
  return new Set((chunk.patches ?? []).filter((p) => p.full).flatMap((p) => p.columns));
}

/** What to decode of patch `p` for a read of `columns`. */
export function patchColumns(p: PatchRef, columns: readonly string[]): string[] {
  const wanted = p.columns.filter((c) => columns.includes(c));
  return p.full ? wanted : [PATCH_ROW, ...wanted];
}

/** A patch object as a chunk reference, so a phase can fetch and decode it like any chunk. */
export function patchAsChunk(p: PatchRef): ChunkRef {
  return { id: p.id, rows: p.rows, bytes: p.bytes, stats: {} };
}

/**
 * `batch` with `patches` (oldest first) applied, as a batch of `schema` (default: the batch's own): a
 * positional patch writes its values at rows `PATCH_ROW` of the columns it carries; a full patch
 * replaces or adds whole columns. Untouched columns are shared, not copied, and a fixed-width column
 * is copied once however many patches touch it.
 */
export function applyPatches(batch: RecordBatch, patches: readonly RecordBatch[], schema: Schema = batch.schema): RecordBatch {
  const columns = new Map<string, { data: Data; layers: Layer[] }>();
  batch.schema.fields.forEach((field, i) => columns.set(field.name, { data: batch.data.children[i]!, layers: [] }));
  for (const patch of patches) {
    const at = patch.getChild(PATCH_ROW)?.toArray() as Uint32Array | undefined;
    const rows = at ? (at.length > 0 ? at[at.length - 1]! + 1 : 0) : patch.numRows;
    if (at ? rows > batch.numRows : rows !== batch.numRows) {
      throw new WrappedError(ErrorCode.CorruptChunk, `catalog: column patch of ${patch.numRows} rows (up to row ${rows - 1}) does not fit a ${batch.numRows}-row chunk`);
    }
    patch.schema.fields.forEach((field, k) => {
      if (field.name === PATCH_ROW) return;
      const values = patch.data.children[k]!;
      if (!at) columns.set(field.name, { data: values, layers: [] });
      else columns.get(field.name)?.layers.push({ values, at });
    });
  }
  const children = schema.fields.map((f) => {
    const c = columns.get(f.name);
    if (!c) throw new WrappedError(ErrorCode.CorruptChunk, `table: a chunk has no column "${f.name}" and no patch that adds it`);
    return c.layers.length > 0 ? overlay(c.data, c.layers) : c.data;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, children }));
}

type Layer = { values: Data; at: Uint32Array };

/** A typed array of any element type (bigint for 64-bit integers), indexed loosely. */
type Elements = { [i: number]: unknown; slice(start: number, end: number): Elements };

/** `base` with, for each layer in order, `values[k]` at row `at[k]` for every k. */
function overlay(base: Data, layers: readonly Layer[]): Data {
  const type = base.type as DataType;
  if (isFixedWidth(type)) {
    const stride = base.stride;
    // Typed arrays of any element type (bigint for 64-bit integers): copied, then written in place.
    const out = (base.values as Elements).slice(0, base.length * stride);
    for (const { values, at } of layers) {
      const src = values.values as Elements;
      for (let k = 0; k < at.length; k++) for (let s = 0; s < stride; s++) out[at[k]! * stride + s] = src[k * stride + s]!;
    }
    return makeData({ type, length: base.length, ...validity(base, layers), data: out } as never);
  }
  if (type.typeId === Type.Bool) {
    const bits = copyBits(base.values as Uint8Array, base.offset, base.length);
    for (const { values, at } of layers) for (let k = 0; k < at.length; k++) setBit(bits, at[k]!, getBit(values.values as Uint8Array, values.offset + k));
    return makeData({ type, length: base.length, ...validity(base, layers), data: bits } as never);
  }
  return layers.reduce((data, { values, at }) => concatRuns(data, values, at) ?? rebuild(data, values, at), base);
}

/** The validity of `base` after the overlay: no bitmap when no side has nulls. */
function validity(base: Data, layers: readonly Layer[]): { nullCount: number; nullBitmap?: Uint8Array } {
  if (base.nullCount === 0 && layers.every((l) => l.values.nullCount === 0)) return { nullCount: 0 };
  const bits = base.nullCount > 0 ? copyBits(base.nullBitmap!, base.offset, base.length) : new Uint8Array((base.length + 7) >> 3).fill(0xff);
  for (const { values, at } of layers) {
    for (let k = 0; k < at.length; k++) setBit(bits, at[k]!, values.nullCount === 0 || getBit(values.nullBitmap!, values.offset + k));
  }
  let valid = 0;
  for (let r = 0; r < base.length; r++) valid += getBit(bits, r) ? 1 : 0;
  return { nullCount: base.length - valid, nullBitmap: bits };
}

/** Variable-width and nested types: the base's runs between patched rows, concatenated with the patch rows. */
function concatRuns(base: Data, values: Data, at: Uint32Array): Data | undefined {
  const parts: Data[] = [];
  let from = 0;
  for (let k = 0; k < at.length; k++) {
    if (at[k]! > from) parts.push(base.slice(from, at[k]! - from));
    parts.push(values.slice(k, 1));
    from = at[k]! + 1;
  }
  if (from < base.length) parts.push(base.slice(from, base.length - from));
  return parts.length === 0 ? base : concatData(parts);
}

/** The general fallback (dictionaries with different dictionaries, unions): through JS values. */
function rebuild(base: Data, values: Data, at: Uint32Array): Data {
  const out = [...makeVector(base)];
  const patch = makeVector(values);
  for (let k = 0; k < at.length; k++) out[at[k]!] = patch.get(k);
  return vectorFromArray(out, base.type as DataType).data[0]!;
}

function copyBits(bits: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset % 8 === 0) return bits.slice(offset >> 3, (offset >> 3) + ((length + 7) >> 3));
  const out = new Uint8Array((length + 7) >> 3);
  for (let r = 0; r < length; r++) setBit(out, r, getBit(bits, offset + r));
  return out;
}

const getBit = (bits: Uint8Array, i: number): boolean => (bits[i >> 3]! & (1 << (i & 7))) !== 0;

function setBit(bits: Uint8Array, i: number, on: boolean): void {
  if (on) bits[i >> 3]! |= 1 << (i & 7);
  else bits[i >> 3]! &= ~(1 << (i & 7));
}
