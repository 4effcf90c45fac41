/**
 * Diff between two commits: tables, chunks, and rows by key.
 *
 * Chunk ids are the Merkle leaves: two versions share every chunk they have in common, so a diff
 * walks only the manifest pages that differ (catalog/manifest-tree.ts) and reads only the chunks on one side
 * alone. For keyed tables those rows are matched by key into inserts, deletes and updates; rows of
 * shared chunks are never read.
 */
import { Table } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { PhaseRuntime } from '../phases/types.js';
import { conformBatch } from '../table/conform.js';
import { readManifest } from '../table/table-reader.js';
import type { CommitInfo } from '../catalog/commit.js';
import { liveRows } from '../catalog/deletion-vector.js';
import type { CommitReader } from '../catalog/history.js';
import { diffManifestChunks, getManifest, getManifestHeader, manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { renamesBetween, underTableNames } from '../catalog/renamed-columns.js';
import { displayValue, indexByKey, rowCells, type KeyedRows } from '../catalog/rows.js';

export interface TableDiff {
  table: string;
  status: 'added' | 'removed' | 'changed';
  fromVersion?: number;
  toVersion?: number;
  chunksAdded: string[];
  chunksRemoved: string[];
  rowsAdded: number;
  rowsRemoved: number;
  /** For tables with key columns on both sides: row-level changes by key. */
  keyed?: {
    keys: string[];
    inserted: Record<string, unknown>[];
    deleted: Record<string, unknown>[];
    updated: { key: Record<string, unknown>; columns: string[] }[];
  };
}

type ManifestHeader = Omit<Manifest, 'chunks'>;

export interface DiffResult {
  from: string | null;
  to: string | null;
  tables: TableDiff[];
}

export interface DiffContext {
  chunks: ChunkStore;
  runtime: PhaseRuntime;
  commits: CommitReader;
}

export async function diffCommits(ctx: DiffContext, from: CommitInfo | undefined, to: CommitInfo | undefined, options: { rows?: boolean } = {}): Promise<DiffResult> {
  const a = from?.tables ?? {};
  const b = to?.tables ?? {};
  const out: TableDiff[] = [];
  for (const table of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const ea = a[table];
    const eb = b[table];
    if (ea?.manifest === eb?.manifest) continue;
    out.push(await diffTable(ctx, table, ea?.manifest, eb?.manifest, ea?.version, eb?.version, options.rows ?? true));
  }
  return { from: from?.id ?? null, to: to?.id ?? null, tables: out };
}

async function diffTable(
  ctx: DiffContext,
  table: string,
  a: string | undefined,
  b: string | undefined,
  fromVersion: number | undefined,
  toVersion: number | undefined,
  rows: boolean,
): Promise<TableDiff> {
  const [ma, mb] = await Promise.all([a ? getManifestHeader(ctx.chunks, a) : undefined, b ? getManifestHeader(ctx.chunks, b) : undefined]);
  const { removed, added } = await chunkChanges(ctx.chunks, a, b);
  const [removedIds, addedIds] = [new Set(removed.map((c) => c.id)), new Set(added.map((c) => c.id))];
  const d: TableDiff = {
    table,
    status: !ma ? 'added' : !mb ? 'removed' : 'changed',
    ...(fromVersion !== undefined ? { fromVersion } : {}),
    ...(toVersion !== undefined ? { toVersion } : {}),
    // Chunk objects; a chunk that only gained deleted rows or patches is in neither list (its rows are).
    chunksAdded: added.filter((c) => !removedIds.has(c.id)).map((c) => c.id),
    chunksRemoved: removed.filter((c) => !addedIds.has(c.id)).map((c) => c.id),
    rowsAdded: added.reduce((n, c) => n + liveRows(c), 0),
    rowsRemoved: removed.reduce((n, c) => n + liveRows(c), 0),
  };
  const keys = ma?.keys ?? mb?.keys;
  // Row-level changes need the same keys on both sides; rows of another schema are compared in the newer one.
  const comparable = !ma || !mb || ma.keys?.join() === mb.keys?.join();
  if (rows && keys && comparable) d.keyed = await keyedChanges(ctx, table, keys, ma, removed, mb, added);
  return d;
}

/** Chunks only in manifest `a` and only in `b`; a missing side has no chunks. */
export async function chunkChanges(store: ChunkStore, a: string | undefined, b: string | undefined): Promise<{ removed: ChunkRef[]; added: ChunkRef[] }> {
  if (a && b) return diffManifestChunks(store, a, b);
  return { removed: a ? (await getManifest(store, a)).chunks : [], added: b ? (await getManifest(store, b)).chunks : [] };
}

/** Matches the rows of the one-sided chunks by key. */
async function keyedChanges(
  ctx: DiffContext,
  table: string,
  keys: string[],
  ma: ManifestHeader | undefined,
  removed: ChunkRef[],
  mb: ManifestHeader | undefined,
  added: ChunkRef[],
): Promise<NonNullable<TableDiff['keyed']>> {
  const only = async (m: ManifestHeader | undefined, refs: ChunkRef[]) =>
    m ? readManifest(ctx, { ...m, chunks: refs }, table) : undefined;
  const [read, B] = await Promise.all([only(ma, removed), only(mb, added)]);
  // Older rows under the newer schema: renamed columns by their new names, added ones null (conform.ts).
  const schema = ma && mb && ma.schema !== mb.schema ? manifestSchema(mb) : undefined;
  const renames = schema && renamesBetween(removed, added);
  const A = read && schema ? new Table(schema, read.batches.map((b) => conformBatch(underTableNames(b, renames), schema))) : read;
  const ia = A ? indexByKey(A, keys) : undefined;
  const ib = B ? indexByKey(B, keys) : undefined;
  const ka = ia && 'index' in ia ? ia : undefined;
  const kb = ib && 'index' in ib ? ib : undefined;
  const keyOf = (rows: KeyedRows, r: number) => Object.fromEntries(keys.map((k) => [k, displayValue(rows.table.getChild(k)!.get(r))]));
  const out: NonNullable<TableDiff['keyed']> = { keys, inserted: [], deleted: [], updated: [] };
  const names = (ma ?? mb) ? manifestSchema((mb ?? ma)!).fields.map((f) => f.name) : [];
  for (const [k, rb] of kb?.index ?? []) {
    const ra = ka?.index.get(k);
    if (ra === undefined) out.inserted.push(keyOf(kb!, rb));
    else {
      const ca = rowCells(ka!, ra);
      const cb = rowCells(kb!, rb);
      const columns = names.filter((_, c) => ca[c] !== cb[c]);
      if (columns.length > 0) out.updated.push({ key: keyOf(kb!, rb), columns });
    }
  }
  for (const [k, ra] of ka?.index ?? []) if (!kb?.index.has(k)) out.deleted.push(keyOf(ka!, ra));
  return out;
}
