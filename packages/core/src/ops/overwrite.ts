/**
 * An overwrite keeps what did not change; rows are compared exactly, decoded, chunk by chunk.
 *
 * - Same row count: row for row. An unchanged chunk is kept; a chunk with changes in at most half its
 *   rows gains a column patch of the changed columns (update.ts); a chunk mostly changed is written
 *   again. So re-importing a table with some corrected values stores the corrections.
 * - Otherwise (rows inserted or deleted): the rows the new table shares with the current version at
 *   its start and at its end keep their chunks, and only the rows between are encoded and stored. A
 *   chunk the common prefix or suffix ends inside is kept with a deletion vector hiding its other rows
 *   (one run: 8 bytes) while an eighth of its rows stays visible (so a read decodes at most 8 rows per
 *   row it returns from it); otherwise those rows are written again. Inserting 3% of rows mid-table
 *   so stores about 3%, wherever chunk boundaries fall.
 * - When the rows between are many (edits spread over the table: every 25th row deleted, rows
 *   inserted here and there, an upsert), every row is found by its hash (row-align.ts): each run of
 *   new rows standing for rows of one old chunk, in order, keeps that chunk with a deletion vector
 *   hiding the rest and a column patch for the rows that changed (compared exactly, so a hash
 *   collision costs bytes, never data); inserted rows, and runs too short or too changed to keep, are
 *   written.
 *
 * An unrelated table costs the decode of one chunk per end.
 */
import { RecordBatch, Table, type Schema } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { PhaseRuntime } from '../phases/types.js';
import { combineBatches } from '../table/concat.js';
import type { Codec } from '../table/parquet-codec.js';
import { alignRows } from '../table/row-align.js';
import { rowHashes } from '../table/row-hash.js';
import { differingRows, matchingRows } from '../table/row-match.js';
import { readChunkContents } from '../table/table-reader.js';
import { maskedSlices } from '../table/select-rows.js';
import { CHUNKS_PER_CALL } from '../table/table-writer.js';
import { liveMask, liveRows, showOnly } from '../catalog/deletion-vector.js';
import { makeManifest, manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { changeChunk } from './update.js';

/** A chunk the prefix or suffix ends inside is kept only if this share of its rows stays visible. */
export const MIN_KEPT_SHARE = 1 / 8;

/** The new version in order: chunk entries kept (possibly patched), and row ranges of the new table to write. */
export type Segment = { keep: ChunkRef } | { write: [number, number] };

/** The segments of the next version, and what the patches and rewrites among them stored. */
export interface Reuse {
  segments: Segment[];
  /** Chunks written while keeping (rewritten ones; a patch is not a chunk). */
  newChunks: number;
  /** Bytes of the chunks and patches written while keeping. */
  newBytes: number;
}

type Ctx = { runtime: PhaseRuntime; chunks: ChunkStore };

/** Whether a table of `schema` written with `settings` could share chunks with `current`. */
export function canReuse(current: Manifest, schema: Schema, settings: { codec: Codec; chunkRows: number }): boolean {
  return current.codec === settings.codec && current.chunkRows === settings.chunkRows && makeManifest(schema, [], settings).schema === current.schema;
}

/**
 * What of `current` the table `next` (same schema and settings) can keep. A table of the same row
 * count is first compared row for row, chunk by chunk: a chunk with a few changed rows gains a
 * column patch (update.ts), one with many is written again. Otherwise, or when the first chunk
 * already differs mostly, the common prefix and suffix are kept.
 */
export async function reuseUnchanged(ctx: Ctx, current: Manifest, next: Table): Promise<Reuse> {
  const aligned = next.numRows === current.rows ? await alignedChanges(ctx, current, next) : undefined;
  if (aligned) return aligned;
  const { head, tail, from, to, shared } = await commonEnds(ctx, current, next);
  if (shared > 0 && to - from > next.numRows / 16) return spreadChanges(ctx, current, next);
  const segments = [...head.map((keep) => ({ keep })), ...(to > from ? [{ write: [from, to] as [number, number] }] : []), ...tail.map((keep) => ({ keep }))];
  return { segments, newChunks: 0, newBytes: 0 };
}

/** Row-for-row changes of a table of the same row count; undefined when its first chunk is mostly new. */
async function alignedChanges(ctx: Ctx, current: Manifest, next: Table): Promise<Reuse | undefined> {
  const schema = manifestSchema(current);
  const table = { schema, settings: { codec: current.codec, chunkRows: current.chunkRows, ...(current.keys ? { keys: current.keys } : {}) } };
  const out: Segment[] = [];
  let newChunks = 0;
  let newBytes = 0;
  let start = 0;
  for await (const { ref, all, rows, live } of visibleChunks(ctx, current, false)) {
    const count = liveRows(ref);
    const theirs = rows && rowsOf(next, start, count);
    // The common case first: an unchanged chunk, found by the tight-loop comparison.
    const same = rows && theirs && matchingRows(rows, theirs, false) === count;
    const diff = same ? { rows: [], columns: [] } : rows && theirs && differingRows(rows, theirs);
    if (!diff || diff.rows.length * 2 > count) {
      if (start === 0) return undefined; // an unrelated table: the common ends will say so cheaply
      pushWrite(out, start, start + count);
    } else if (diff.rows.length === 0) {
      out.push({ keep: ref });
    } else {
      const change = { ref, batch: all, live, source: new Table(theirs!), set: diff.columns, rows: fileRows(live, diff.rows), sources: diff.rows };
      const changed = await changeChunk(ctx, table, change);
      out.push(...changed.refs.map((keep) => ({ keep })));
      newChunks += changed.newChunks;
      newBytes += changed.newBytes;
    }
    start += count;
  }
  return { segments: out, newChunks, newBytes };
}

/** Edits spread over the table, found by row hash: see the module comment. */
async function spreadChanges(ctx: Ctx, current: Manifest, next: Table): Promise<Reuse> {
  const schema = manifestSchema(current);
  const table = { schema, settings: { codec: current.codec, chunkRows: current.chunkRows, ...(current.keys ? { keys: current.keys } : {}) } };
  const chunks: { ref: ChunkRef; all: RecordBatch; live?: Uint8Array; first: number }[] = [];
  const oldHashes = new Float64Array(current.rows);
  const chunkOf = new Int32Array(current.rows);
  let at = 0;
  for await (const { ref, all, rows, live } of visibleChunks(ctx, current, false)) {
    const count = liveRows(ref);
    // Rows that cannot be made one batch never pair: distinct negative stand-ins (hashes are >= 0).
    if (rows) rowHashes(rows, oldHashes, at);
    else for (let r = 0; r < count; r++) oldHashes[at + r] = -1 - at - r;
    chunkOf.fill(chunks.length, at, at + count);
    chunks.push({ ref, all, ...(live ? { live } : {}), first: at });
    at += count;
  }
  const n = next.numRows; // a getter summing the batches: a file's stream has thousands
  const nextHashes = new Float64Array(n);
  let offset = 0;
  for (const batch of next.batches) {
    rowHashes(batch, nextHashes, offset);
    offset += batch.numRows;
  }
  const source = alignRows(oldHashes, nextHashes);

  const out: Segment[] = [];
  let newChunks = 0;
  let newBytes = 0;
  for (let j = 0; j < n; ) {
    const c = source[j]! < 0 ? -1 : chunkOf[source[j]!]!;
    let end = j + 1;
    while (end < n && c >= 0 && source[end]! > source[end - 1]! && chunkOf[source[end]!] === c) end++;
    if (c < 0) {
      while (end < n && source[end]! < 0) end++;
      pushWrite(out, j, end);
      j = end;
      continue;
    }
    const { ref, all, live, first } = chunks[c]!;
    const count = end - j;
    if (count < ref.rows * MIN_KEPT_SHARE) {
      pushWrite(out, j, end);
      j = end;
      continue;
    }
    // The run's rows in the chunk's file, and the run's old and new rows side by side.
    const kept = new Uint8Array(ref.rows);
    for (const r of fileRows(live, Array.from(source.subarray(j, end), (s) => s - first))) kept[r] = 1;
    const theirs = rowsOf(next, j, count);
    const ours = combineBatches(new Table(schema, maskedSlices(all, kept)));
    const diff = differingRows(ours, theirs);
    if (diff.rows.length * 2 > count) {
      pushWrite(out, j, end);
      j = end;
      continue;
    }
    const keep = await showOnly(ctx.chunks, ref, kept);
    if (diff.rows.length === 0) out.push({ keep });
    else {
      const change = { ref: keep, batch: all, live: kept, source: new Table(theirs!), set: diff.columns, rows: fileRows(kept, diff.rows), sources: diff.rows };
      const changed = await changeChunk(ctx, table, change);
      out.push(...changed.refs.map((k) => ({ keep: k })));
      newChunks += changed.newChunks;
      newBytes += changed.newBytes;
    }
    j = end;
  }
  return { segments: out, newChunks, newBytes };
}

/** Adds rows [from, to) of the new table to be written, joined to a range just before them (so they are cut into full chunks). */
function pushWrite(out: Segment[], from: number, to: number): void {
  const last = out[out.length - 1];
  if (last && 'write' in last && last.write[1] === from) last.write[1] = to;
  else out.push({ write: [from, to] });
}

/** Positions in the chunk's file of its visible rows `visible` (ascending). */
function fileRows(live: Uint8Array | undefined, visible: number[]): number[] {
  if (!live) return visible;
  const out: number[] = [];
  for (let r = 0, v = 0, k = 0; r < live.length && k < visible.length; r++) {
    if (live[r] === 0) continue;
    if (v++ === visible[k]) {
      out.push(r);
      k++;
    }
  }
  return out;
}

/**
 * The chunks of `current` that `next` shares at its start and at its end, the rows between, and how
 * many rows the ends have in common (kept or not: none means an unrelated table).
 */
async function commonEnds(ctx: Ctx, current: Manifest, next: Table): Promise<{ head: ChunkRef[]; tail: ChunkRef[]; from: number; to: number; shared: number }> {
  const limit = Math.min(current.rows, next.numRows);
  const head = await commonRun(ctx, current, next, false, limit);
  const tail = head.rows < limit ? await commonRun(ctx, current, next, true, limit - head.rows) : { refs: [], rows: 0, common: 0 };
  return { head: head.refs, tail: tail.refs, from: head.rows, to: next.numRows - tail.rows, shared: head.common + tail.common };
}

/**
 * The chunk entries holding the rows `next` shares with `current` from its start (or end), at most
 * `limit` rows, in table order: whole chunks, then the chunk the match ends inside, kept in part.
 */
async function commonRun(ctx: Ctx, current: Manifest, next: Table, fromEnd: boolean, limit: number): Promise<{ refs: ChunkRef[]; rows: number; common: number }> {
  let common = 0; // rows in common, kept or not
  const refs: ChunkRef[] = [];
  let matched = 0;
  const add = (ref: ChunkRef, rows: number) => {
    if (fromEnd) refs.unshift(ref);
    else refs.push(ref);
    matched += rows;
  };
  for await (const { ref, rows, live } of visibleChunks(ctx, current, fromEnd)) {
    const want = Math.min(rows?.numRows ?? 0, limit - matched);
    const theirs = want > 0 ? rowsOf(next, fromEnd ? next.numRows - matched - want : matched, want) : undefined;
    const same = rows && theirs ? matchingRows(rows, theirs, fromEnd) : 0;
    if (rows && same === rows.numRows) {
      add(ref, same);
      if (matched < limit) continue;
      break;
    }
    const part = same > 0 ? await keepVisible(ctx.chunks, ref, live, fromEnd ? rows!.numRows - same : 0, same) : undefined;
    if (part) add(part, same);
    common = matched + (part ? 0 : same);
    break;
  }
  return { refs, rows: matched, common: Math.max(common, matched) };
}

/**
 * The current version's chunks with their visible rows as one batch (`rows` undefined when the
 * decoded rows are not the chunk's live rows), from the start or the end. Groups grow 1, 2, 4, 8: an unrelated table costs
 * one chunk's decode per end.
 */
async function* visibleChunks(ctx: Ctx, current: Manifest, fromEnd: boolean): AsyncIterable<{ ref: ChunkRef; all: RecordBatch; rows?: RecordBatch; live?: Uint8Array }> {
  const schema = manifestSchema(current);
  const order = fromEnd ? [...current.chunks].reverse() : current.chunks;
  for (let i = 0, size = 1; i < order.length; i += size, size = Math.min(size * 2, CHUNKS_PER_CALL)) {
    const group = order.slice(i, i + size);
    const batches = await readChunkContents(ctx.runtime, group, schema, {});
    for (let c = 0; c < group.length; c++) {
      const ref = group[c]!;
      const live = await liveMask(ctx.chunks, ref);
      const rows = live ? combineBatches(new Table(schema, maskedSlices(batches[c]!, live))) : batches[c]!;
      yield { ref, all: batches[c]!, ...(rows && rows.numRows === liveRows(ref) ? { rows } : {}), ...(live ? { live } : {}) };
    }
  }
}

/** Rows [start, start + count) of `table` as one batch. */
function rowsOf(table: Table, start: number, count: number): RecordBatch {
  return combineBatches(table.slice(start, start + count));
}

/**
 * `ref` showing only its visible rows [first, first + count) (counted among visible rows), or
 * undefined when that leaves less than `MIN_KEPT_SHARE` of its rows visible.
 */
async function keepVisible(store: ChunkStore, ref: ChunkRef, live: Uint8Array | undefined, first: number, count: number): Promise<ChunkRef | undefined> {
  if (count < ref.rows * MIN_KEPT_SHARE) return undefined;
  const kept = new Uint8Array(ref.rows);
  let visible = 0; // visible rows before row r
  for (let r = 0; r < ref.rows; r++) {
    if (live && live[r] === 0) continue;
    if (visible >= first && visible < first + count) kept[r] = 1;
    visible++;
  }
  return showOnly(store, ref, kept);
}
