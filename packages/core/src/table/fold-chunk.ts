/**
 * A chunk as `read` returns it, as one plain Parquet file: its column patches and added columns
 * overlaid and its deleted rows dropped. Engines that read Parquet files (DuckDB for SQL, the Delta
 * Lake and Iceberg views) know nothing of our patches and deletion vectors, so such chunks reach them
 * folded.
 */
import { Table } from 'apache-arrow';

import type { ChunkRef, Manifest } from '../catalog/manifest.js';
import { hashBytes } from '../hash/content-hash.js';
import { encodeChunk } from './parquet-codec.js';
import { scanManifest, type ReadContext } from './table-reader.js';

/** True for a chunk that `read` changes on its way out. */
export const needsFold = (c: ChunkRef): boolean => c.deleted !== undefined || (c.patches?.length ?? 0) > 0 || (c.hidden?.length ?? 0) > 0 || c.renamed !== undefined;

/**
 * Names a folded chunk by everything the fold reads (the chunk, its patches, its deletion vector, the
 * table schema and codec: all content-addressed), so a name never goes stale.
 */
export const foldKey = (manifest: Manifest, chunk: ChunkRef): string =>
  hashBytes(new TextEncoder().encode(JSON.stringify([chunk.id, chunk.patches?.map((p) => p.id) ?? [], chunk.deleted?.id ?? null, manifest.schema, manifest.codec])));

/** Reads `chunk` of `manifest` through the store's read path and encodes the rows as one Parquet file. */
export async function foldChunk(ctx: ReadContext, manifest: Manifest, table: string, chunk: ChunkRef, verify: boolean): Promise<{ rows: Table; bytes: Uint8Array }> {
  const batches = [];
  for await (const b of scanManifest(ctx, { ...manifest, chunks: [chunk], rows: chunk.rows }, table, { verify })) batches.push(b);
  const rows = new Table(batches);
  return { rows, bytes: await encodeChunk(rows, manifest.codec, Math.max(1, rows.numRows)) };
}
