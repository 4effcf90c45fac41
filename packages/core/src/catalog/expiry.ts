/**
 * Expiry: dropping a branch's old versions from its history, so that gc can reclaim their bytes.
 *
 * Commits are immutable and name their parents, so history cannot be cut by rewriting it (every later
 * commit's id would change, and every ref and reader holding one would break). Instead the record
 * `expired` lists cut points, as Git's shallow file does: a cut commit stays, whole and readable, but
 * its ancestors are gone for every walk that passes through it. gc and verify do not walk past a
 * cut; log, the change feed and time travel stop at it (an older version or time is a
 * `VersionExpiredError`); a merge finds no common base beyond it. What another ref reaches without
 * passing through the cut (a tag, a branch forked before it) stays, and so does what a recent reflog
 * entry names, except the cut branch's own entries from before the cut commit was made.
 *
 * History older than the cut is also reached around it, through the other parents of merges made
 * above it: a branch forked before the cut and merged after leads back into the expired history. A
 * walk from a head whose first-parent chain has a cut (its floor) therefore does not go on, by any
 * path, to a parent shallower than the floor: a merge records its parents' depths (commit.ts), so the
 * walk knows a parent's depth without reading it, once gc has deleted it. Merges made before depths
 * were recorded keep their other parents' history whole.
 *
 * The record only grows (expire drops the cuts gc has since deleted), and is replaced by
 * compare-and-swap, so concurrent expiries both land. A gc that read it before an expiry landed keeps
 * more than it could have, never less, and writers never read it to commit: expiry is safe beside
 * both. A commit made on a cut history cannot always point its skip pointer (commit.ts) at an expired
 * ancestor; it then has none, which costs walks from it one step (history.ts).
 */
import type { ObjectBackend } from '../backend/backend.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { CorruptObjectError, InvalidArgumentError } from '../errors.js';
import type { CommitInfo } from './commit.js';
import type { CommitReader } from './history.js';
import { readJsonRecord } from './records.js';

const RECORD = 'expired';
const FORMAT = 1;

/** A cut point: `commit`'s ancestors are expired. */
export interface Cut {
  commit: string;
  /** The commit's depth: finding whether a chain passes through it reads only commits above it. */
  depth: number;
  /** The commit's time: the branch's reflog entries older than it name only expired commits. */
  time: string;
  /** The branch expired; its reflog is the one the cut applies to. */
  branch: string;
}

export interface ExpireOptions {
  /** The branch whose history to cut (default `main`). */
  branch?: string;
  /** Expire versions that stopped being current more than this long ago (the version current then stays, so time travel to any moment within it still works). */
  olderThanMs?: number;
  /** Keep at least this many of the newest commits on the branch's first-parent chain (≥ 1). */
  keepLast?: number;
  /** Report what would expire without recording it. */
  dryRun?: boolean;
}

export interface ExpireReport {
  branch: string;
  /** The oldest commit kept: its ancestors are expired. Null when nothing was old enough. */
  cut: string | null;
  /** Commits on the branch's first-parent chain newly expired. */
  expired: number;
  /** The oldest version of each table the branch still has. */
  oldestVersions: { table: string; version: number }[];
}

/** The cut points, and the walks' view of them. */
export class Expiry {
  constructor(
    private readonly backend: ObjectBackend,
    private readonly chunks: ChunkStore,
    private readonly commits: CommitReader,
  ) {}

  /** Every cut recorded. */
  async cuts(): Promise<Cut[]> {
    return (await this.read()).cuts;
  }

  /** The cuts as walks of the whole graph see them, read now. */
  async walks(): Promise<ExpiredHistory> {
    return new ExpiredHistory(this.commits, await this.cuts());
  }

  /**
   * The deepest cut on `head`'s first-parent chain (head itself included), or undefined when its history
   * is whole. The walks of history.ts stop there.
   */
  async floor(head: CommitInfo): Promise<CommitInfo | undefined> {
    return floorOf(this.commits, head, await this.cuts());
  }

  /**
   * Cuts `head`'s history (the head of `options.branch`) after the rules of `options`.
   * @throws {InvalidArgumentError} naming a bad option
   */
  async expire(head: CommitInfo, options: ExpireOptions & { branch: string }): Promise<ExpireReport> {
    const { olderThanMs, keepLast } = checkOptions(options);
    const floor = await this.floor(head);
    const floorDepth = floor?.depth ?? 1;
    // The shallowest cut each rule allows; the stricter rule (the one keeping more) wins.
    let depth = head.depth;
    if (keepLast !== undefined) depth = Math.min(depth, Math.max(1, head.depth - keepLast + 1));
    if (olderThanMs !== undefined) {
      const t = Date.now() - olderThanMs;
      const current = await this.commits.newestWhere(head, (c) => Date.parse(c.time) <= t, floor);
      depth = Math.min(depth, current?.depth ?? 1);
    }
    const cut = depth > floorDepth ? await this.commits.ancestorAtDepth(head, depth) : floor;
    const report: ExpireReport = {
      branch: options.branch,
      cut: cut?.id ?? null,
      expired: depth > floorDepth ? depth - floorDepth : 0,
      oldestVersions: await Promise.all(Object.keys(head.tables).sort().map(async (table) => ({ table, version: await this.oldestVersion(head, table, cut) }))),
    };
    if (options.dryRun || report.expired === 0) return report;
    const entry: Cut = { commit: cut!.id, depth: cut!.depth, time: cut!.time, branch: options.branch };
    for (;;) {
      const { cuts, text } = await this.read();
      // Cuts whose commit gc has deleted no longer stand in any walk's way.
      const kept: Cut[] = [];
      for (const c of cuts) if (c.commit !== entry.commit && (await this.chunks.has(c.commit))) kept.push(c);
      const next = JSON.stringify({ format: FORMAT, cuts: [...kept, entry] });
      if (await this.backend.compareAndSwapRecord(RECORD, text, next)) return report;
    }
  }

  /**
   * The oldest version of `table` that `head`'s branch keeps with history cut at `cut`: the cut's, or
   * for a table whose lineage began after the cut (made, or merged in from a branch, whose versions it
   * carries on from), the version it began with.
   */
  private async oldestVersion(head: CommitInfo, table: string, cut: CommitInfo | undefined): Promise<number> {
    const since = head.tables[table]!.since;
    const atCut = cut?.tables[table];
    if (atCut && !(since !== undefined && since > cut!.depth)) return atCut.version;
    return since !== undefined ? ((await this.commits.ancestorAtDepth(head, since)).tables[table]?.version ?? 1) : 1;
  }

  private async read(): Promise<{ cuts: Cut[]; text: string | undefined }> {
    const { state, text } = await readJsonRecord<{ cuts?: unknown }>(this.backend, RECORD, FORMAT);
    if (!state) return { cuts: [], text };
    const isCut = (c: Partial<Cut>): boolean =>
      typeof c.commit === 'string' && /^[0-9a-f]{64}$/.test(c.commit) && Number.isSafeInteger(c.depth) && c.depth! >= 1 && typeof c.time === 'string' && typeof c.branch === 'string';
    if (!Array.isArray(state.cuts) || !state.cuts.every(isCut)) throw new CorruptObjectError('record', RECORD, 'malformed cut list');
    return { cuts: state.cuts as Cut[], text };
  }
}

/**
 * What a walk of the whole graph (gc's mark, verify, the gc fence's check, merge bases) may go on to:
 * not past a cut, and from a head with a floor, to no parent shallower than the floor.
 */
export class ExpiredHistory {
  private readonly ids: Set<string>;

  constructor(
    private readonly commits: CommitReader,
    readonly cuts: readonly Cut[],
  ) {
    this.ids = new Set(cuts.map((c) => c.commit));
  }

  isCut(id: string): boolean {
    return this.ids.has(id);
  }

  /** The deepest cut on `head`'s first-parent chain: the floor of every walk from it. */
  floor(head: CommitInfo): Promise<CommitInfo | undefined> {
    return floorOf(this.commits, head, this.cuts);
  }

  /** The parents of `c` that a walk from a head whose floor is `floor` goes on to. */
  parents(c: CommitInfo, floor: CommitInfo | undefined): string[] {
    if (this.ids.has(c.id)) return [];
    if (floor === undefined) return c.parents;
    return c.parents.filter((_, i) => {
      const depth = i === 0 ? c.depth - 1 : c.parentDepths?.[i];
      return depth === undefined || depth >= floor.depth;
    });
  }
}

async function floorOf(commits: CommitReader, head: CommitInfo, cuts: readonly Cut[]): Promise<CommitInfo | undefined> {
  const onChain = cuts.filter((c) => c.depth <= head.depth).sort((a, b) => b.depth - a.depth);
  for (const cut of onChain) {
    const c = await commits.ancestorAtDepth(head, cut.depth);
    if (c.id === cut.commit) return c;
  }
  return undefined;
}

/** The rules of `options`, checked. @throws {InvalidArgumentError} */
function checkOptions(options: ExpireOptions): { olderThanMs?: number; keepLast?: number } {
  const { olderThanMs, keepLast, dryRun } = options;
  if (olderThanMs !== undefined && (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0)) {
    throw new InvalidArgumentError(`expire: invalid olderThanMs ${JSON.stringify(olderThanMs)} (expected a number of milliseconds >= 0)`);
  }
  if (keepLast !== undefined && (!Number.isSafeInteger(keepLast) || keepLast < 1)) {
    throw new InvalidArgumentError(`expire: invalid keepLast ${JSON.stringify(keepLast)} (expected an integer >= 1)`);
  }
  if (olderThanMs === undefined && keepLast === undefined) throw new InvalidArgumentError('expire: give olderThanMs, keepLast or both');
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new InvalidArgumentError(`expire: invalid dryRun ${JSON.stringify(dryRun)} (expected true or false)`);
  return { olderThanMs, keepLast };
}
