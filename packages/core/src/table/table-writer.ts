/**
 * Turns a table source into stored chunks through a phase, a bounded group of chunks at a time. Each
 * chunk (a run of rows at content-defined boundaries, source.ts) is stored as one object per column,
 * so a column that did not change between versions is not stored again.
 */
import { RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';

import type { ChunkRef } from '../catalog/manifest.js';
import { InvalidArgumentError } from '../errors.js';
import type { PhaseRuntime, StoredColumnChunk } from '../phases/types.js';
import type { Codec } from './parquet-codec.js';
import { groupsOf, sliceIntoChunks, type ChunkingSettings, type TableSource } from './source.js';

// Chunks per phase call: enough for the native phases to use every core, few enough to bound memory
// (a group is held decoded and encoded at once): 32 x 32768 rows on average, the ~1M rows that 8
// chunks of 131072 held before chunk boundaries became content-defined. (Import of a 5M-row,
// 5-column Parquet file peaked at 528 MB RSS with groups of 2M rows, vs 155 MB of Arrow data.)
export const CHUNKS_PER_CALL = 32;

export interface WrittenChunks {
  chunks: ChunkRef[];
  rows: number;
  /** Column chunks this write created, and their bytes (the rest were already stored). */
  newObjects: number;
  newBytes: number;
}

export async function writeChunks(
  runtime: PhaseRuntime,
  source: TableSource,
  settings: ChunkingSettings & { codec: Codec },
  onProgress?: (rows: number) => void,
): Promise<WrittenChunks> {
  const out: WrittenChunks = { chunks: [], rows: 0, newObjects: 0, newBytes: 0 };
  const fields = source.schema.fields;
  for await (const group of groupsOf(sliceIntoChunks(source, settings), CHUNKS_PER_CALL)) {
    const columns: StoredColumnChunk[][] = [];
    for (let c = 0; c < fields.length; c++) {
      columns.push(await runtime.writeChunks(group.map((chunk) => columnOf(chunk, c)), { codec: settings.codec }));
    }
    group.forEach((chunk, i) => {
      const stored = columns.map((col) => col[i]!);
      out.chunks.push({
        rows: chunk.numRows,
        bytes: stored.reduce((n, s) => n + s.bytes, 0),
        columns: stored.map((s) => s.id),
        stats: Object.assign({}, ...stored.map((s) => s.stats)),
      });
      for (const s of stored.filter((s) => s.written)) {
        out.newObjects++;
        out.newBytes += s.bytes;
      }
    });
    out.rows += group.reduce((n, t) => n + t.numRows, 0);
    onProgress?.(out.rows);
  }
  return out;
}

/** Column `c` of a chunk as a single-column table (zero-copy; no schema metadata, so a column's bytes do not depend on it). */
function columnOf(chunk: Table, c: number): Table {
  const field = chunk.schema.fields[c]!;
  const schema = new Schema([field]);
  const type = new Struct([field]);
  return new Table(schema, chunk.batches.map((b) => new RecordBatch(schema, makeData({ type, length: b.numRows, nullCount: 0, children: [b.data.children[c]!] }))));
}

export function checkChunkRows(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`table: invalid chunkRows ${JSON.stringify(value)} (expected a positive integer)`);
  }
  return value;
}
