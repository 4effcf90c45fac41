/**
 * The change feed: which commits landed on a branch since a given commit, and what each changed;
 * and a subscription that delivers new commits as they land (batch and streaming consumers read the
 * same history). A consumer stores the last commit id it processed and resumes from it.
 */
import type { ObjectBackend } from '../backend/backend.js';

import { ErrorCode, InvalidArgumentError, isArmillariaError, VersionExpiredError } from '../errors.js';
import type { CommitInfo, TableEntry } from '../catalog/commit.js';
import type { Expiry } from '../catalog/expiry.js';
import type { CommitReader } from '../catalog/history.js';
import type { RefStore } from '../catalog/refs.js';

export interface ChangeEntry {
  commit: string;
  parents: string[];
  time: string;
  message: string;
  /** Tables this commit changed: new and previous manifest (null = absent) and the new version. */
  tables: { table: string; version: number | null; manifest: string | null; previous: string | null }[];
}

function entryOf(c: CommitInfo, parent: Record<string, TableEntry>): ChangeEntry {
  const tables: ChangeEntry['tables'] = [];
  for (const name of [...new Set([...Object.keys(parent), ...Object.keys(c.tables)])].sort()) {
    const before = parent[name];
    const after = c.tables[name];
    if (before?.manifest === after?.manifest && before?.version === after?.version) continue;
    tables.push({ table: name, version: after?.version ?? null, manifest: after?.manifest ?? null, previous: before?.manifest ?? null });
  }
  return { commit: c.id, parents: c.parents, time: c.time, message: c.message, tables };
}

/**
 * Commits on the first-parent chain after `since` up to `head`, oldest first.
 * @throws {InvalidArgumentError} when `since` is not on that chain (the branch was reset past it)
 * @throws {VersionExpiredError} when `since` is older than the chain's cut
 */
export async function changesBetween(commits: CommitReader, since: string | undefined, head: string | undefined, expiry?: Expiry): Promise<ChangeEntry[]> {
  if (!head || head === since) return [];
  let c = await commits.get(head);
  // History before the chain's cut has expired (catalog/expiry.ts): its oldest entry is the cut, as if a root.
  const floor = await expiry?.floor(c);
  const stop = since ? await commits.get(since).catch((e: unknown) => (floor && isArmillariaError(e) && e.code === ErrorCode.ObjectNotFound ? undefined : Promise.reject(e))) : undefined;
  if (floor && since !== undefined && (!stop || stop.depth < floor.depth)) {
    throw new VersionExpiredError(`commit ${since}`, `commit ${floor.id} of ${floor.time}`);
  }
  const out: ChangeEntry[] = [];
  for (;;) {
    const parent = c.parents[0] && c.id !== floor?.id ? await commits.get(c.parents[0]) : undefined;
    out.push(entryOf(c, parent?.tables ?? {}));
    if (!parent || parent.id === stop?.id) break;
    if (stop && parent.depth <= stop.depth) {
      throw new InvalidArgumentError(`feed: commit ${since} is not an ancestor of the branch head ${head}`);
    }
    c = parent;
  }
  if (stop && c.parents[0] !== stop.id) throw new InvalidArgumentError(`feed: commit ${since} is not an ancestor of the branch head ${head}`);
  return out.reverse();
}

export interface Subscription extends AsyncIterable<ChangeEntry> {
  /** Stops the subscription; a pending iteration ends. */
  close(): void;
}

/**
 * Delivers every new commit on `branch` after `since` (default: the head when subscribing), in order.
 * Watches the ref file and also polls every `intervalMs` (file events are not guaranteed everywhere).
 */
export function subscribe(
  commits: CommitReader,
  refs: RefStore,
  backend: Pick<ObjectBackend, 'watchRefs'>,
  expiry: Expiry,
  branch: string,
  options: { since?: string; intervalMs?: number } = {},
  onClose?: () => void,
): Subscription {
  const intervalMs = options.intervalMs ?? 100;
  let closed = false;
  let wake: (() => void) | undefined;
  // Polling alone delivers everything; a backend that can watch its refs wakes the poll early.
  const watcher = backend.watchRefs?.(() => wake?.());
  const sleep = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, intervalMs);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  async function* run(): AsyncIterable<ChangeEntry> {
    let last = options.since ?? (await refs.head(branch));
    try {
      while (!closed) {
        const head = await refs.head(branch);
        if (head !== last) {
          for (const e of await changesBetween(commits, last, head, expiry)) {
            if (closed) return;
            yield e;
          }
          last = head;
        }
        await sleep();
      }
    } finally {
      watcher?.close();
      onClose?.();
    }
  }
  const iterable = run();
  return {
    [Symbol.asyncIterator]: () => iterable[Symbol.asyncIterator](),
    close() {
      closed = true;
      wake?.();
      watcher?.close();
      onClose?.();
    },
  };
}
