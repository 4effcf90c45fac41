/**
 * Chunk I/O through the store's object-I/O port (backend/backend.ts), for the phases whose own fast
 * paths need the chunks as files on this machine: on object storage they write and read here. The
 * Parquet work stays the phase's (WebAssembly or native); only the bytes travel through the port.
 */
import type { Table } from 'apache-arrow';

import { PutGroup, type ChunkStore } from '../chunk-store/chunk-store.js';
import { sumBytes } from '../hash/chunk-sum.js';
import { encodeSlices } from '../table/chunk-codec.js';
import type { ChunkStats } from '../table/stats.js';
import type { EncodeSettings, StoredChunk } from './types.js';

/** Chunk writes in flight at once while the next chunk encodes (Node's thread pool runs four jobs). */
const MAX_UNFINISHED_PUTS = 4;

/** One chunk ready to store; `id` and `sum` when the encoder computed them (the addon does). */
export interface EncodedChunk {
  bytes: Uint8Array;
  id?: string;
  sum?: string;
  rows: number;
  stats: ChunkStats;
}

/**
 * Encodes each slice in WebAssembly and stores it through the port, its put overlapping the next
 * chunk's encode; a local disk flushes the directories once, at the end. Results in input order.
 */
export async function encodeAndPut(chunks: ChunkStore, slices: readonly Table[], settings: EncodeSettings): Promise<StoredChunk[]> {
  const group = new PutGroup(chunks, { flushAtEnd: true });
  const out: Omit<StoredChunk, 'written'>[] = [];
  for (const slice of slices) {
    const [chunk] = await encodeSlices([slice], settings);
    out.push(await put(group, { bytes: chunk!.bytes, rows: chunk!.rows, stats: chunk!.stats }));
    await group.atMost(MAX_UNFINISHED_PUTS);
  }
  const puts = await group.done();
  return out.map((c, i) => ({ ...c, written: puts[i]!.written }));
}

/** Stores chunks encoded elsewhere (the addon's `encodeChunks`) through the port, all at once. */
export async function putEncoded(chunks: ChunkStore, encoded: readonly EncodedChunk[]): Promise<StoredChunk[]> {
  const group = new PutGroup(chunks);
  const out = await Promise.all(encoded.map((e) => put(group, e)));
  const puts = await group.done();
  return out.map((c, i) => ({ ...c, written: puts[i]!.written }));
}

async function put(group: PutGroup, e: EncodedChunk): Promise<Omit<StoredChunk, 'written'>> {
  return { id: group.put(e.bytes, e.id), sum: e.sum ?? (await sumBytes(e.bytes)), rows: e.rows, bytes: e.bytes.byteLength, stats: e.stats };
}
