/**
 * verify (fsck) and garbage collection, both built on one walk of the commit graph.
 *
 * gc keeps every object reachable from a branch or tag, and from any reflog entry younger than the
 * retention (so a ref moved or deleted by mistake can be restored), and never deletes an object
 * younger than the grace period: a writer in another process may have stored chunks it has not
 * committed yet. A put that finds its object already stored refreshes the object's mtime, so a
 * deduplicated write also falls inside the grace period.
 */
import type { ObjectBackend } from '../backend/backend.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { CommitReader } from './history.js';
import { getManifest, type ChunkRef } from './manifest.js';

export interface VerifyReport {
  objectsChecked: number;
  /** Objects whose bytes do not hash to their id, or references to missing or unreadable objects. */
  problems: { id: string; problem: string }[];
}

export interface GcOptions {
  /** Never delete objects or temp files younger than this (default 1 hour). */
  graceMs?: number;
  /** Keep what reflog entries younger than this reach (default 30 days). */
  reflogRetentionMs?: number;
  /** Report what would be deleted without deleting it. */
  dryRun?: boolean;
}

export interface GcReport {
  reachable: number;
  deleted: number;
  bytesFreed: number;
  /** Unreachable objects kept because they are younger than the grace period. */
  keptYoung: number;
  /** Leftover files removed: temp files of interrupted writes, and ref value files no ref uses. */
  tempFilesRemoved: number;
}

export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_REFLOG_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Ids of every commit, manifest and chunk reachable from `roots`; `onMissing` hears of broken links. */
export async function reachableObjects(
  commits: CommitReader,
  chunks: ChunkStore,
  roots: { id: string; from: string }[],
  onMissing: (id: string, problem: string) => void = () => {},
): Promise<Set<string>> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const { id, from } = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    let commit;
    try {
      commit = await commits.get(id);
    } catch (e) {
      onMissing(id, `commit reached from ${from}: ${(e as Error).message}`);
      continue;
    }
    for (const p of commit.parents) stack.push({ id: p, from });
    for (const [table, entry] of Object.entries(commit.tables)) {
      if (seen.has(entry.manifest)) continue;
      seen.add(entry.manifest);
      let m;
      try {
        m = await getManifest(chunks, entry.manifest);
      } catch (e) {
        onMissing(entry.manifest, `manifest of table "${table}" reached from ${from}: ${(e as Error).message}`);
        continue;
      }
      for (const page of m.pages) seen.add(page);
      for (const [id, what] of m.chunks.flatMap(chunkObjects)) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (!(await chunks.has(id))) onMissing(id, `missing ${what} of table "${table}" reached from ${from}`);
      }
    }
  }
  return seen;
}

async function refRoots(backend: ObjectBackend, reflogRetentionMs: number | undefined): Promise<{ id: string; from: string }[]> {
  const roots: { id: string; from: string }[] = [];
  for (const name of await backend.listRefs('')) {
    const id = await backend.readRef(name);
    if (id) roots.push({ id, from: `ref ${name}` });
  }
  if (reflogRetentionMs !== undefined) {
    const cutoff = Date.now() - reflogRetentionMs;
    for (const [name, log] of await backend.readRefLogs()) {
      for (const e of log) {
        if (Date.parse(e.time) < cutoff) continue;
        for (const id of [e.old, e.new]) if (id) roots.push({ id, from: `reflog of ${name}` });
      }
    }
  }
  return roots;
}

/** The objects a chunk entry references, with what each is: its chunk, deletion vector and patches. */
function chunkObjects(c: ChunkRef): [string, string][] {
  return [[c.id, 'chunk'], ...(c.deleted ? [[c.deleted.id, 'deletion vector'] as [string, string]] : []), ...(c.patches ?? []).map((p): [string, string] => [p.id, 'column patch'])];
}

/** Re-hashes every object and checks that every ref, commit, manifest and chunk it reaches exists. */
export async function verifyStore(
  backend: ObjectBackend,
  chunks: ChunkStore,
  commits: CommitReader,
  onProgress?: (checked: number) => void,
): Promise<VerifyReport> {
  const problems: VerifyReport['problems'] = [];
  let objectsChecked = 0;
  for await (const bad of chunks.verifyAll((n) => {
    objectsChecked = n;
    onProgress?.(n);
  })) {
    problems.push(bad);
  }
  const corrupt = new Set(problems.map((p) => p.id));
  await reachableObjects(commits, chunks, await refRoots(backend, undefined), (id, problem) => {
    if (!corrupt.has(id)) problems.push({ id, problem });
  });
  return { objectsChecked, problems };
}

/** Deletes unreachable objects older than the grace period, and stale temp files. */
export async function collectGarbage(
  backend: ObjectBackend,
  chunks: ChunkStore,
  commits: CommitReader,
  options: GcOptions = {},
): Promise<GcReport> {
  const graceMs = options.graceMs ?? DEFAULT_GC_GRACE_MS;
  // Objects listed after the walk started but written before it are covered by the grace period:
  // anything a concurrent writer stores during gc is younger than graceMs.
  const live = await reachableObjects(commits, chunks, await refRoots(backend, options.reflogRetentionMs ?? DEFAULT_REFLOG_RETENTION_MS));
  const report: GcReport = { reachable: live.size, deleted: 0, bytesFreed: 0, keptYoung: 0, tempFilesRemoved: 0 };
  const now = Date.now();
  for await (const o of backend.listObjects()) {
    if (live.has(o.id)) continue;
    if (now - o.mtimeMs <= graceMs) {
      report.keptYoung++;
      continue;
    }
    if (options.dryRun || (await backend.deleteObject(o.id, graceMs))) {
      report.deleted++;
      report.bytesFreed += o.bytes;
    } else report.keptYoung++;
  }
  if (!options.dryRun) report.tempFilesRemoved = await backend.sweepLeftovers(graceMs);
  return report;
}
