/**
 * Deletion vectors: rows deleted from a chunk without rewriting it. A delete that leaves most of a
 * chunk stores the positions of its deleted rows (sorted, uint32 little-endian, in the object store
 * like any object) and points the chunk's manifest entry at them; readers drop those rows. So deleting
 * 4% of rows scattered over a table stores about 4 bytes per deleted row, not the table again. A
 * chunk that loses half its rows or more is rewritten instead, which bounds the rows read for nothing.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { ErrorCode, WrappedError } from '../errors.js';
import type { ChunkRef } from './manifest.js';

/** Rows of the chunk that are not deleted. */
export const liveRows = (c: ChunkRef): number => c.rows - (c.deleted?.rows ?? 0);

/** Stores the sorted row positions `deleted` of a chunk; returns the manifest entry's `deleted`. */
export async function putDeletionVector(store: ChunkStore, deleted: Uint32Array): Promise<{ id: string; rows: number }> {
  const bytes = new Uint8Array(deleted.length * 4);
  const view = new DataView(bytes.buffer);
  deleted.forEach((row, i) => view.setUint32(i * 4, row, true));
  return { id: (await store.put(bytes)).id, rows: deleted.length };
}

/** `mask` with every deleted row cleared (in place), given the chunk's live mask. */
export function keepLive(mask: Uint8Array, live: Uint8Array | undefined): Uint8Array {
  if (live) for (let r = 0; r < mask.length; r++) mask[r]! &= live[r]!;
  return mask;
}

/** 1 for each live row of the chunk, 0 for each deleted one; undefined when nothing is deleted. */
export async function liveMask(store: ChunkStore, chunk: ChunkRef, verify = false): Promise<Uint8Array | undefined> {
  if (!chunk.deleted) return undefined;
  const bytes = await store.get(chunk.deleted.id, { verify });
  if (bytes.byteLength !== chunk.deleted.rows * 4) {
    throw new WrappedError(ErrorCode.CorruptChunk, `catalog: deletion vector ${chunk.deleted.id} holds ${bytes.byteLength} bytes, expected ${chunk.deleted.rows * 4}`);
  }
  const mask = new Uint8Array(chunk.rows).fill(1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < chunk.deleted.rows; i++) mask[view.getUint32(i * 4, true)] = 0;
  return mask;
}
