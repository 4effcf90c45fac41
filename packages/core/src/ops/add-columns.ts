/**
 * Adding columns in place: every chunk keeps its file and gains one full-column patch
 * (catalog/column-patch.ts) holding the new columns for its rows, so a version with a new column stores that
 * column alone. Chunks written afterwards hold every column in their own file. Schema evolution
 * (evolve.ts) patches whole columns the same way.
 */
import { Table, type Schema } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { InvalidArgumentError } from '../errors.js';
import type { PhaseRuntime } from '../phases/types.js';
import { wholeColumn } from '../table/concat.js';
import { appendFields, columnNameProblems } from '../table/schema.js';
import { chunkStats } from '../table/stats.js';
import { CHUNKS_PER_CALL } from '../table/table-writer.js';
import { takeColumn } from '../table/select-rows.js';
import { PATCH_ROW, type PatchRef } from '../catalog/column-patch.js';
import { liveMask, liveRows } from '../catalog/deletion-vector.js';
import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';

/** The table's schema with `columns` appended, and its chunk list with each chunk's share of them. */
export async function addColumns(
  ctx: { runtime: PhaseRuntime; chunks: ChunkStore },
  table: string,
  current: Manifest,
  columns: Table,
): Promise<{ schema: Schema; chunks: ChunkRef[] }> {
  const schema = manifestSchema(current);
  const names = columns.schema.fields.map((f) => f.name);
  if (names.length === 0) throw new InvalidArgumentError('add columns: no column given');
  const taken = names.find((n) => n === PATCH_ROW || schema.fields.some((f) => f.name === n));
  if (taken !== undefined) throw new InvalidArgumentError(`add columns: table "${table}" already has a column "${taken}"${taken === PATCH_ROW ? ' (reserved for patches)' : ''}`);
  const problems = columnNameProblems(columns.schema);
  if (problems.length > 0) throw new InvalidArgumentError(`add columns: column names must be non-empty and unique: ${problems.join('; ')}`);
  if (columns.numRows !== current.rows) {
    throw new InvalidArgumentError(`add columns: ${columns.numRows} rows given, table "${table}" has ${current.rows} (one value per row, in table order)`);
  }
  return { schema: appendFields(schema, columns.schema), chunks: await wholeColumnPatches(ctx, current, columns) };
}

/**
 * Each chunk of `current` with one more whole-column patch holding its rows of `columns` (one value
 * per live row, in table order): columns added, or replacing the chunk's own (schema evolution
 * widens a column so). Statistics of those columns come from the new values.
 */
export async function wholeColumnPatches(ctx: { runtime: PhaseRuntime; chunks: ChunkStore }, current: Manifest, columns: Table): Promise<ChunkRef[]> {
  const names = columns.schema.fields.map((f) => f.name);
  const values = columns.schema.fields.map((_, i) => wholeColumn(columns.getChildAt(i)!));
  const settings = { codec: current.codec, chunkRows: current.chunkRows };
  const out: ChunkRef[] = [];
  let offset = 0;
  for (let i = 0; i < current.chunks.length; i += CHUNKS_PER_CALL) {
    const group = current.chunks.slice(i, i + CHUNKS_PER_CALL);
    const parts: Table[] = [];
    for (const ref of group) {
      const rows = rowsOf(ref, await liveMask(ctx.chunks, ref), offset);
      offset += liveRows(ref);
      const data = values.map((v) => (typeof rows === 'number' ? v.slice(rows, ref.rows) : takeColumn(v, Uint32Array.from(rows))));
      parts.push(new Table(Object.fromEntries(names.map((n, k) => [n, data[k]!])) as never));
    }
    // One phase call per chunk (a call cuts its input at chunkRows), all at once.
    const stored = await Promise.all(parts.map(async (t) => (await ctx.runtime.writeChunks([t], { ...settings, chunkRows: Math.max(settings.chunkRows, t.numRows) }))[0]!));
    group.forEach((ref, k) => {
      const patch = { id: stored[k]!.id, rows: ref.rows, bytes: stored[k]!.bytes, columns: names, full: true as const };
      out.push({ ...ref, stats: { ...ref.stats, ...chunkStats(parts[k]!) }, patches: [...superseded(ref.patches ?? [], names), patch] });
    });
  }
  return out;
}

/** `patches` without their values of `columns` (a whole-column patch of them follows); empty ones dropped. */
function superseded(patches: readonly PatchRef[], columns: readonly string[]): PatchRef[] {
  return patches.map((p) => ({ ...p, columns: p.columns.filter((c) => !columns.includes(c)) })).filter((p) => p.columns.length > 0);
}

/**
 * Which input rows fill a chunk's stored rows: a start offset when no row is deleted, else one input
 * row per stored row (a deleted row repeats a neighbour's value: never read, and bounds stay valid).
 */
function rowsOf(ref: ChunkRef, live: Uint8Array | undefined, offset: number): number | number[] {
  if (!live) return offset;
  const rows: number[] = [];
  let next = offset;
  for (let r = 0; r < ref.rows; r++) {
    rows.push(Math.min(next, offset + liveRows(ref) - 1));
    if (live[r] === 1) next++;
  }
  return rows;
}
