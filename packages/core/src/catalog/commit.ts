/**
 * Commits: the Merkle graph of versions. A commit names its parents, a time, a message and, for every
 * table on the branch, its manifest id and per-table version number. Its id hashes all of that, so
 * it is a root over every table and chunk.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { getJson, putJson } from './objects.js';

export const COMMIT_FORMAT = 1;

export interface TableEntry {
  manifest: string;
  /** 1 for the table's first write on this lineage, +1 for each commit that changes it. */
  version: number;
}

export interface Commit {
  type: 'commit';
  format: typeof COMMIT_FORMAT;
  parents: string[];
  /** ISO 8601 UTC. */
  time: string;
  message: string;
  tables: Record<string, TableEntry>;
}

export interface CommitInfo extends Commit {
  id: string;
}

export function makeCommit(parents: string[], tables: Record<string, TableEntry>, message: string, time = new Date()): Commit {
  return { type: 'commit', format: COMMIT_FORMAT, parents, time: time.toISOString(), message, tables };
}

export const putCommit = (store: ChunkStore, c: Commit): Promise<string> => putJson(store, c);
export const getCommit = (store: ChunkStore, id: string, verify = false): Promise<Commit> =>
  getJson<Commit>(store, id, 'commit', { verify });

/** Walks first parents from `head`, newest first. */
export async function* firstParentHistory(store: ChunkStore, head: string | undefined): AsyncIterable<CommitInfo> {
  let id = head;
  while (id) {
    const c = await getCommit(store, id);
    yield { ...c, id };
    id = c.parents[0];
  }
}
