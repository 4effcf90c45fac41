/**
 * mmap — writes as in `batch`; reads map the chunk files into a region the store keeps and hand
 * them to JS as views of it, without a copy (map-window.ts). Safe because chunk files are immutable
 * and renamed into place (see the addon's mmap.rs). Native: `openPutStream`, `mapChunksInto`.
 * Expected: 1.3-1.5x read over batch. Maps files, so it needs a store in a local directory.
 */
import { decodeEach } from '../table/chunk-codec.js';
import { writeBatched } from './batched-writes.js';
import { MappedReads } from './map-window.js';
import { checkMapped, nativeBinding } from './native-binding.js';
import type { Phase } from './types.js';

export const mmap: Phase = {
  name: 'mmap',
  summary: 'reads map chunk files and hand them to JS without a copy',
  needsNative: true,
  needsLocalFiles: true,
  pushdown: false,
  create({ backend }) {
    const native = nativeBinding('phase "mmap"');
    const root = backend.localRoot!; // resolvePhase refuses other stores (needsLocalFiles)
    const mapped = new MappedReads(native, root);
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, backend.durable, slices, settings),
      checkChunks: (refs) => checkMapped(native, root, refs),
      close: () => mapped.close(),
      readChunks: (refs, { columns, verify }) => mapped.read(refs, verify, (views) => decodeEach(views, refs, columns)),
    };
  },
};
