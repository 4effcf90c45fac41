/**
 * batch — one native call stores all chunks of a write group (hash + write + fsync in parallel with
 * rayon) and one fetches all chunks of a read. Parquet encode/decode stay in WebAssembly, as in
 * `sequential`. Native: `putChunks`, `getChunks`. Expected: 2-3x write, 1.5x read over sequential.
 */
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
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, fsync, slices, settings),
      async readChunks(refs, { columns, verify }) {
        return decodeEach(await native.getChunks(root, refs.map((r) => r.id), verify ?? false), refs, columns);
      },
    };
  },
};
