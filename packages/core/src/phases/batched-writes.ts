/**
 * The write side shared by `batch`, `mmap` and `parallel-parse`: Parquet encode and statistics in
 * WebAssembly on the JS thread, each chunk handed to one native put stream as soon as it is encoded,
 * so the addon's pool hashes, writes and fsyncs it while the next chunk encodes. The stream is one
 * batch: directories are fsynced once at its end, and results come back in input order.
 */
import { encodeSlices } from '../table/chunk-codec.js';
import type { NativeBinding } from './native-binding.js';
import type { EncodeSettings, StoredChunk } from './types.js';
import type { Table } from 'apache-arrow';

export async function writeBatched(native: NativeBinding, root: string, fsync: boolean, slices: readonly Table[], settings: EncodeSettings): Promise<StoredChunk[]> {
  const stream = native.openPutStream(root, fsync);
  const encoded = [];
  try {
    for (const slice of slices) {
      const [chunk] = await encodeSlices([slice], settings);
      encoded.push(chunk!);
      stream.add(chunk!.bytes);
    }
  } catch (e) {
    // Let the chunks already handed over finish before reporting: no write outlives the call.
    await stream.finish().catch(() => undefined);
    throw e;
  }
  const puts = await stream.finish();
  return encoded.map((e, i) => ({ id: puts[i]!.id, sum: puts[i]!.sum, rows: e.rows, bytes: e.bytes.byteLength, stats: e.stats, written: puts[i]!.written }));
}
