/**
 * sequential — the baseline. One chunk at a time: encode (parquet-wasm), compute statistics, hash,
 * write (the flush overlapping the next chunk's encode); on read: fetch, decode. Pure
 * TypeScript/WebAssembly: works without the Rust addon, on any store (it only uses the port).
 */
import type { RecordBatch } from 'apache-arrow';

import { ScratchBuffer } from '../scratch-buffer.js';
import { decodeEach } from '../table/chunk-codec.js';
import { encodeAndPut } from './port-io.js';
import type { Phase, PhaseContext, PhaseRuntime } from './types.js';

export const sequential: Phase = {
  name: 'sequential',
  summary: 'one chunk at a time: encode, hash, write; read, decode (pure TS/wasm, no addon)',
  needsNative: false,
  needsLocalFiles: false,
  pushdown: false,
  create({ chunks }: PhaseContext): PhaseRuntime {
    return {
      pushdown: false,
      writeChunks: (slices, settings) => encodeAndPut(chunks, slices, settings),
      async readChunks(refs, { columns, verify }) {
        const out: RecordBatch[] = [];
        const into = new ScratchBuffer(); // decode copies the bytes into wasm memory, so one buffer serves every chunk
        for (const ref of refs) {
          const bytes = await chunks.get(ref.id, { verify, into, sum: ref.sum });
          out.push(...decodeEach([bytes], [ref], columns));
        }
        return out;
      },
    };
  },
};
