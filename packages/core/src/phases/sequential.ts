/**
 * sequential — the baseline. One chunk at a time: encode (parquet-wasm), compute statistics, hash,
 * write; on read: fetch, decode. Pure TypeScript/WebAssembly: works without the Rust addon.
 */
import type { RecordBatch } from 'apache-arrow';

import { ScratchBuffer } from '../scratch-buffer.js';
import { decodeEach, encodeSlices } from '../table/chunk-codec.js';
import type { Phase, PhaseContext, PhaseRuntime, StoredChunk } from './types.js';

export const sequential: Phase = {
  name: 'sequential',
  summary: 'one chunk at a time: encode, hash, write; read, decode (pure TS/wasm, no addon)',
  needsNative: false,
  pushdown: false,
  create({ chunks }: PhaseContext): PhaseRuntime {
    return {
      pushdown: false,
      async writeChunks(slices, settings) {
        const out: StoredChunk[] = [];
        for (const slice of slices) {
          const [chunk] = await encodeSlices([slice], settings);
          const put = await chunks.put(chunk!.bytes);
          out.push({ id: put.id, rows: chunk!.rows, bytes: chunk!.bytes.byteLength, stats: chunk!.stats, written: put.written });
        }
        return out;
      },
      async readChunks(refs, { columns, verify }) {
        const out: RecordBatch[] = [];
        const into = new ScratchBuffer(); // decode copies the bytes into wasm memory, so one buffer serves every chunk
        for (const ref of refs) {
          const bytes = await chunks.get(ref.id, { verify, into });
          out.push(...decodeEach([bytes], [ref], columns));
        }
        return out;
      },
    };
  },
};
