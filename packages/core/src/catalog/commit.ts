/**
 * Commits: the Merkle graph of versions. A commit names its parents, a time, a message and, for every
 * table on the branch, its manifest id and per-table version number. Its id hashes all of that, so
 * it is a root over every table and chunk.
 *
 * History lookups must not slow down as history grows, so each commit also records its `depth` on
 * the first-parent chain (root = 1) and one `skip` pointer to its first-parent ancestor at depth
 * `depth & (depth - 1)` (the depth with its lowest set bit cleared, as in a Fenwick tree). Any
 * ancestor is then reachable in O(log n) jumps; see `history.ts`.
 */
import type { ChunkStore, PutGroup } from '../chunk-store/chunk-store.js';
import { InvalidArgumentError, UnsupportedVersionError } from '../errors.js';
import { getJson, putJson } from './objects.js';

export const COMMIT_FORMAT = 1;

export interface TableEntry {
  manifest: string;
  /** 1 for the table's first write on this lineage, +1 for each commit that changes it. */
  version: number;
  /**
   * The depth at which this lineage of the table began on the first-parent chain: a table dropped
   * and made again (or renamed onto a dropped name) numbers its versions from 1 again, so time
   * travel by version searches no further back. Absent in commits made before it was recorded.
   */
  since?: number;
}

/** The entry of a table changed in a commit at `depth`: its lineage carries on from `prev`, or begins. */
export function nextEntry(prev: TableEntry | undefined, manifest: string, version: number, depth: number): TableEntry {
  const since = prev ? prev.since : depth;
  return { manifest, version, ...(since !== undefined ? { since } : {}) };
}

export interface Commit {
  type: 'commit';
  format: typeof COMMIT_FORMAT;
  /** First parent is the branch's previous head; a merge commit has two. */
  parents: string[];
  /**
   * A merge's parents' depths, in the order of `parents`: walks that must not go below a depth (an
   * expired history, expiry.ts) then need not read a parent to learn it. Absent in other commits
   * (a first parent is one shallower) and in merges made before it was recorded.
   */
  parentDepths?: number[];
  /** Position on the first-parent chain: 1 for a root commit. */
  depth: number;
  /** First-parent ancestor at depth `depth & (depth - 1)`, or null when that is 0. */
  skip: string | null;
  /** ISO 8601 UTC. */
  time: string;
  message: string;
  /** Who made it (the option, `ARMILLARIA_AUTHOR`, or absent). */
  author?: string;
  /** Free-form facts about it (a job id, the source file). */
  metadata?: Record<string, string>;
  tables: Record<string, TableEntry>;
}

/** Who made a commit and what else to record with it. */
export type Authorship = Pick<Commit, 'author' | 'metadata'>;

/**
 * `about` checked and without empty parts: an author is a non-empty line, metadata maps names to strings.
 * @throws {InvalidArgumentError} naming the bad value
 */
export function checkAuthorship(about: Authorship): Authorship {
  const { author, metadata } = about;
  if (author !== undefined && (typeof author !== 'string' || author.trim() === '' || /[\r\n]/.test(author) || author.length > 200)) {
    throw new InvalidArgumentError(`commit: invalid author ${JSON.stringify(author)} (one non-empty line of at most 200 characters)`);
  }
  if (metadata !== undefined) {
    const bad = typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) ? ['(not an object)'] : Object.entries(metadata).filter(([k, v]) => k === '' || typeof v !== 'string').map(([k]) => JSON.stringify(k));
    if (bad.length > 0) throw new InvalidArgumentError(`commit: metadata must map names to strings: ${bad.join(', ')}`);
  }
  return { ...(author !== undefined ? { author } : {}), ...(metadata !== undefined && Object.keys(metadata).length > 0 ? { metadata } : {}) };
}

export interface CommitInfo extends Commit {
  id: string;
}

export const putCommit = (store: ChunkStore, c: Commit, group?: PutGroup): Promise<string> => putJson(store, c, group);
export const getCommit = (store: ChunkStore, id: string): Promise<Commit> => getJson<Commit>(store, id, 'commit', (c) => commitProblem(id, c));

const isId = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** What is wrong with a stored commit, if anything. @throws {UnsupportedVersionError} */
function commitProblem(id: string, c: Commit): string | undefined {
  if (c.format !== COMMIT_FORMAT) throw new UnsupportedVersionError('commit', id, c.format, COMMIT_FORMAT);
  if (!Array.isArray(c.parents) || !c.parents.every(isId)) return 'malformed parent list';
  if (c.parentDepths !== undefined && !(Array.isArray(c.parentDepths) && c.parentDepths.length === c.parents.length && c.parentDepths.every((d) => Number.isSafeInteger(d) && d >= 1))) {
    return 'malformed parent depths';
  }
  if (!Number.isSafeInteger(c.depth) || c.depth < 1 || (c.skip !== null && !isId(c.skip))) return 'malformed depth or skip pointer';
  if (typeof c.time !== 'string' || Number.isNaN(Date.parse(c.time)) || typeof c.message !== 'string') return 'malformed time or message';
  if (c.author !== undefined && typeof c.author !== 'string') return 'malformed author';
  if (c.metadata !== undefined && (typeof c.metadata !== 'object' || c.metadata === null || Object.values(c.metadata).some((v) => typeof v !== 'string'))) return 'malformed metadata';
  if (!c.tables || typeof c.tables !== 'object' || Array.isArray(c.tables)) return 'malformed table map';
  for (const [name, e] of Object.entries(c.tables)) {
    if (!e || !isId(e.manifest) || !Number.isSafeInteger(e.version) || e.version < 1 || (e.since !== undefined && !(Number.isSafeInteger(e.since) && e.since >= 1))) {
      return `malformed entry of table ${JSON.stringify(name)}`;
    }
  }
  return undefined;
}

/** The depth a commit's skip pointer targets. */
export function skipDepth(depth: number): number {
  return depth & (depth - 1);
}
