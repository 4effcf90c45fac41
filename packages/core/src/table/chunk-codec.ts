/**
 * Column chunk encode/decode in WebAssembly for phases whose Parquet work stays in JS (everything
 * before `native-parquet`): one Parquet file plus statistics per slice, and one record batch per
 * column chunk back.
 */
import type { RecordBatch, Table } from 'apache-arrow';

import { ErrorCode, WrappedError } from '../errors.js';
import type { ColumnChunk } from '../phases/types.js';

import { decodeChunk, encodeChunk, type Codec } from './parquet-codec.js';
import { chunkStats, type ChunkStats } from './stats.js';

export interface EncodedChunk {
  bytes: Uint8Array;
  rows: number;
  stats: ChunkStats;
}

export function encodeSlices(slices: readonly Table[], settings: { codec: Codec }): EncodedChunk[] {
  return slices.map((slice) => ({ bytes: encodeChunk(slice, settings.codec, slice.numRows), rows: slice.numRows, stats: chunkStats(slice) }));
}

/** One record batch per column chunk (decode batch size = its rows, so there is exactly one). */
export function decodeEach(buffers: readonly Uint8Array[], refs: readonly ColumnChunk[]): RecordBatch[] {
  return buffers.map((b, i) => {
    const { batches } = decodeChunk(b, refs[i]!.rows);
    if (batches.length !== 1) throw new WrappedError(ErrorCode.Internal, `parquet: column chunk ${refs[i]!.id} decoded to ${batches.length} batches, expected 1`);
    return batches[0]!;
  });
}
