/**
 * Branches and tags: names that point at commits, stored by the backend as `heads/<name>` and
 * `tags/<name>`. Every change is a compare-and-swap and is written to the reflog, so a moved or
 * deleted ref can be recovered (`RefStore.reflog`).
 *
 * ```
 *   create  CAS(undefined -> commit)   fails if the name exists
 *   move    CAS(expected -> next)      fails if someone else moved it first (caller rebases or retries)
 *   delete  CAS(current -> undefined)
 *   rename  create new, then delete old (a crash in between leaves both, never neither)
 * ```
 * Creating a branch writes one ref (65 bytes) plus one reflog line: O(1) in tables and rows.
 *
 * Every create and move is guarded by the gc fence (sweep-fence.ts) with the `WriteWindow` its write
 * opened as it began, so gc never deletes what the new value reaches.
 */
import type { ObjectBackend, RefLogEntry } from '../backend/backend.js';
import {
  BranchNotFoundError,
  CorruptObjectError,
  ErrorCode,
  isArmillariaError,
  InvalidArgumentError,
  InvalidNameError,
  RefNotFoundError,
} from '../errors.js';
import { isContentHash } from '../hash/content-hash.js';
import type { CommitInfo } from './commit.js';
import type { CommitReader } from './history.js';
import { validateName, type NameKind } from './names.js';
import type { SweepFence, WriteWindow } from './sweep-fence.js';

export type RefKind = 'branch' | 'tag';

const PREFIX: Record<RefKind, string> = { branch: 'heads/', tag: 'tags/' };

export interface RefInfo {
  name: string;
  kind: RefKind;
  commit: string;
}

export class RefStore {
  constructor(
    private readonly backend: ObjectBackend,
    private readonly commits: CommitReader,
    readonly fence: SweepFence,
  ) {}

  /** The commit a branch points at; undefined for an unborn branch. */
  async head(branch: string): Promise<string | undefined> {
    return this.read(PREFIX.branch + validateName('branch', branch));
  }

  /** Like `head`, but an absent branch is an error. */
  async requireHead(branch: string): Promise<string> {
    const head = await this.head(branch);
    if (!head) throw new BranchNotFoundError(branch);
    return head;
  }

  /**
   * The commit a branch points at now. A head read a moment before may have expired and been
   * collected since (an expire and a gc beside a writer that waited); the branch has then moved on,
   * and is read again. A branch that still names a missing commit is an error.
   * @throws {BranchNotFoundError} @throws {ObjectNotFoundError}
   */
  async headCommit(branch: string): Promise<CommitInfo> {
    for (;;) {
      const id = await this.requireHead(branch);
      try {
        return await this.commits.get(id);
      } catch (e) {
        if (!(isArmillariaError(e) && e.code === ErrorCode.ObjectNotFound) || (await this.head(branch)) === id) throw e;
      }
    }
  }

  async get(kind: RefKind, name: string): Promise<string | undefined> {
    return this.read(PREFIX[kind] + validateName(kind, name));
  }

  /**
   * Creates a ref at `commit`; `window` is the fence as the caller began (before resolving `commit`).
   * @throws {InvalidNameError} when the name is taken or clashes with a hierarchy
   */
  async create(kind: RefKind, name: string, commit: string, reason: string, window: WriteWindow): Promise<void> {
    validateName(kind, name);
    await this.commits.get(commit); // must exist
    await this.checkHierarchy(kind, name);
    if (!(await this.swap(PREFIX[kind] + name, undefined, commit, reason, window))) {
      throw new InvalidNameError(kind, name, `a ${kind} with this name already exists`);
    }
  }

  /** Lets the backend write what a later `move` to `commit` needs while the caller does other work. */
  async prepare(commit: string): Promise<void> {
    await this.backend.prepareRefValue?.(commit);
  }

  /**
   * Moves a ref from `expected` to `next`: true, or the value it holds instead (`undefined`: none),
   * which a caller that retries needs not read again. `window`: as for `create`.
   */
  async move(kind: RefKind, name: string, expected: string | undefined, next: string, reason: string, window: WriteWindow): Promise<true | { current: string | undefined }> {
    let current: string | undefined;
    const moved = await this.swap(PREFIX[kind] + validateName(kind, name), expected, next, reason, window, (c) => (current = c));
    return moved || { current };
  }

  async delete(kind: RefKind, name: string): Promise<string> {
    for (;;) {
      const current = await this.get(kind, name);
      if (!current) throw this.notFound(kind, name);
      if (await this.backend.compareAndSwapRef(PREFIX[kind] + name, current, undefined, { reason: `${kind} delete` })) return current;
    }
  }

  async rename(kind: RefKind, from: string, to: string): Promise<void> {
    validateName(kind, to);
    const window = await this.fence.open();
    const commit = await this.get(kind, from);
    if (!commit) throw this.notFound(kind, from);
    await this.create(kind, to, commit, `${kind} rename from ${from}`, window);
    if (!(await this.backend.compareAndSwapRef(PREFIX[kind] + from, commit, undefined, { reason: `${kind} rename to ${to}` }))) {
      // `from` moved while we renamed: keep both rather than lose its new commits.
      throw new InvalidArgumentError(`refs: ${kind} "${from}" moved during rename; "${to}" was created at its old commit`);
    }
  }

  async list(kind: RefKind): Promise<RefInfo[]> {
    const names = await this.backend.listRefs(PREFIX[kind]);
    const out: RefInfo[] = [];
    for (const full of names) {
      const commit = await this.read(full);
      if (commit) out.push({ name: full.slice(PREFIX[kind].length), kind, commit });
    }
    return out;
  }

  /** Every update of a ref, oldest first; available after the ref is deleted too. */
  async reflog(kind: RefKind, name: string): Promise<RefLogEntry[]> {
    return (await this.backend.readRefLogs()).get(PREFIX[kind] + validateName(kind, name)) ?? [];
  }

  /**
   * Resolves a user's ref to a commit id: a branch, a tag (`tags/x` or `x`), `heads/x`, or a commit
   * id. A branch wins over a tag of the same name, as in Git.
   */
  async resolve(ref: string): Promise<string> {
    if (isContentHash(ref)) {
      await this.commits.get(ref);
      return ref;
    }
    const candidates: [RefKind, string][] = ref.startsWith(PREFIX.branch)
      ? [['branch', ref.slice(PREFIX.branch.length)]]
      : ref.startsWith(PREFIX.tag)
        ? [['tag', ref.slice(PREFIX.tag.length)]]
        : [['branch', ref], ['tag', ref]];
    for (const [kind, name] of candidates) {
      let commit: string | undefined;
      try {
        commit = await this.get(kind, name);
      } catch (e) {
        if (!(e instanceof InvalidNameError)) throw e;
      }
      if (commit) return commit;
    }
    throw new RefNotFoundError(ref);
  }

  /** A guarded swap (see the top of this file). */
  private swap(full: string, expected: string | undefined, next: string, reason: string, window: WriteWindow, onMismatch?: (current: string | undefined) => void): Promise<boolean> {
    return this.fence.swap(window, next, `ref ${full}`, (guard) => this.backend.compareAndSwapRef(full, expected, next, { reason, guard, ...(onMismatch ? { onMismatch } : {}) }));
  }

  /** A ref's value, which must be a commit id. @throws {CorruptObjectError} naming the ref */
  private async read(full: string): Promise<string | undefined> {
    const value = await this.backend.readRef(full);
    if (value !== undefined && !isContentHash(value)) throw new CorruptObjectError('ref', full, `holds ${JSON.stringify(value.slice(0, 80))}, not a commit id`);
    return value;
  }

  private notFound(kind: RefKind, name: string): Error {
    return kind === 'branch' ? new BranchNotFoundError(name) : new RefNotFoundError(`tags/${name}`);
  }

  /**
   * `a/b` cannot coexist with `a` (one would be a file, the other a directory). Checked along the
   * name's own path, O(depth), so creating a branch costs the same however many branches exist.
   */
  private async checkHierarchy(kind: NameKind & RefKind, name: string): Promise<void> {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (await this.read(PREFIX[kind] + prefix).catch(() => undefined)) {
        throw new InvalidNameError(kind, name, `clashes with existing ${kind} "${prefix}"`);
      }
    }
    const below = await this.backend.listRefs(`${PREFIX[kind]}${name}/`);
    if (below.length > 0) throw new InvalidNameError(kind, name, `clashes with existing ${kind} "${below[0]!.slice(PREFIX[kind].length)}"`);
  }
}
