/**
 * The write side shared by `batch`, `mmap` and `parallel-parse`: Parquet encode and statistics in
 * WebAssembly, then one native call that hashes, writes and fsyncs every chunk of the group in
 * parallel (rayon), results in input order.
 */
import { encodeSlices } from '../table/chunk-codec.js';
import type { NativeBinding } from './native-binding.js';
import type { EncodeSettings, StoredChunk } from './types.js';
import type { Table } from 'apache-arrow';

export async function writeBatched(native: NativeBinding, root: string, fsync: boolean, slices: readonly Table[], settings: EncodeSettings): Promise<StoredChunk[]> {
  const encoded = await encodeSlices(slices, settings);
  const puts = await native.putChunks(root, encoded.map((e) => e.bytes), fsync);
  return encoded.map((e, i) => ({ id: puts[i]!.id, rows: e.rows, bytes: e.bytes.byteLength, stats: e.stats, written: puts[i]!.written }));
}
