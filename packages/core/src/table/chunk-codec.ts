/**
 * Chunk encode/decode in WebAssembly for phases whose Parquet work stays in JS (everything before
 * `native-parquet`): one Parquet file plus statistics per slice, and one record batch per chunk back.
 */
import type { RecordBatch, Table } from 'apache-arrow';

import type { ChunkRef } from '../catalog/manifest.js';
import { decodeChunk, encodeChunk, type Codec } from './parquet-codec.js';
import { encodedChunkStats } from './parquet-stats.js';
import type { ChunkStats } from './stats.js';

export interface EncodedChunk {
  bytes: Uint8Array;
  rows: number;
  stats: ChunkStats;
}

export async function encodeSlices(slices: readonly Table[], settings: { codec: Codec; chunkRows: number }): Promise<EncodedChunk[]> {
  const out: EncodedChunk[] = [];
  for (const slice of slices) {
    const bytes = await encodeChunk(slice, settings.codec, settings.chunkRows);
    out.push({ bytes, rows: slice.numRows, stats: encodedChunkStats(slice, bytes) });
  }
  return out;
}

export function decodeEach(buffers: readonly Uint8Array[], refs: readonly ChunkRef[], columns?: readonly string[]): RecordBatch[] {
  return buffers.flatMap((b, i) => decodeChunk(b, refs[i]!.rows, columns).batches);
}
