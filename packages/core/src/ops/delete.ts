/**
 * Deleting rows by a filter (`tx.delete`, `armillaria delete --where`). Chunks that cannot match (by
 * their statistics) or do not match are kept as they are. A chunk with matching rows keeps its bytes
 * and gets a deletion vector (catalog/deletion-vector.ts) while more than half its rows live;
 * otherwise its live rows are written again.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { keepLive, liveMask, liveRows, showOnly } from '../catalog/deletion-vector.js';
import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import type { PhaseRuntime } from '../phases/types.js';
import { filterMask, mayMatch, validateFilter, type Filter } from '../table/filter.js';
import { maskedSlices } from '../table/select-rows.js';
import { readChunkContents } from '../table/table-reader.js';
import { writeChunks } from '../table/table-writer.js';

/**
 * The chunks of table `name` once the rows of `current` matching `filter` are gone, and how many rows
 * that deleted.
 * @throws {InvalidArgumentError} the filter names a column the table lacks or compares it with a value of another type
 */
export async function deleteRows(ctx: { chunks: ChunkStore; runtime: PhaseRuntime }, name: string, current: Manifest, filter: Filter): Promise<{ chunks: ChunkRef[]; deleted: number }> {
  const schema = manifestSchema(current);
  validateFilter(filter, schema, name);
  const settings = { codec: current.codec, chunkRows: current.chunkRows, keys: current.keys };
  const out: ChunkRef[] = [];
  let deleted = 0;
  for (const ref of current.chunks) {
    if (!mayMatch(filter, ref.stats, ref.rows)) {
      out.push(ref);
      continue;
    }
    const [batch] = await readChunkContents(ctx.runtime, [ref], schema, {});
    const live = await liveMask(ctx.chunks, ref);
    const mask = keepLive(filterMask(filter, batch!), live);
    const hits = mask.reduce((n, m) => n + m, 0);
    if (hits === 0) {
      out.push(ref);
      continue;
    }
    deleted += hits;
    const keepMask = keepLive(mask.map((m) => 1 - m), live);
    const remaining = liveRows(ref) - hits;
    if (remaining * 2 > ref.rows) {
      out.push(await showOnly(ctx.chunks, ref, keepMask));
      continue;
    }
    const keep = maskedSlices(batch!, keepMask);
    if (keep.length === 0) continue;
    const { chunks } = await writeChunks(ctx.runtime, { schema, batches: keep }, settings);
    out.push(...chunks.map(({ written: _w, ...r }) => r));
  }
  return { chunks: out, deleted };
}
