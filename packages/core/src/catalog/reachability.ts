/**
 * Walks of the object graph: what a set of roots reaches (gc marks it, verify checks it), and what of
 * a new ref value is missing (the gc fence checks it after a sweep overlapped a write).
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { isArmillariaError, ErrorCode, type ObjectNotFoundError } from '../errors.js';
import type { CommitInfo } from './commit.js';
import type { ExpiredHistory } from './expiry.js';
import type { CommitReader } from './history.js';
import { diffManifestChunks, getManifest, type ChunkRef } from './manifest.js';

/** The objects a chunk entry references, with what each is: its chunk, deletion vector and patches. */
export function chunkObjects(c: ChunkRef): [string, string][] {
  return [
    [c.id, 'chunk'],
    ...(c.deleted ? [[c.deleted.id, 'deletion vector'] as [string, string]] : []),
    ...(c.patches ?? []).map((p): [string, string] => [p.id, 'column patch']),
  ];
}

/**
 * Ids of every commit, manifest, page and chunk reachable from `roots`, not walking into expired
 * history (expiry.ts); `onProblem` hears of broken links.
 */
export async function reachableObjects(
  commits: CommitReader,
  chunks: ChunkStore,
  roots: { id: string; from: string }[],
  history: ExpiredHistory,
  onProblem: (id: string, problem: string) => void = () => {},
): Promise<Set<string>> {
  const seen = new Set<string>();
  // A commit is walked once per floor: from a head with a deeper floor it may lead to fewer parents.
  const walked = new Set<string>();
  const load = async (id: string, from: string): Promise<CommitInfo | undefined> => {
    try {
      return await commits.get(id);
    } catch (e) {
      onProblem(id, `commit reached from ${from}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const stack: { id: string; from: string; floor: CommitInfo | undefined }[] = [];
  for (const { id, from } of roots) {
    const head = await load(id, from);
    // A floor not found (a broken chain, which the walk reports) only makes the walk keep more.
    if (head) stack.push({ id, from, floor: await history.floor(head).catch(() => undefined) });
  }
  while (stack.length > 0) {
    const { id, from, floor } = stack.pop()!;
    const key = `${id} ${floor?.id ?? ''}`;
    if (walked.has(key)) continue;
    walked.add(key);
    const commit = await load(id, from);
    if (!commit) continue;
    for (const p of history.parents(commit, floor)) stack.push({ id: p, from, floor });
    if (seen.has(id)) continue;
    seen.add(id);
    for (const [table, entry] of Object.entries(commit.tables)) {
      if (seen.has(entry.manifest)) continue;
      seen.add(entry.manifest);
      let m;
      try {
        m = await getManifest(chunks, entry.manifest);
      } catch (e) {
        onProblem(problemId(e) ?? entry.manifest, `manifest of table "${table}" reached from ${from}: ${(e as Error).message}`);
        continue;
      }
      for (const page of m.pages) seen.add(page);
      for (const [id, what] of m.chunks.flatMap(chunkObjects)) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (!(await chunks.has(id))) onProblem(id, `missing ${what} of table "${table}" reached from ${from}`);
      }
    }
  }
  return seen;
}

/**
 * Ids of the objects reachable from commit `from` that do not exist, walking back from it until
 * commits known to reach a complete graph (the `roots` and their first-parent ancestors) or expired
 * history (expiry.ts), which may be gone by design. For each
 * commit walked, only what it adds to its first parent is checked (manifests that differ, and the
 * pages and chunks of the difference), so the cost follows what changed since the roots.
 */
export async function missingObjects(chunks: ChunkStore, commits: CommitReader, from: string, roots: readonly string[], history: ExpiredHistory): Promise<string[]> {
  const missing = new Set<string>();
  const complete = new CompleteCommits(commits, chunks, roots, history);
  const seen = new Set<string>();
  const stack = [from];
  let floor: CommitInfo | undefined;
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    // Existence first: the commit reader caches commits, and a cached one may have been deleted.
    if (!(await chunks.has(id))) {
      missing.add(id);
      continue;
    }
    const commit = await commits.get(id);
    // A chain too broken to find its floor is missing commits, which this walk reports.
    if (id === from) floor = await history.floor(commit).catch(() => undefined);
    if (await complete.has(commit)) continue;
    const parents = history.parents(commit, floor);
    const parentId = parents[0] === commit.parents[0] ? parents[0] : undefined;
    const parent = parentId && (await chunks.has(parentId)) ? await commits.get(parentId) : undefined;
    for (const [table, entry] of Object.entries(commit.tables)) {
      const before = parent?.tables[table]?.manifest;
      if (before === entry.manifest) continue;
      for (const id of await missingInManifest(chunks, entry.manifest, before)) missing.add(id);
    }
    stack.push(...parents);
  }
  return [...missing];
}

/** Missing objects among manifest `id`, its pages and the chunk objects it adds to manifest `before`. */
async function missingInManifest(chunks: ChunkStore, id: string, before: string | undefined): Promise<string[]> {
  if (!(await chunks.has(id))) return [id];
  let added: ChunkRef[];
  try {
    // A diff reads the pages that differ, which are the pages `id` adds; a missing one throws.
    added = before !== undefined && (await chunks.has(before)) ? (await diffManifestChunks(chunks, before, id)).added : (await getManifest(chunks, id)).chunks;
  } catch (e) {
    const gone = problemId(e);
    if (gone === undefined) throw e;
    return [gone];
  }
  const out: string[] = [];
  for (const ref of added) for (const [obj] of chunkObjects(ref)) if (!(await chunks.has(obj))) out.push(obj);
  return out;
}

/** The id of the missing object an error names, if it is a not-found error. */
function problemId(e: unknown): string | undefined {
  if (!isArmillariaError(e)) return undefined;
  if (e.code === ErrorCode.ObjectNotFound || e.code === ErrorCode.ChunkNotFound) return (e as ObjectNotFoundError).id;
  return undefined;
}

/**
 * Commits whose whole graph is known to exist: the roots and their first-parent ancestors down to each
 * root's floor (below it, gc may have deleted them by design).
 */
class CompleteCommits {
  private readonly roots: Set<string>;
  private loaded: { root: CommitInfo; floorDepth: number }[] | undefined;

  constructor(
    private readonly commits: CommitReader,
    private readonly chunks: ChunkStore,
    roots: readonly string[],
    private readonly history: ExpiredHistory,
  ) {
    this.roots = new Set(roots);
  }

  /** Bounded: checks at most MAX_ROOTS roots by ancestry (failing to prove it only walks further). */
  async has(c: CommitInfo): Promise<boolean> {
    if (this.roots.has(c.id)) return true;
    this.loaded ??= await this.load();
    for (const { root, floorDepth } of this.loaded) {
      if (root.depth < c.depth || c.depth < floorDepth) continue;
      try {
        if ((await this.commits.ancestorAtDepth(root, c.depth)).id === c.id) return true;
      } catch (e) {
        // A root that moved on since the sweep may have had its chain collected: no proof from it.
        if (problemId(e) === undefined) throw e;
      }
    }
    return false;
  }

  private async load(): Promise<{ root: CommitInfo; floorDepth: number }[]> {
    const out: { root: CommitInfo; floorDepth: number }[] = [];
    for (const id of [...this.roots].slice(0, MAX_ROOTS)) {
      if (!(await this.chunks.has(id))) continue;
      const root = await this.commits.get(id);
      try {
        out.push({ root, floorDepth: (await this.history.floor(root))?.depth ?? 1 });
      } catch (e) {
        // A chain too broken to find its floor proves nothing (the root itself is in `roots`).
        if (problemId(e) === undefined) throw e;
      }
    }
    return out;
  }
}

const MAX_ROOTS = 64;
