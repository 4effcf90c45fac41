/**
 * A manifest describes one version of one table: its exact Arrow schema (as a schema-only IPC
 * message, base64) and the ordered list of chunks with their rows, bytes and statistics.
 */
import type { Schema } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { schemaFromIpc, schemaToIpc } from '../table/arrow-ipc.js';
import { canonicalSchema } from '../table/schema.js';
import type { Codec } from '../table/parquet-codec.js';
import type { ChunkStats } from '../table/stats.js';
import { getJson, putJson } from './objects.js';

export const MANIFEST_FORMAT = 1;

/** One stored chunk: a Parquet file named by the BLAKE3 hash of its bytes. */
export interface ChunkRef {
  id: string;
  rows: number;
  bytes: number;
  stats: ChunkStats;
}

export interface Manifest {
  type: 'manifest';
  format: typeof MANIFEST_FORMAT;
  /** base64 of a schema-only Arrow IPC stream: lossless (types, metadata, dictionaries). */
  schema: string;
  rows: number;
  codec: Codec;
  chunkRows: number;
  /** Key columns, when the table declares them: enables row-level merge and keyed diffs. */
  keys?: string[];
  chunks: ChunkRef[];
}

export function makeManifest(
  schema: Schema | string,
  chunks: ChunkRef[],
  settings: { codec: Codec; chunkRows: number; keys?: string[] },
): Manifest {
  return {
    type: 'manifest',
    format: MANIFEST_FORMAT,
    schema: typeof schema === 'string' ? schema : Buffer.from(schemaToIpc(canonicalSchema(schema))).toString('base64'),
    rows: chunks.reduce((n, c) => n + c.rows, 0),
    codec: settings.codec,
    chunkRows: settings.chunkRows,
    ...(settings.keys && settings.keys.length > 0 ? { keys: settings.keys } : {}),
    chunks,
  };
}

export function manifestSchema(m: Manifest): Schema {
  return schemaFromIpc(Buffer.from(m.schema, 'base64'));
}

export function manifestBytes(m: Manifest): number {
  return m.chunks.reduce((n, c) => n + c.bytes, 0);
}

export const putManifest = (store: ChunkStore, m: Manifest): Promise<string> => putJson(store, m);
export const getManifest = (store: ChunkStore, id: string, verify = false): Promise<Manifest> =>
  getJson<Manifest>(store, id, 'manifest', { verify });
