/**
 * sequential — the baseline. One chunk at a time: encode (parquet-wasm), compute statistics, hash,
 * write; on read: fetch, decode. Pure TypeScript/WebAssembly: works without the Rust addon.
 */
import type { RecordBatch } from 'apache-arrow';

import { checkHash } from '../chunk-store/chunk-store.js';
import { decodeChunk, encodeChunk } from '../table/parquet-codec.js';
import { chunkStats } from '../table/stats.js';
import type { Phase, PhaseContext, PhaseRuntime, StoredChunk } from './types.js';

export const sequential: Phase = {
  name: 'sequential',
  summary: 'one chunk at a time: encode, hash, write; read, decode (pure TS/wasm, no addon)',
  needsNative: false,
  create({ chunks }: PhaseContext): PhaseRuntime {
    return {
      async writeChunks(slices, { codec, chunkRows }) {
        const out: StoredChunk[] = [];
        for (const slice of slices) {
          const bytes = encodeChunk(slice, codec, chunkRows);
          const put = await chunks.put(bytes);
          out.push({ id: put.id, rows: slice.numRows, bytes: bytes.byteLength, stats: chunkStats(slice), written: put.written });
        }
        return out;
      },
      async readChunks(refs, { columns, verify }) {
        const out: RecordBatch[] = [];
        for (const ref of refs) {
          const bytes = await chunks.get(ref.id);
          if (verify) checkHash(ref.id, bytes);
          out.push(...decodeChunk(bytes, ref.rows, columns).batches);
        }
        return out;
      },
    };
  },
};
