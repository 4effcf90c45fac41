/**
 * batch — one native call stores all chunks of a write group (hash + write + fsync in parallel with
 * rayon) and one fetches all chunks of a read. Parquet encode/decode stay in WebAssembly, as in
 * `sequential`. Native: `putChunks`, `getChunksInto`. Expected: 2-3x write, 1.5x read over sequential.
 */
import { ScratchPool } from '../scratch-buffer.js';
import { decodeEach } from '../table/chunk-codec.js';
import { writeBatched } from './batched-writes.js';
import { nativeBinding } from './native-binding.js';
import type { Phase } from './types.js';

export const batch: Phase = {
  name: 'batch',
  summary: 'one native call per group of chunks: parallel hash + write + fsync; parallel reads',
  needsNative: true,
  pushdown: false,
  create({ root, fsync }) {
    const native = nativeBinding('phase "batch"');
    // Reads land in memory kept from the last read (decode copies them into wasm memory, so the
    // buffer is free again once decoded): a fresh buffer per read costs a page fault per 4 KiB.
    const scratch = new ScratchPool();
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, fsync, slices, settings),
      readChunks: (refs, { columns, verify }) =>
        scratch.use(async (into) => {
          const sizes = refs.map((r) => r.bytes);
          const target = into.take(sizes.reduce((n, s) => n + s, 0));
          await native.getChunksInto(root, refs.map((r) => r.id), sizes, target, verify ?? false);
          let at = 0;
          const views = sizes.map((s) => target.subarray(at, (at += s)));
          return decodeEach(views, refs, columns);
        }),
    };
  },
};
