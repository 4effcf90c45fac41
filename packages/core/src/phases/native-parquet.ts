/**
 * native-parquet — the Arrow data crosses once, as IPC bytes: splitting, Parquet encode, statistics,
 * hashing, writing and fsync are all native and parallel; reads fetch and decode natively and return
 * one IPC stream that JS views without copying. Native: `writeTable`, `readTable`. Expected: 1.5x+.
 */
import { Table } from 'apache-arrow';

import { tableFromIpcBytes, tableToIpcPieces } from '../table/arrow-ipc.js';
import type { ChunkStats } from '../table/stats.js';
import { checkOf, nativeBinding } from './native-binding.js';
import type { EncodeSettings, Phase, PhaseContext, PhaseRuntime, StoredChunk } from './types.js';

export function nativeParquetRuntime({ root, fsync }: PhaseContext, name: string, pushdown: boolean): PhaseRuntime {
  const native = nativeBinding(`phase "${name}"`);
  // The addon cuts chunks every chunkRows rows, so the rows come as the caller's own batches
  // (sliceIntoRuns), not one slice per chunk: no JS slice of a string column, whose IPC form copies
  // its offsets (seed-wide 1M: 8 ms on the JS thread per write).
  const writeRows = async (rows: Table, { codec, chunkRows }: EncodeSettings): Promise<StoredChunk[]> => {
    if (rows.numRows === 0) return [];
    // In pieces, as apache-arrow emits them: the addon reads flat columns in place and joins other
    // streams into memory it reuses, where one joined JS buffer would be a fresh allocation faulted
    // in on the JS thread (seed-wide 1M: 44 MB per write).
    const ipc = await tableToIpcPieces(rows);
    const stored = await native.writeTable(root, ipc, { chunkRows, codec, fsync });
    return stored.map((c) => ({ id: c.id, sum: c.sum, rows: c.rows, bytes: c.bytes, written: c.written, stats: JSON.parse(c.stats) as ChunkStats }));
  };
  return {
    pushdown,
    writeRows,
    writeChunks: (slices, settings) =>
      slices.length === 0 ? Promise.resolve([]) : writeRows(new Table(slices[0]!.schema, slices.flatMap((s) => s.batches)), settings),
    async readChunks(refs, { columns, verify, rows }) {
      if (refs.length === 0) return [];
      return tableFromIpcBytes(await native.readTable(root, refs.map((r) => r.id), columns, checkOf(refs, verify), rows)).batches;
    },
  };
}

export const nativeParquet: Phase = {
  name: 'native-parquet',
  summary: 'Arrow crosses once as IPC; Parquet encode/decode, statistics, hashing and I/O native and parallel',
  needsNative: true,
  pushdown: false,
  create: (ctx) => nativeParquetRuntime(ctx, 'native-parquet', false),
};
