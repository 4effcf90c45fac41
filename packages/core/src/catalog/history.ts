/**
 * Walking the commit graph without replaying it. `depth`/`skip` (see commit.ts) let us reach the
 * first-parent ancestor at any depth in O(log n) commit reads, so time travel by version or by
 * timestamp costs O(log² n) reads (a binary search over depth), however long the history.
 */
import type { ChunkStore, PutGroup } from '../chunk-store/chunk-store.js';
import { ErrorCode, isArmillariaError } from '../errors.js';
import { COMMIT_FORMAT, getCommit, putCommit, skipDepth, type Authorship, type Commit, type CommitInfo, type TableEntry } from './commit.js';

/** A small per-store cache: commits are immutable, so a cached commit never goes stale. */
export class CommitReader {
  private readonly cache = new Map<string, Commit>();
  constructor(readonly store: ChunkStore, private readonly capacity = 4096) {}

  async get(id: string): Promise<CommitInfo> {
    let c = this.cache.get(id);
    if (!c) {
      c = await getCommit(this.store, id);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, c);
    }
    return { ...c, id };
  }

  /** The first-parent ancestor of `from` at `depth` (≤ from's depth). */
  async ancestorAtDepth(from: CommitInfo, depth: number): Promise<CommitInfo> {
    let c = from;
    while (c.depth > depth) {
      const next = c.skip !== null && skipDepth(c.depth) >= depth ? c.skip : c.parents[0]!;
      c = await this.get(next);
    }
    return c;
  }

  /**
   * Builds and stores a commit on top of `parents[0]`, filling in depth and skip; within `group`, the
   * write is only started (see `PutGroup`).
   */
  async create(parents: string[], tables: Record<string, TableEntry>, message: string, { time = new Date(), group, about = {} }: { time?: Date; group?: PutGroup; about?: Authorship } = {}): Promise<CommitInfo> {
    const [parent, ...others] = await Promise.all(parents.map((p) => this.get(p)));
    const depth = (parent?.depth ?? 0) + 1;
    const target = skipDepth(depth);
    const skip = parent && target > 0 ? await this.skipTo(parent, target) : null;
    const parentDepths = others.length > 0 ? [parent!.depth, ...others.map((o) => o.depth)] : undefined;
    const commit: Commit = { type: 'commit', format: COMMIT_FORMAT, parents, ...(parentDepths ? { parentDepths } : {}), depth, skip, time: time.toISOString(), message, ...about, tables };
    const id = await putCommit(this.store, commit, group);
    this.cache.set(id, commit);
    return { ...commit, id };
  }

  /**
   * The id of `parent`'s first-parent ancestor at `depth`, for a new commit's skip pointer; null when
   * the walk meets a commit gc deleted after `expire` cut the history (expiry.ts): walks then take
   * the first parent, one step more.
   */
  private async skipTo(parent: CommitInfo, depth: number): Promise<string | null> {
    try {
      return (await this.ancestorAtDepth(parent, depth)).id;
    } catch (e) {
      if (isArmillariaError(e) && e.code === ErrorCode.ObjectNotFound) return null;
      throw e;
    }
  }

  /** First-parent history from `head`, newest first, ending at `floor` (the chain's cut, expiry.ts) if given. */
  async *firstParents(head: string | undefined, floor?: string): AsyncIterable<CommitInfo> {
    let id = head;
    while (id) {
      const c = await this.get(id);
      yield c;
      id = c.id === floor ? undefined : c.parents[0];
    }
  }

  /**
   * The oldest first-parent ancestor of `head` (inclusive), no shallower than `minDepth`, for which
   * `ok` holds, given that `ok` is monotone along the chain (false for older commits, true for
   * newer). Undefined if it fails at head.
   */
  async oldestWhere(head: CommitInfo, ok: (c: CommitInfo) => boolean, minDepth = 1): Promise<CommitInfo | undefined> {
    if (!ok(head)) return undefined;
    let lo = minDepth; // depth known (or assumed) to fail, unless it is the oldest searched
    let hi = head.depth; // depth known to hold
    let best = head;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const c = await this.ancestorAtDepth(best, mid);
      if (ok(c)) {
        hi = mid;
        best = c;
      } else lo = mid + 1;
    }
    return best;
  }

  /**
   * The newest first-parent ancestor of `head` (inclusive) for which `ok` holds (monotone: true for
   * older), no older than `floor` (the chain's cut, expiry.ts) if given.
   */
  async newestWhere(head: CommitInfo, ok: (c: CommitInfo) => boolean, floor?: CommitInfo): Promise<CommitInfo | undefined> {
    if (ok(head)) return head;
    const root = floor ?? (await this.ancestorAtDepth(head, 1));
    if (!ok(root)) return undefined;
    let lo = root.depth; // holds
    let hi = head.depth; // fails
    let best = root;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const c = await this.ancestorAtDepth(head, mid);
      if (ok(c)) {
        lo = mid;
        best = c;
      } else hi = mid;
    }
    return best;
  }
}
