/**
 * Row updates by key, stored as column patches (catalog/column-patch.ts): each row of the update names a
 * table row by its key columns and carries new values for some other columns. Every chunk that holds
 * a matching row keeps its bytes and gains one patch; a chunk whose patches would grow past
 * `MAX_PATCHES` or cover half its rows is rewritten with its patches and deleted rows folded in.
 *
 * The key columns of every chunk are read once (only those and the updated columns, with pushdown);
 * statistics of the updated columns are recomputed from the patched values, so filters keep skipping
 * chunks correctly.
 */
import { RecordBatch, Schema, Table, makeVector, type Vector } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { InvalidArgumentError, KeyNotFoundError, SchemaMismatchError } from '../errors.js';
import type { PhaseRuntime, StoredChunk } from '../phases/types.js';
import { castNumbers, schemaDifferences } from '../table/schema.js';
import { combineBatches, wholeColumn } from '../table/concat.js';
import { conformBatch } from '../table/conform.js';
import { cellEquality } from '../table/row-match.js';
import { chunkStats } from '../table/stats.js';
import { readChunkContents } from '../table/table-reader.js';
import { maskedSlices, takeColumn } from '../table/select-rows.js';
import { CHUNKS_PER_CALL, newlyStored, writeChunks } from '../table/table-writer.js';
import { applyPatches, MAX_PATCHES, PATCH_ROW, patchedRows } from '../catalog/column-patch.js';
import { liveMask, liveRows, showOnly } from '../catalog/deletion-vector.js';
import { describeKey, keyReader } from '../catalog/keys.js';
import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';

interface KeyOptions {
  /** Key columns that match update rows to table rows (default: the table's declared keys). */
  on?: readonly string[];
}

export interface UpdateOptions extends KeyOptions {
  /** Skip update rows whose key the table lacks, instead of failing with `KeyNotFoundError` (default false). */
  ignoreMissing?: boolean;
}

/** How `updateRows` treats rows beyond plain updates (what an upsert asks). */
interface RowPolicy {
  /** Leave a matching row alone when the update holds its values already (no patch for it). */
  skipUnchanged?: boolean;
  /** Delete table rows whose key no update row has. */
  deleteMissing?: boolean;
}

/** What applying an update did: the new chunk list, rows changed and deleted, and which update rows found their table row. */
export interface Updated {
  chunks: ChunkRef[];
  updated: number;
  deleted: number;
  /** Per update row, 1 when a table row has its key. */
  matched: Uint8Array;
}

/** The chunk list after applying `updates` to `current`, and how many table rows changed. */
export async function updateRows(
  ctx: { runtime: PhaseRuntime; chunks: ChunkStore },
  table: string,
  current: Manifest,
  updates: Table,
  options: KeyOptions & RowPolicy,
): Promise<Updated> {
  const schema = manifestSchema(current);
  const on = [...(options.on ?? current.keys ?? [])];
  updates = castNumbers(schema, updates);
  // One batch, so each chunk's patch takes its rows without joining the update's batches again.
  if (updates.batches.length > 1) updates = new Table(combineBatches(updates));
  const set = checkUpdate(table, schema, updates, on);
  const index = keyIndex(updates, on);
  const settings = { codec: current.codec, chunkRows: current.chunkRows, keys: current.keys };
  const read = new Schema(schema.fields.filter((f) => on.includes(f.name) || set.includes(f.name)));
  const out: ChunkRef[] = [];
  const matched = new Uint8Array(updates.numRows);
  let updated = 0;
  let deleted = 0;
  const incoming = updates.batches[0];
  for (let i = 0; i < current.chunks.length; i += CHUNKS_PER_CALL) {
    const group = current.chunks.slice(i, i + CHUNKS_PER_CALL);
    const batches = await readChunkContents(ctx.runtime, group, read, { columns: read.fields.map((f) => f.name) });
    const changed = await Promise.all(
      group.map(async (ref, c) => {
        const batch = batches[c]!;
        let live = await liveMask(ctx.chunks, ref);
        const keyAt = keyReader(on.map((k) => batch.getChild(k)!));
        // Whether update row `u` holds table row `r`'s values already (only asked when skipping those).
        const same = options.skipUnchanged && incoming ? set.map((n) => cellEquality(batch.getChild(n)!.data[0]!, incoming.getChild(n)!.data[0]!)) : [];
        const rows: number[] = [];
        const sources: number[] = [];
        const missing: number[] = [];
        for (let r = 0, n = batch.numRows; r < n; r++) {
          if (live && live[r] === 0) continue;
          const source = index.get(keyAt(r));
          if (source === undefined) {
            if (options.deleteMissing) missing.push(r);
            continue;
          }
          matched[source] = 1;
          if (same.length > 0 && same.every((eq) => eq(r, source))) continue;
          rows.push(r);
          sources.push(source);
        }
        updated += rows.length;
        deleted += missing.length;
        if (missing.length === liveRows(ref)) return [];
        let kept = ref;
        if (missing.length > 0) {
          live ??= new Uint8Array(ref.rows).fill(1);
          for (const r of missing) live[r] = 0;
          kept = await showOnly(ctx.chunks, ref, live);
        }
        return rows.length === 0 ? [kept] : (await changeChunk(ctx, { schema, settings }, { ref: kept, batch, live, source: updates, set, rows, sources })).refs;
      }),
    );
    out.push(...changed.flat());
  }
  return { chunks: out, updated, deleted, matched };
}

export interface UpsertOptions extends KeyOptions {
  /** Delete the table rows whose key the upsert's rows lack (they are the whole new content). */
  deleteMissing?: boolean;
}

/** What an upsert did, in rows. */
export interface UpsertResult {
  updated: number;
  inserted: number;
  deleted: number;
  /** Rows matched whose values were the same already (nothing stored for them). */
  unchanged: number;
}

/**
 * An upsert (`Transaction.upsert`): matching rows are updated (skipped when unchanged), missing
 * table rows deleted on request, and the rest of `rows` appended as new chunks.
 * @throws {SchemaMismatchError} `rows` has other columns than the table (an inserted row needs them all)
 */
export async function upsertRows(
  ctx: { runtime: PhaseRuntime; chunks: ChunkStore },
  table: string,
  current: Manifest,
  rows: Table,
  options: UpsertOptions,
): Promise<{ chunks: ChunkRef[]; result: UpsertResult }> {
  const schema = manifestSchema(current);
  rows = castNumbers(schema, rows);
  const diffs = schemaDifferences(schema, rows.schema);
  if (diffs.length > 0) throw new SchemaMismatchError(table, diffs);
  // One batch, joined once: updateRows takes it as it is, and the rows to insert are sliced from it.
  const joined = combineBatches(rows);
  rows = new Table(joined);
  const done = await updateRows(ctx, table, current, rows, { ...options, skipUnchanged: true });
  // Written under the table's schema (its dictionary ids), whatever the rows were built with.
  const fresh = maskedSlices(joined, done.matched.map((m) => 1 - m)).map((b) => conformBatch(b, schema));
  const settings = { codec: current.codec, chunkRows: current.chunkRows, keys: current.keys };
  const added = fresh.length > 0 ? (await writeChunks(ctx.runtime, { schema, batches: fresh }, settings)).chunks.map(({ written: _w, ...ref }) => ref) : [];
  const inserted = fresh.reduce((n, b) => n + b.numRows, 0);
  const matched = done.matched.reduce((n, m) => n + m, 0);
  return { chunks: [...done.chunks, ...added], result: { updated: done.updated, inserted, deleted: done.deleted, unchanged: matched - done.updated } };
}

/** The error for update rows that matched no table row: the first ten keys, and how many there are. */
export function unmatchedKeys(table: string, updates: Table, on: readonly string[], matched: Uint8Array): KeyNotFoundError {
  const keys = on.map((k) => updates.getChild(k)!);
  const named: string[] = [];
  let count = 0;
  for (let r = 0; r < matched.length; r++) if (matched[r] === 0 && count++ < 10) named.push(describeKey(on, keys, r));
  return new KeyNotFoundError(table, named, count);
}

/** The columns an update sets; throws, naming the problem, when it cannot apply to the table. */
function checkUpdate(table: string, schema: Schema, updates: Table, on: string[]): string[] {
  const incoming = updates.schema;
  if (on.length === 0) {
    throw new InvalidArgumentError(`update: table "${table}" declares no key columns; pass the columns that identify a row as \`on\``);
  }
  const names = incoming.fields.map((f) => f.name);
  const missing = on.find((k) => !names.includes(k));
  if (missing !== undefined) throw new InvalidArgumentError(`update: key column "${missing}" is not among the update's columns (${names.join(', ')})`);
  if (schema.fields.some((f) => f.name === PATCH_ROW)) throw new InvalidArgumentError(`update: table "${table}" has a column named "${PATCH_ROW}", reserved for patches`);
  // Types must match; nullability only matters if the update holds a null for a non-nullable column.
  const subset = new Schema(schema.fields.filter((f) => names.includes(f.name)).map((f) => f.clone({ nullable: true })), schema.metadata);
  const diffs = schemaDifferences(subset, new Schema(incoming.fields.map((f) => f.clone({ nullable: true }))));
  for (const f of schema.fields) if (!f.nullable && names.includes(f.name) && updates.getChild(f.name)!.nullCount > 0) diffs.push(`column "${f.name}" is non-nullable, the update holds nulls`);
  if (diffs.length > 0) throw new SchemaMismatchError(table, diffs);
  const set = schema.fields.map((f) => f.name).filter((n) => names.includes(n) && !on.includes(n));
  if (set.length === 0) throw new InvalidArgumentError(`update: the update sets no column besides its keys (${on.join(', ')})`);
  return set;
}

/** Update row index by key; a key given twice is an error (which value would win?). */
function keyIndex(updates: Table, on: string[]): Map<unknown, number> {
  const keys = on.map((k) => updates.getChild(k)!);
  const keyAt = keyReader(keys);
  const index = new Map<unknown, number>();
  for (let r = 0; r < updates.numRows; r++) {
    const key = keyAt(r);
    if (index.has(key)) throw new InvalidArgumentError(`update: key ${describeKey(on, keys, r)} appears twice in the update`);
    index.set(key, r);
  }
  return index;
}

/** The patch: chunk rows `rows` (ascending) take the `set` columns of update rows `sources`. */
function patchBatch(updates: Table, set: string[], rows: number[], sources: number[]): RecordBatch {
  const columns: Record<string, Vector> = { [PATCH_ROW]: makeVector(Uint32Array.from(rows)) };
  for (const name of set) columns[name] = makeVector(takeColumn(wholeColumn(updates.getChild(name)!), Uint32Array.from(sources)));
  return new Table(columns).batches[0]!;
}

/** New values for some rows of one chunk: its rows `rows` take the `set` columns of `source` rows `sources`. */
export interface ChunkChange {
  ref: ChunkRef;
  /** The chunk's current contents (patches applied, deleted rows included), with at least the `set` columns. */
  batch: RecordBatch;
  live: Uint8Array | undefined;
  source: Table;
  set: string[];
  rows: number[];
  sources: number[];
}

/** The entries that replace a changed chunk, and what of them was not in the store before. */
export interface ChangedChunk {
  refs: ChunkRef[];
  /** Chunks written (a patch is not a chunk). */
  newChunks: number;
  /** Bytes of the chunks and the patch written. */
  newBytes: number;
}

/**
 * The chunk entries that replace `change.ref`: itself with one more patch, or, once its patches would
 * pass `MAX_PATCHES` or cover half its rows, new chunks with its patches and deleted rows folded in.
 */
export async function changeChunk(
  ctx: { runtime: PhaseRuntime },
  table: { schema: Schema; settings: { codec: Manifest['codec']; chunkRows: number; keys?: string[] } },
  { ref, batch, live, source, set, rows, sources }: ChunkChange,
): Promise<ChangedChunk> {
  const patch = patchBatch(source, set, rows, sources);
  if ((ref.patches?.length ?? 0) >= MAX_PATCHES || (patchedRows(ref) + rows.length) * 2 > ref.rows) {
    const chunks = await rewrite(ctx, table.schema, ref, patch, live, table.settings);
    return { refs: chunks.map(({ written: _w, ...r }) => r), ...newlyStored(chunks) };
  }
  // One phase call per patch: a call cuts its input into chunks of chunkRows rows.
  const [stored] = await ctx.runtime.writeChunks([new Table(patch)], { ...table.settings, chunkRows: Math.max(table.settings.chunkRows, rows.length) });
  const stats = chunkStats(new Table(applyPatches(batch, [patch])).select(set));
  const entry = { id: stored!.id, rows: rows.length, bytes: stored!.bytes, columns: set };
  return { refs: [{ ...ref, stats: { ...ref.stats, ...stats }, patches: [...(ref.patches ?? []), entry] }], newChunks: 0, newBytes: stored!.written ? stored!.bytes : 0 };
}

/** The chunk with its patches, the new patch and its deleted rows folded in, as new chunks. */
async function rewrite(
  ctx: { runtime: PhaseRuntime },
  schema: Schema,
  ref: ChunkRef,
  patch: RecordBatch,
  live: Uint8Array | undefined,
  settings: { codec: Manifest['codec']; chunkRows: number; keys?: string[] },
): Promise<StoredChunk[]> {
  const [whole] = await readChunkContents(ctx.runtime, [ref], schema, {});
  const patched = applyPatches(whole!, [patch]);
  return (await writeChunks(ctx.runtime, { schema, batches: live ? maskedSlices(patched, live) : [patched] }, settings)).chunks;
}
