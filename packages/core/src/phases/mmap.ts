/**
 * mmap — writes as in `batch`; reads map the chunk files and hand them to JS as external buffers,
 * without a copy. Safe because chunk files are immutable and renamed into place (see the addon's
 * mmap.rs). Native: `openPutStream`, `mapChunks`. Expected: 1.3-1.5x read over batch.
 */
import { decodeEach } from '../table/chunk-codec.js';
import { writeBatched } from './batched-writes.js';
import { nativeBinding } from './native-binding.js';
import type { Phase } from './types.js';

export const mmap: Phase = {
  name: 'mmap',
  summary: 'reads map chunk files and hand them to JS without a copy',
  needsNative: true,
  pushdown: false,
  create({ root, fsync }) {
    const native = nativeBinding('phase "mmap"');
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, fsync, slices, settings),
      async readChunks(refs, { columns, verify }) {
        return decodeEach(await native.mapChunks(root, refs.map((r) => r.id), verify ?? false), refs, columns);
      },
    };
  },
};
