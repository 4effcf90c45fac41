/**
 * Compaction (`tx.optimize`, `armillaria optimize`): a new version with the same rows in the same
 * order in fewer, cleaner chunks. Each run of chunks that are small (under half of `chunkRows`), carry
 * a deletion vector or patches, or hold dropped or renamed columns is read (patches applied, deleted
 * rows dropped, columns as the table has them) and written again,
 * cut at `chunkRows`; chunks that are full and clean are kept as they are, so their boundaries stay
 * and later overwrites still find them. A run of one clean small chunk (a table's last) is kept too.
 * It commits like any write: beside a concurrent writer of the same table one of the two retries.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { PhaseRuntime } from '../phases/types.js';
import { needsFold } from '../table/fold-chunk.js';
import { readManifest } from '../table/table-reader.js';
import { newlyStored, writeChunks } from '../table/table-writer.js';
import { makeManifest, type ChunkRef, type Manifest } from '../catalog/manifest.js';

/** What a compaction did. */
export interface OptimizeResult {
  chunksBefore: number;
  chunksAfter: number;
  /** Live rows read and written again. */
  rowsRewritten: number;
  /** Bytes of chunks the store did not hold before. */
  newBytes: number;
}

/** The chunk list of `current` compacted, and what that did (`chunks` is `current.chunks` when nothing needed it). */
export async function optimizeChunks(
  ctx: { runtime: PhaseRuntime; chunks: ChunkStore },
  table: string,
  current: Manifest,
): Promise<{ chunks: ChunkRef[]; result: OptimizeResult }> {
  // A chunk that read changes on its way out (deletes, patches, dropped or renamed columns) is not clean.
  const clean = (c: ChunkRef) => !needsFold(c);
  const untidy = (c: ChunkRef) => c.rows * 2 < current.chunkRows || !clean(c);
  const out: ChunkRef[] = [];
  let rowsRewritten = 0;
  let newBytes = 0;
  for (let i = 0; i < current.chunks.length; ) {
    let end = i;
    while (end < current.chunks.length && untidy(current.chunks[end]!)) end++;
    if (end === i || (end === i + 1 && clean(current.chunks[i]!))) {
      out.push(current.chunks[i]!);
      i++;
      continue;
    }
    const run = makeManifest(current.schema, current.chunks.slice(i, end), current);
    const rows = await readManifest(ctx, run, table);
    const written = await writeChunks(ctx.runtime, { schema: rows.schema, batches: rows.batches }, { codec: current.codec, chunkRows: current.chunkRows });
    out.push(...written.chunks.map(({ written: _w, ...ref }) => ref));
    rowsRewritten += rows.numRows;
    newBytes += newlyStored(written.chunks).newBytes;
    i = end;
  }
  const changed = rowsRewritten > 0;
  return { chunks: changed ? out : current.chunks, result: { chunksBefore: current.chunks.length, chunksAfter: changed ? out.length : current.chunks.length, rowsRewritten, newBytes } };
}
