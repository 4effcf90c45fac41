/**
 * native-parquet — the Arrow data crosses once, as IPC bytes: splitting, Parquet encode, statistics,
 * hashing, writing and fsync are all native and parallel; reads fetch and decode natively and return
 * one IPC stream that JS views without copying. Native: `writeTable`, `readTable`. Expected: 1.5x+.
 * On object storage the addon encodes (`encodeChunks`) and decodes (`decodeChunks`), and the bytes
 * go through the port, in parallel.
 */
import { Table, Type, type Schema } from 'apache-arrow';

import type { ChunkRef } from '../catalog/manifest.js';
import { tableFromIpcBytes, tableToIpcPieces } from '../table/arrow-ipc.js';
import type { ChunkStats } from '../table/stats.js';
import { checkMapped, checkOf, nativeBinding } from './native-binding.js';
import { putEncoded } from './port-io.js';
import type { EncodeSettings, Phase, PhaseContext, PhaseRuntime, StoredChunk } from './types.js';

export function nativeParquetRuntime({ backend, chunks }: PhaseContext, name: string, pushdown: boolean): PhaseRuntime {
  const native = nativeBinding(`phase "${name}"`);
  const root = backend.localRoot;
  const stats = (json: string) => JSON.parse(json) as ChunkStats;
  // The addon cuts chunks every chunkRows rows, so the rows come as the caller's own batches
  // (sliceIntoRuns), not one slice per chunk: no JS slice of a string column, whose IPC form copies
  // its offsets (seed-wide 1M: 8 ms on the JS thread per write).
  const writeRows = async (rows: Table, { codec, chunkRows }: EncodeSettings): Promise<StoredChunk[]> => {
    if (rows.numRows === 0) return [];
    // In pieces, as apache-arrow emits them: the addon reads flat columns in place and joins other
    // streams into memory it reuses, where one joined JS buffer would be a fresh allocation faulted
    // in on the JS thread (seed-wide 1M: 44 MB per write).
    const ipc = await tableToIpcPieces(rows);
    if (root === undefined) {
      const encoded = await native.encodeChunks(ipc, { chunkRows, codec });
      return putEncoded(chunks, encoded.map((e) => ({ bytes: e.data, id: e.id, sum: e.sum, rows: e.rows, stats: stats(e.stats) })));
    }
    const stored = await native.writeTable(root, ipc, { chunkRows, codec, fsync: backend.durable });
    return stored.map((c) => ({ id: c.id, sum: c.sum, rows: c.rows, bytes: c.bytes, written: c.written, stats: stats(c.stats) }));
  };
  return {
    pushdown,
    writeRows,
    // writeTable stores chunks as it encodes them; encodeChunks returns the run's chunks, so runs stay.
    ...(root !== undefined ? { writesWhole: readInPlace, checkChunks: (refs: readonly ChunkRef[]) => checkMapped(native, root, refs) } : {}),
    writeChunks: (slices, settings) =>
      slices.length === 0 ? Promise.resolve([]) : writeRows(new Table(slices[0]!.schema, slices.flatMap((s) => s.batches)), settings),
    async readChunks(refs, { columns, verify, rows }) {
      if (refs.length === 0) return [];
      const ipc =
        root === undefined
          ? await native.decodeChunks(await chunks.getMany(refs, { verify }), { columns, rows })
          : await native.readTable(root, refs.map((r) => r.id), columns, checkOf(refs, verify), rows);
      return tableFromIpcBytes(ipc).batches;
    },
  };
}

/**
 * Column types the addon reads where they lie in a write's IPC pieces (`buffer_count` in the addon's
 * ipc_pieces.rs); a table with any other type is joined into one copy first, so it keeps runs.
 */
const IN_PLACE = new Set([
  Type.Int, Type.Float, Type.Decimal, Type.Date, Type.Time, Type.Timestamp, Type.Interval, Type.Duration,
  Type.Bool, Type.FixedSizeBinary, Type.Utf8, Type.Binary, Type.LargeUtf8, Type.LargeBinary,
]);

function readInPlace(schema: Schema): boolean {
  return schema.fields.every((f) => IN_PLACE.has(f.typeId));
}

export const nativeParquet: Phase = {
  name: 'native-parquet',
  summary: 'Arrow crosses once as IPC; Parquet encode/decode, statistics, hashing and I/O native and parallel',
  needsNative: true,
  needsLocalFiles: false,
  pushdown: false,
  create: (ctx) => nativeParquetRuntime(ctx, 'native-parquet', false),
};
