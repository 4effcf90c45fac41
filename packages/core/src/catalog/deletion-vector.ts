/**
 * Deletion vectors: rows deleted from a chunk without rewriting it. A delete that leaves most of a
 * chunk stores the positions of its deleted rows (sorted, uint32 little-endian, in the object store
 * like any object) and points the chunk's manifest entry at them; readers drop those rows. So deleting
 * 4% of rows scattered over a table stores about 4 bytes per deleted row, not the table again. When
 * the deleted rows form few runs (a contiguous range), the vector holds (start, end) uint32 pairs
 * instead: 8 bytes a run, whatever its length. A chunk that loses half its rows or more is rewritten
 * instead, which bounds the rows read for nothing.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { CorruptObjectError } from '../errors.js';
import type { ChunkRef } from './manifest.js';

/** Rows of the chunk that are not deleted. */
export const liveRows = (c: ChunkRef): number => c.rows - (c.deleted?.rows ?? 0);

/** A chunk's deletion vector in its manifest entry: `runs` when stored as (start, end) pairs. */
export interface DeletionVectorRef {
  id: string;
  rows: number;
  runs?: number;
}

/** Bytes of the chunk's deletion vector object (0 without one). */
export function deletionVectorBytes(c: ChunkRef): number {
  return !c.deleted ? 0 : c.deleted.runs !== undefined ? c.deleted.runs * 8 : c.deleted.rows * 4;
}

/**
 * Stores the sorted row positions `deleted` of a chunk, as positions or as runs (whichever is
 * smaller); returns the manifest entry's `deleted`.
 */
export async function putDeletionVector(store: ChunkStore, deleted: Uint32Array): Promise<DeletionVectorRef> {
  const runs: number[] = [];
  deleted.forEach((row, i) => {
    if (i > 0 && row === deleted[i - 1]! + 1) runs[runs.length - 1]! += 1;
    else runs.push(row, row + 1);
  });
  const asRuns = runs.length < deleted.length; // both are uint32 words
  const words = asRuns ? runs : deleted;
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  const id = (await store.put(bytes)).id;
  return asRuns ? { id, rows: deleted.length, runs: runs.length / 2 } : { id, rows: deleted.length };
}

/** `ref` showing only the rows of its file that `live` marks 1 (a new deletion vector for the rest, none when it hides nothing). */
export async function showOnly(store: ChunkStore, ref: ChunkRef, live: Uint8Array): Promise<ChunkRef> {
  const hidden: number[] = [];
  live.forEach((l, r) => l === 0 && hidden.push(r));
  if (hidden.length === 0) {
    const { deleted: _d, ...all } = ref;
    return all;
  }
  return { ...ref, deleted: await putDeletionVector(store, Uint32Array.from(hidden)) };
}

/** `mask` with every deleted row cleared (in place), given the chunk's live mask. */
export function keepLive(mask: Uint8Array, live: Uint8Array | undefined): Uint8Array {
  if (live) for (let r = 0; r < mask.length; r++) mask[r]! &= live[r]!;
  return mask;
}

/**
 * 1 for each live row of the chunk, 0 for each deleted one; undefined when nothing is deleted. The
 * vector is always verified: a flipped bit would resurrect one row and hide another.
 * @throws {CorruptObjectError} a vector that does not fit its chunk (its entry is damaged)
 */
export async function liveMask(store: ChunkStore, chunk: ChunkRef): Promise<Uint8Array | undefined> {
  if (!chunk.deleted) return undefined;
  const { id, rows, runs } = chunk.deleted;
  const bytes = await store.get(id, { kind: 'deletion vector' });
  const bad = (problem: string): never => {
    throw new CorruptObjectError('deletion vector', id, problem);
  };
  if (bytes.byteLength !== deletionVectorBytes(chunk)) bad(`holds ${bytes.byteLength} bytes, expected ${deletionVectorBytes(chunk)}`);
  const mask = new Uint8Array(chunk.rows).fill(1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (i: number) => view.getUint32(i * 4, true);
  let deleted = 0;
  if (runs === undefined) {
    for (let i = 0; i < rows; i++) {
      const r = word(i);
      if (r >= chunk.rows || (i > 0 && r <= word(i - 1))) bad(`row ${r} at position ${i} is out of order or beyond the chunk's ${chunk.rows} rows`);
      mask[r] = 0;
    }
    deleted = rows;
  } else {
    for (let r = 0; r < runs; r++) {
      const [start, end] = [word(2 * r), word(2 * r + 1)];
      if (start >= end || end > chunk.rows || (r > 0 && start < word(2 * r - 1))) bad(`run ${start}..${end} is empty, out of order or beyond the chunk's ${chunk.rows} rows`);
      mask.fill(0, start, end);
      deleted += end - start;
    }
  }
  if (deleted !== rows) bad(`deletes ${deleted} rows, its entry says ${rows}`);
  return mask;
}
