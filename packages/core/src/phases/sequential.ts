/**
 * sequential — the baseline. One chunk at a time: encode (parquet-wasm), compute statistics, hash,
 * write (the flush overlapping the next chunk's encode); on read: fetch, decode. Pure
 * TypeScript/WebAssembly: works without the Rust addon.
 */
import type { RecordBatch } from 'apache-arrow';

import { PutGroup } from '../chunk-store/chunk-store.js';
import { sumBytes } from '../hash/chunk-sum.js';
import { ScratchBuffer } from '../scratch-buffer.js';
import { decodeEach, encodeSlices } from '../table/chunk-codec.js';
import type { Phase, PhaseContext, PhaseRuntime, StoredChunk } from './types.js';

/** Chunks written but not yet durable, at most (Node's thread pool runs four jobs at once). */
const MAX_UNFINISHED_PUTS = 4;

export const sequential: Phase = {
  name: 'sequential',
  summary: 'one chunk at a time: encode, hash, write; read, decode (pure TS/wasm, no addon)',
  needsNative: false,
  pushdown: false,
  create({ chunks }: PhaseContext): PhaseRuntime {
    return {
      pushdown: false,
      async writeChunks(slices, settings) {
        // Each chunk's write and flush run in the thread pool while the next chunk encodes; the
        // directories are flushed once, at the end.
        const group = new PutGroup(chunks, { flushAtEnd: true });
        const out: Omit<StoredChunk, 'written'>[] = [];
        for (const slice of slices) {
          const [chunk] = await encodeSlices([slice], settings);
          out.push({ id: group.put(chunk!.bytes), sum: await sumBytes(chunk!.bytes), rows: chunk!.rows, bytes: chunk!.bytes.byteLength, stats: chunk!.stats });
          await group.atMost(MAX_UNFINISHED_PUTS);
        }
        const puts = await group.done();
        return out.map((c, i) => ({ ...c, written: puts[i]!.written }));
      },
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
