/**
 * parallel-parse — writes as in `batch`; reads map the chunks (as in `mmap`) and decode them all in
 * one native call, in parallel across cores, returning one Arrow IPC stream that JS views without
 * copying. Native: `openPutStream`, `mapChunksInto`, `decodeChunks`. Expected: 1.2-1.5x multi-chunk read.
 * (Native threads rather than worker threads: no structured-clone or wasm instance per worker.)
 * On object storage: writes as `sequential`, reads fetch in parallel through the port and decode natively.
 */
import { tableFromIpcBytes } from '../table/arrow-ipc.js';
import { writeBatched } from './batched-writes.js';
import { MappedReads } from './map-window.js';
import { checkMapped, nativeBinding } from './native-binding.js';
import { encodeAndPut } from './port-io.js';
import type { Phase } from './types.js';

export const parallelParse: Phase = {
  name: 'parallel-parse',
  summary: 'Parquet decode of many chunks in parallel (native threads) from mapped files',
  needsNative: true,
  needsLocalFiles: false,
  pushdown: false,
  create({ backend, chunks }) {
    const native = nativeBinding('phase "parallel-parse"');
    const root = backend.localRoot;
    if (root === undefined) {
      return {
        pushdown: false,
        writeChunks: (slices, settings) => encodeAndPut(chunks, slices, settings),
        async readChunks(refs, { columns, verify }) {
          if (refs.length === 0) return [];
          return tableFromIpcBytes(await native.decodeChunks(await chunks.getMany(refs, { verify }), { columns })).batches;
        },
      };
    }
    const mapped = new MappedReads(native, root);
    return {
      pushdown: false,
      writeChunks: (slices, settings) => writeBatched(native, root, backend.durable, slices, settings),
      checkChunks: (refs) => checkMapped(native, root, refs),
      close: () => mapped.close(),
      async readChunks(refs, { columns, verify }) {
        if (refs.length === 0) return [];
        const ipc = await mapped.read(refs, verify, (views) => native.decodeChunks(views, { columns }));
        return tableFromIpcBytes(ipc).batches;
      },
    };
  },
};
