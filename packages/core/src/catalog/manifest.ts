/**
 * A manifest describes one version of one table: its exact Arrow schema (as a schema-only IPC
 * message, base64) and the ordered list of chunks with their rows, bytes and statistics.
 *
 * In memory the chunk list is flat; stored (format 2), it is a tree of pages (manifest-tree.ts) whose
 * root sits in the manifest object, so a table of a few dozen chunks has no page at all. Format 1
 * manifests (the flat list) are still read.
 */
import type { Schema } from 'apache-arrow';

import type { ChunkStore, PutGroup } from '../chunk-store/chunk-store.js';
import { UnsupportedVersionError } from '../errors.js';
import { CODECS } from '../table/parquet-codec.js';
import { schemaFromIpc, schemaToIpc } from '../table/arrow-ipc.js';
import { canonicalSchema } from '../table/schema.js';
import type { Codec } from '../table/parquet-codec.js';
import type { ChunkStats } from '../table/stats.js';
import type { PatchRef } from './column-patch.js';
import { deletionVectorBytes, liveRows, type DeletionVectorRef } from './deletion-vector.js';
import { diffTrees, loadTree, nodeProblem, putTree, type TreeNode } from './manifest-tree.js';
import { getJson, putJson } from './objects.js';
import type { Renamed } from './renamed-columns.js';

export const MANIFEST_FORMAT = 2;

/** One stored chunk: a Parquet file named by the BLAKE3 hash of its bytes. */
export interface ChunkRef {
  id: string;
  /** XXH64 of its bytes, which verified reads check (hash/chunk-sum.ts); absent in older manifests. */
  sum?: string;
  /** Rows stored in the chunk, deleted ones included. */
  rows: number;
  bytes: number;
  /** Statistics of the stored rows (deleted ones included: still valid bounds). */
  stats: ChunkStats;
  /** Rows deleted since the chunk was written: a deletion vector (deletion-vector.ts). */
  deleted?: DeletionVectorRef;
  /** Rows updated since the chunk was written, oldest first (column-patch.ts). Stats include them. */
  patches?: PatchRef[];
  /**
   * Columns the chunk's file holds that the table no longer has (`dropColumns`): reads do not decode
   * them, and engines that read the file itself get the chunk folded (fold-chunk.ts).
   */
  hidden?: string[];
  /** Columns renamed since the chunk was written: table name -> name in its file (renamed-columns.ts). */
  renamed?: Renamed;
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

/** The stored form: the chunk list becomes the root of a page tree. */
interface StoredManifest extends Omit<Manifest, 'chunks' | 'format'> {
  format: typeof MANIFEST_FORMAT | 1;
  root: TreeNode;
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
    rows: chunks.reduce((n, c) => n + liveRows(c), 0),
    codec: settings.codec,
    chunkRows: settings.chunkRows,
    ...(settings.keys && settings.keys.length > 0 ? { keys: settings.keys } : {}),
    chunks,
  };
}

export function manifestSchema(m: Pick<Manifest, 'schema'>): Schema {
  return schemaFromIpc(Buffer.from(m.schema, 'base64'), 'manifest schema');
}

/** Bytes of the version's data: chunks, their deletion vectors and their patches. */
export function manifestBytes(m: Manifest): number {
  return m.chunks.reduce((n, c) => n + c.bytes + deletionVectorBytes(c) + (c.patches ?? []).reduce((k, p) => k + p.bytes, 0), 0);
}

/**
 * Stores the manifest and the pages of its chunk tree; returns the manifest's id. With `group`, the
 * manifest object itself is only started there (its pages are written before).
 */
export async function putManifest(store: ChunkStore, m: Manifest, group?: PutGroup): Promise<string> {
  const { chunks, ...rest } = m;
  const stored: StoredManifest = { ...rest, root: await putTree(store, chunks) };
  return putJson(store, stored, group);
}

/** The manifest `id` with its whole chunk list, and the ids of the pages that hold it. */
export async function getManifest(store: ChunkStore, id: string): Promise<Manifest & { pages: string[] }> {
  const { root, ...rest } = await getStoredManifest(store, id);
  const { chunks, pages } = await loadTree(store, root);
  return { ...rest, format: MANIFEST_FORMAT, chunks, pages };
}

/**
 * Manifests a store has read or written lately, by id: they are immutable, so a cached one never goes
 * stale, and a write that builds on the version it just wrote (or read) needs no request for it. On
 * object storage that is a GET saved per commit; small (a few dozen manifests), since a manifest of a
 * large table holds its whole chunk list.
 */
export class ManifestReader {
  private readonly cache = new Map<string, Manifest & { pages?: string[] }>();
  constructor(readonly store: ChunkStore, private readonly capacity = 32) {}

  async get(id: string): Promise<Manifest> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id); // most recently used last
      this.cache.set(id, hit);
      return hit;
    }
    const m = await getManifest(this.store, id);
    this.remember(id, m);
    return m;
  }

  /** Records a manifest this process stored as `id`. */
  remember(id: string, m: Manifest): void {
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, m);
  }
}

/** Manifest `id` without its chunk list (no page is read). */
export async function getManifestHeader(store: ChunkStore, id: string): Promise<Omit<Manifest, 'chunks'>> {
  const { root: _r, ...rest } = await getStoredManifest(store, id);
  return { ...rest, format: MANIFEST_FORMAT };
}

/**
 * The chunks only in manifest `a` (removed) and only in `b` (added), reading only differing pages; a
 * side that is undefined (no table) has no chunks.
 */
export async function diffManifestChunks(store: ChunkStore, a: string | undefined, b: string | undefined): Promise<{ removed: ChunkRef[]; added: ChunkRef[] }> {
  if (a === undefined || b === undefined) return { removed: a ? (await getManifest(store, a)).chunks : [], added: b ? (await getManifest(store, b)).chunks : [] };
  const [ma, mb] = await Promise.all([getStoredManifest(store, a), getStoredManifest(store, b)]);
  return diffTrees(store, ma.root, mb.root);
}

async function getStoredManifest(store: ChunkStore, id: string): Promise<StoredManifest> {
  const m = await getJson<StoredManifest & { chunks?: ChunkRef[] }>(store, id, 'manifest', (m) => manifestProblem(id, m));
  if (m.format !== 1) return m;
  const { chunks = [], ...rest } = m; // format 1: the flat list
  return { ...rest, root: { level: 0, chunks } };
}

/** What is wrong with a stored manifest, if anything. @throws {UnsupportedVersionError} */
function manifestProblem(id: string, m: StoredManifest & { chunks?: ChunkRef[] }): string | undefined {
  if (m.format !== MANIFEST_FORMAT && m.format !== 1) throw new UnsupportedVersionError('manifest', id, m.format, MANIFEST_FORMAT);
  if (typeof m.schema !== 'string') return 'no schema';
  if (!Number.isSafeInteger(m.rows) || m.rows < 0) return `invalid row count ${JSON.stringify(m.rows)}`;
  if (!(CODECS as readonly unknown[]).includes(m.codec)) return `unknown codec ${JSON.stringify(m.codec)}`;
  if (!Number.isSafeInteger(m.chunkRows) || m.chunkRows < 1) return `invalid chunkRows ${JSON.stringify(m.chunkRows)}`;
  if (m.keys !== undefined && !(Array.isArray(m.keys) && m.keys.every((k) => typeof k === 'string'))) return 'malformed key columns';
  return nodeProblem(m.format === 1 ? { level: 0, chunks: m.chunks } : m.root);
}
