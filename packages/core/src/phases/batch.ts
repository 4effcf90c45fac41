/**
 * batch — one native batch stores all chunks of a write group (hash + write + fsync on the addon's
 * rayon pool, each chunk starting as soon as it is encoded; directories fsynced once at the end) and
 * one native call fetches all chunks of a read. Parquet encode/decode stay in WebAssembly, as in
 * `sequential`. Native: `openPutStream`, `getChunksInto`. Expected: 2-3x write, 1.5x read over
 * sequential (the roadmap's guess; encode on the JS thread bounds what storing in parallel can buy).
 * On object storage: writes as `sequential`, reads fetch every chunk of a group in parallel.
 */
import { ScratchBuffer, ScratchPool } from '../scratch-buffer.js';
import { decodeEach } from '../table/chunk-codec.js';
import { writeBatched } from './batched-writes.js';
import { checkMapped, checkOf, nativeBinding } from './native-binding.js';
import { encodeAndPut } from './port-io.js';
import type { Phase } from './types.js';

export const batch: Phase = {
  name: 'batch',
  summary: 'one native batch per group of chunks: hash + write + fsync on the pool while the next encodes; parallel reads',
  needsNative: true,
  needsLocalFiles: false,
  pushdown: false,
  create({ backend, chunks }) {
    const native = nativeBinding('phase "batch"');
    const root = backend.localRoot;
    if (root === undefined) {
      return {
        pushdown: false,
        writeChunks: (slices, settings) => encodeAndPut(chunks, slices, settings),
        readChunks: async (refs, { columns, verify }) => decodeEach(await chunks.getMany(refs, { verify }), refs, columns),
      };
    }
    // Reads land in memory kept from the last read (decode copies them into wasm memory, so the
    // buffer is free again once decoded): a fresh buffer per read costs a page fault per 4 KiB.
    const scratch = new ScratchPool(() => new ScratchBuffer());
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, backend.durable, slices, settings),
      checkChunks: (refs) => checkMapped(native, root, refs),
      readChunks: (refs, { columns, verify }) =>
        scratch.use(async (into) => {
          const sizes = refs.map((r) => r.bytes);
          const target = into.take(sizes.reduce((n, s) => n + s, 0));
          await native.getChunksInto(root, refs.map((r) => r.id), sizes, target, checkOf(refs, verify));
          let at = 0;
          const views = sizes.map((s) => target.subarray(at, (at += s)));
          return decodeEach(views, refs, columns);
        }),
    };
  },
};
