/**
 * Files DuckDB can open for a query's objects. On a local store they are the objects themselves
 * (checked against their sums first, as a verified read would); elsewhere the objects are fetched
 * through the store's port into a temporary directory, removed when the query ends: DuckDB's own
 * S3 support is an extension, and extensions cannot be downloaded where this runs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { objectPath } from '../backend/layout.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';

/** Objects fetched or checked at a time: bounds the memory a query's preparation holds. */
const GROUP = 32;

export interface ObjectFiles {
  path(id: string): string;
  close(): Promise<void>;
}

/**
 * Files for `objects`; each is checked against its sum (or its id) unless `verify` is false for it.
 * @throws {ChunkNotFoundError} @throws {CorruptChunkError}
 */
export async function objectFiles(chunks: ChunkStore, objects: readonly { id: string; sum?: string; verify: boolean }[]): Promise<ObjectFiles> {
  const root = chunks.backend.localRoot;
  const unique = [...new Map(objects.map((o) => [o.id, o])).values()];
  if (root !== undefined) {
    const checked = unique.filter((o) => o.verify);
    for (let i = 0; i < checked.length; i += GROUP) await chunks.getMany(checked.slice(i, i + GROUP));
    return { path: (id) => objectPath(root, id), close: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-sql-'));
  try {
    for (const verify of [true, false]) {
      const group = unique.filter((o) => o.verify === verify);
      for (let i = 0; i < group.length; i += GROUP) {
        const part = group.slice(i, i + GROUP);
        const bytes = await chunks.getMany(part, { verify });
        await Promise.all(part.map((o, k) => writeFile(join(dir, `${o.id}.parquet`), bytes[k]!)));
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { path: (id) => join(dir, `${id}.parquet`), close: () => rm(dir, { recursive: true, force: true }) };
}
