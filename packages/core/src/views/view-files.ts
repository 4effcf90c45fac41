/**
 * The data files of a published view (Delta Lake, Iceberg): one Parquet file per chunk, in the view's
 * directory. A chunk that `read` returns as stored is the file itself: hard-linked from a local store
 * (no bytes written), copied where a link cannot be made (another file system), fetched from an
 * object store. A chunk with column patches or deleted rows is folded once (table/fold-chunk.ts) and
 * written. Files are named by content (a chunk's id, a fold's key), so republishing never rewrites one.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { objectPath } from '../backend/layout.js';
import { liveRows } from '../catalog/deletion-vector.js';
import type { ChunkRef, Manifest } from '../catalog/manifest.js';
import { StorageError } from '../errors.js';
import { foldChunk, foldKey, needsFold } from '../table/fold-chunk.js';
import { chunkStats, type ChunkStats } from '../table/stats.js';
import type { ReadContext } from '../table/table-reader.js';

/** How a file reached the view's directory. */
export type Placement = 'linked' | 'copied' | 'fetched' | 'folded' | 'present';

export interface ViewFile {
  /** File name inside the view's data directory. */
  name: string;
  bytes: number;
  rows: number;
  /** Statistics of exactly the rows in the file. */
  stats: ChunkStats;
  how: Placement;
}

/** Chunks checked or fetched at a time: bounds the memory one step holds. */
const GROUP = 32;

/** The file name a chunk is published under. */
export const viewFileName = (manifest: Manifest, chunk: ChunkRef): string =>
  `${needsFold(chunk) ? foldKey(manifest, chunk) : chunk.id}.parquet`;

/**
 * Per chunk of `manifest`, a file name no other chunk of it has: the content name, and for a chunk
 * the table holds again (identical rows make identical chunks) the content name with `-<k>` added.
 */
export function fileNamePerChunk(manifest: Manifest): string[] {
  const seen = new Map<string, number>();
  return manifest.chunks.map((c) => {
    const name = viewFileName(manifest, c);
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return k === 0 ? name : name.replace(/\.parquet$/, `-${k}.parquet`);
  });
}

/** `file`, also under `name` in `dir` (a hard link) when that is another name. */
export async function aliasFile(dir: string, file: ViewFile, name: string): Promise<ViewFile> {
  if (name === file.name) return file;
  await link(join(dir, file.name), join(dir, name)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  return { ...file, name, how: 'linked' };
}

/**
 * Places the files of `chunks` (those of `manifest`) in `dir`, checking every chunk read against its
 * sum unless `verify` is false. Chunks whose rows were all deleted have no file.
 * @throws {ChunkNotFoundError} @throws {CorruptChunkError}
 */
export async function placeChunks(ctx: ReadContext, manifest: Manifest, table: string, chunks: readonly ChunkRef[], dir: string, verify: boolean): Promise<ViewFile[]> {
  await mkdir(dir, { recursive: true });
  const root = ctx.chunks.backend.localRoot;
  const out: ViewFile[] = [];
  const live = chunks.filter((c) => liveRows(c) > 0);
  for (let i = 0; i < live.length; i += GROUP) {
    const group = live.slice(i, i + GROUP);
    // By position: a manifest may list one chunk (even one ChunkRef object) more than once.
    const placed: ViewFile[] = new Array(group.length);
    const plain = [...group.keys()].filter((k) => !needsFold(group[k]!));
    if (root !== undefined) {
      // Linked as they are: check them first, on the addon's pool where the phase has it.
      const refs = plain.map((k) => group[k]!);
      if (verify && refs.length > 0) await (ctx.runtime.checkChunks ? ctx.runtime.checkChunks(refs) : ctx.chunks.getMany(refs));
      // Side by side: each is a stat and a link, system calls that wait on the thread pool, not the
      // CPU (1000 chunks: 212 → 108 ms unverified). Once per id; a repeat is reported as present.
      const first = new Map<string, number>();
      for (const k of plain) if (!first.has(group[k]!.id)) first.set(group[k]!.id, k);
      const linked = new Map(await Promise.all([...first].map(async ([id, k]) => [id, await linkOrCopy(objectPath(root, id), dir, group[k]!)] as const)));
      for (const k of plain) {
        const file = linked.get(group[k]!.id)!;
        placed[k] = first.get(group[k]!.id) === k ? file : { ...file, how: 'present' };
      }
    } else if (plain.length > 0) {
      const bytes = await ctx.chunks.getMany(plain.map((k) => group[k]!), { verify });
      for (const [n, k] of plain.entries()) placed[k] = await writeOnce(dir, viewFileName(manifest, group[k]!), bytes[n]!, plainFile(group[k]!, 'fetched'));
    }
    for (const [k, c] of group.entries()) {
      if (!needsFold(c)) continue;
      const name = viewFileName(manifest, c);
      const { rows, bytes } = await foldChunk(ctx, manifest, table, c, verify);
      placed[k] = await writeOnce(dir, name, bytes, { name, bytes: bytes.byteLength, rows: rows.numRows, stats: chunkStats(rows), how: 'folded' });
    }
    out.push(...placed);
  }
  return out;
}

const plainFile = (c: ChunkRef, how: Placement): ViewFile => ({ name: `${c.id}.parquet`, bytes: c.bytes, rows: c.rows, stats: c.stats, how });

async function linkOrCopy(source: string, dir: string, c: ChunkRef): Promise<ViewFile> {
  const file = plainFile(c, 'linked');
  const target = join(dir, file.name);
  if (await present(target, c.bytes)) return { ...file, how: 'present' };
  try {
    await link(source, target);
    return file;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw e;
  }
  const tmp = `${target}.${process.pid}.tmp`;
  await copyFile(source, tmp);
  await rename(tmp, target);
  return { ...file, how: 'copied' };
}

/** Writes `bytes` as `dir/name` unless a file of that size is there. */
async function writeOnce(dir: string, name: string, bytes: Uint8Array, file: ViewFile): Promise<ViewFile> {
  const target = join(dir, name);
  if (await present(target, bytes.byteLength)) return { ...file, how: 'present' };
  await writeFresh(target, bytes, true);
  return file;
}

/**
 * Writes `bytes` durably at `path`: to a temporary file, synced, then renamed into place (`replace`)
 * or linked there, which fails with EEXIST if `path` exists. Readers never see part of a file.
 */
export async function writeFresh(path: string, bytes: Uint8Array, replace = false): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (replace) await rename(tmp, path);
    else {
      await link(tmp, path);
      await rm(tmp, { force: true });
    }
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes a view's commit (a Delta log entry, an Iceberg metadata file) where no other may be: as the
 * formats ask of writers, two publishers cannot both write one version.
 * @throws {StorageError} another publisher wrote `what` meanwhile
 */
export async function commitFile(path: string, bytes: Uint8Array, what: string): Promise<void> {
  try {
    await writeFresh(path, bytes);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new StorageError('write', path, 'EEXIST', `another publisher wrote ${what} meanwhile; publish again`, { cause: e });
  }
}

async function present(path: string, bytes: number): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && s.isFile() && s.size === bytes;
}
