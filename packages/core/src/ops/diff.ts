/**
 * Diff between two commits: tables, chunks, and rows by key.
 *
 * Chunk ids are the Merkle leaves: two versions share every chunk they have in common, so a diff
 * walks only the manifest pages that differ (catalog/manifest-tree.ts) and reads only the chunks on one
 * side alone. For keyed tables those rows are matched by key into inserts, deletes and updates, as the
 * change feed matches them (row-changes.ts); rows of shared chunks are never read.
 */
import type { RecordBatch } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { PhaseRuntime } from '../phases/types.js';
import { cellEquality } from '../table/row-match.js';
import type { CommitInfo } from '../catalog/commit.js';
import { liveRows } from '../catalog/deletion-vector.js';
import type { CommitReader } from '../catalog/history.js';
import { diffManifestChunks, getManifestHeader, type ChunkRef } from '../catalog/manifest.js';
import { displayValue } from '../catalog/rows.js';
import { versionRows } from './row-changes.js';

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
  const { removed, added } = await diffManifestChunks(ctx.chunks, a, b);
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
  if (rows && keys && comparable) d.keyed = await keyedChanges(ctx, table, keys, a, b, { removed, added });
  return d;
}

/** The rows of the one-sided chunks matched by key (row-changes.ts), as keys and changed columns. */
async function keyedChanges(ctx: DiffContext, table: string, keys: string[], a: string | undefined, b: string | undefined, changes: { removed: ChunkRef[]; added: ChunkRef[] }): Promise<NonNullable<TableDiff['keyed']>> {
  const v = await versionRows(ctx, table, a, b, keys, changes);
  const keyOf = (batch: RecordBatch, r: number) => Object.fromEntries(keys.map((k) => [k, displayValue(batch.getChild(k)!.get(r))]));
  const every = (batches: RecordBatch[]) => batches.flatMap((batch) => Array.from({ length: batch.numRows }, (_, r) => keyOf(batch, r)));
  if (!v.matched) return { keys, inserted: every(v.now), deleted: every(v.old), updated: [] };
  const { old, now, inserted, deleted, updated } = v.matched;
  const names = v.schema.fields.map((f) => f.name);
  const equal = names.map((_, c) => cellEquality(old.data.children[c]!, now.data.children[c]!));
  return {
    keys,
    inserted: inserted.map((n) => keyOf(now, n)),
    deleted: deleted.map((o) => keyOf(old, o)),
    updated: updated.map(([o, n]) => ({ key: keyOf(now, n), columns: names.filter((_, c) => !equal[c]!(o, n)) })),
  };
}
