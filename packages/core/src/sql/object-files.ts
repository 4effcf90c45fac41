/**
 * Files DuckDB can open for a query's objects. On a local store they are the objects themselves,
 * checked against their sums as a verified read would (on the addon's pool where the phase has it,
 * `PhaseRuntime.checkChunks`) while DuckDB runs the query; no row is handed out before the check
 * passed. Elsewhere the objects are fetched through the store's port into a temporary directory,
 * removed when the query ends: DuckDB's own S3 support is an extension, and extensions cannot be
 * downloaded where this runs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { objectPath } from '../backend/layout.js';
import type { ChunkRef } from '../catalog/manifest.js';
import type { ReadContext } from '../table/table-reader.js';

/** Objects fetched or checked at a time: bounds the memory a query's preparation holds. */
const GROUP = 32;

/** An object a query reads, and whether to check it. */
export interface ObjectToRead {
  ref: ChunkRef;
  verify: boolean;
}

export interface ObjectFiles {
  path(id: string): string;
  /** Settles once every file has been checked: on a local store the check runs while DuckDB reads. */
  checked: Promise<void>;
  close(): Promise<void>;
}

/**
 * Files for `objects`; each is checked against its sum (or its id) unless `verify` is false for it:
 * `checked` reports the outcome.
 * @throws {ChunkNotFoundError} @throws {CorruptChunkError}
 */
export async function objectFiles({ chunks, runtime }: ReadContext, objects: readonly ObjectToRead[]): Promise<ObjectFiles> {
  const root = chunks.backend.localRoot;
  const unique = [...new Map(objects.map((o) => [o.ref.id, o])).values()];
  if (root !== undefined) {
    const toCheck = unique.filter((o) => o.verify).map((o) => o.ref);
    const checked = (async () => {
      // On the addon's pool where the phase has it, else fetched and checked in WebAssembly here.
      for (let i = 0; i < toCheck.length; i += GROUP) {
        const group = toCheck.slice(i, i + GROUP);
        await (runtime.checkChunks ? runtime.checkChunks(group) : chunks.getMany(group));
      }
    })();
    checked.catch(() => undefined); // observed by the query; never an unhandled rejection meanwhile
    return { path: (id) => objectPath(root, id), checked, close: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-sql-'));
  try {
    for (const verify of [true, false]) {
      const group = unique.filter((o) => o.verify === verify);
      for (let i = 0; i < group.length; i += GROUP) {
        const part = group.slice(i, i + GROUP);
        const bytes = await chunks.getMany(part.map((o) => o.ref), { verify });
        await Promise.all(part.map((o, k) => writeFile(join(dir, `${o.ref.id}.parquet`), bytes[k]!)));
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { path: (id) => join(dir, `${id}.parquet`), checked: Promise.resolve(), close: () => rm(dir, { recursive: true, force: true }) };
}
