/**
 * Cross-table transactions and the commit protocol.
 *
 * A transaction starts from a branch head (its *base*), and every change it makes is staged per
 * table: chunks are written to the store as it goes (immutable, so harmless if it aborts), and each
 * changed table gets a new manifest. Readers inside the transaction see the base plus its own changes;
 * readers outside see nothing until the commit.
 *
 * ```
 *   base = head(branch)                    (or, for an append, the head this process last wrote: store.ts)
 *   stage: write / append / delete / update / add columns ──> chunks + manifests (invisible)
 *   commit:
 *     parent = base
 *     loop:
 *       for each staged table:  current = parent.tables[t]
 *         current == staged.base            -> take staged manifest
 *         staged is append-only and current
 *           only appended to staged.base   -> current chunks + staged appended chunks (rebase)
 *         otherwise                         -> CommitConflictError(t, base version, current version)
 *       commit = { parents: [parent], tables: parent.tables ∪ staged }
 *       CAS(branch: parent -> commit)  ── ok ──> done (the one atomic step)
 *            │ moved
 *            └─> parent = new head; loop  (tables the other commit did not touch rebase freely)
 * ```
 * The CAS is guarded by the gc fence with the window the transaction opened as it began
 * (sweep-fence.ts), so a gc running beside it never deletes an object the commit names.
 * All or nothing: the ref moves once, to a commit that names every changed table. A crash before the
 * CAS leaves the old head and some unreferenced objects (collected by `gc` after its grace period).
 * A conflict is a typed, retryable error; `withRetry` re-runs the whole transaction from a new head.
 */
import type { RecordBatch } from 'apache-arrow';

import { PutGroup, type ChunkStore } from '../chunk-store/chunk-store.js';
import { BranchNotFoundError, CommitConflictError, InvalidArgumentError, TableNotFoundError } from '../errors.js';
import { addColumns } from '../ops/add-columns.js';
import { deleteRows } from '../ops/delete.js';
import { dropColumns } from '../ops/drop-columns.js';
import { optimizeChunks, type OptimizeResult } from '../ops/optimize.js';
import { renameColumn } from '../ops/rename-column.js';
import { unmatchedKeys, updateRows, upsertRows, type UpdateOptions, type UpsertOptions, type UpsertResult } from '../ops/update.js';
import { writeTable, type StagedWrite, type TxWriteOptions } from '../ops/write.js';
import type { PhaseRuntime } from '../phases/types.js';
import type { Filter } from '../table/filter.js';
import type { Codec } from '../table/parquet-codec.js';
import { collectTable, toSource, type TableInput } from '../table/source.js';
import { readManifest, scanManifest, type ManifestReadOptions } from '../table/table-reader.js';
import { nextEntry, type Authorship, type CommitInfo, type TableEntry } from './commit.js';
import type { CommitReader } from './history.js';
import { appendedKeys, checkRebasedKeys } from './keys.js';
import { chunkKey } from './manifest-tree.js';
import { makeManifest, putManifest, type ChunkRef, type Manifest, type ManifestReader } from './manifest.js';
import { validateName } from './names.js';
import type { RefStore } from './refs.js';
import type { WriteWindow } from './sweep-fence.js';

export interface TxContext {
  chunks: ChunkStore;
  manifests: ManifestReader;
  runtime: PhaseRuntime;
  commits: CommitReader;
  refs: RefStore;
  codec: Codec;
  chunkRows: number;
  /** Throws once the store the transaction was begun on is closed. */
  ensureOpen?(operation: string): void;
}

interface Staged {
  /** The table's entry in the transaction's base commit. */
  base: TableEntry | undefined;
  /** Undefined: the table is dropped. */
  manifest: Manifest | undefined;
  /** True while every change to this table was an append: such changes rebase onto concurrent appends. */
  appendOnly: boolean;
  appended: ChunkRef[];
}

export interface CommitOutcome {
  commit: CommitInfo;
  /** Per changed table, its new version (dropped tables are absent). */
  versions: Record<string, number>;
}

/** How a change other than an append is staged: the table's content is replaced, rebased by no append rule. */
const REPLACED = { appendOnly: false, appended: [] as ChunkRef[] } as const;

export class Transaction {
  private readonly staged = new Map<string, Staged>();
  /** Per table, the keys of the rows this transaction appended, read at its first rebase onto another append. */
  private readonly ourKeys = new Map<string, Promise<RecordBatch[]>>();
  private done = false;

  /** @internal Use `store.begin()` or `store.transaction()`. */
  constructor(
    private readonly ctx: TxContext,
    readonly branch: string,
    /** The commit this transaction reads from and builds on; undefined on an unborn branch. */
    readonly base: CommitInfo | undefined,
    /** The gc fence as the transaction began, before it read `base`. */
    private readonly window: WriteWindow,
    /** True when `base` is the head this process last moved the branch to, remembered rather than read (store.ts, `transactionOn`). */
    readonly remembered = false,
  ) {}

  /** Names of the tables visible in this transaction (base plus staged, less dropped), sorted. */
  tables(): string[] {
    return [...new Set([...Object.keys(this.base?.tables ?? {}), ...this.staged.keys()])].filter((t) => this.staged.get(t)?.manifest !== undefined || !this.staged.has(t)).sort();
  }

  /** Reads a table as this transaction sees it. */
  async read(name: string, options: ManifestReadOptions = {}) {
    return readManifest(this.ctx, await this.requireManifest(name), name, options);
  }

  /** Writes `data` as the new content of `name` (`overwrite`, the default) or appends it (ops/write.ts). */
  async write(name: string, data: TableInput, options: TxWriteOptions = {}): Promise<StagedWrite> {
    this.checkOpen();
    validateName('table', name);
    const { manifest, appended, result } = await writeTable(this.ctx, name, await this.manifestOf(name), data, options);
    const prev = this.staged.get(name);
    // A plain append rebases onto concurrent appends, as long as every change to the table was one.
    this.stage(name, manifest, appended ? { appendOnly: prev ? prev.appendOnly : true, appended: [...(prev?.appended ?? []), ...appended] } : REPLACED);
    return result;
  }

  /**
   * Deletes the rows of `name` matching `filter` (ops/delete.ts): chunks that cannot or do not match
   * are kept as they are, others keep their bytes behind a deletion vector or are rewritten. Returns
   * rows deleted.
   */
  async delete(name: string, filter: Filter): Promise<number> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    const { chunks, deleted } = await deleteRows(this.ctx, name, current, filter);
    if (deleted > 0) this.stage(name, makeManifest(current.schema, chunks, current));
    return deleted;
  }

  /**
   * Updates rows of `name` by key: each row of `rows` names table rows by its key columns (`on`,
   * default: the table's declared keys) and gives new values for its other columns. A table row whose
   * key no update row has is left as it is; an update row that matches no table row is an error
   * (`ignoreMissing` skips it; `upsert` inserts it). Touched chunks keep their bytes and gain a column
   * patch (column-patch.ts). Returns table rows updated.
   * @throws {SchemaMismatchError} a column of `rows` is not in the table or has another type
   * @throws {InvalidArgumentError} no key columns, a key column missing from `rows`, nothing to set,
   * or a key given twice
   * @throws {KeyNotFoundError} an update row matches no table row, naming the keys
   */
  async update(name: string, rows: TableInput, options: UpdateOptions = {}): Promise<number> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    const updates = await collectTable(await toSource(rows, 'update rows'));
    const { chunks, updated, matched } = await updateRows(this.ctx, name, current, updates, options);
    if (!options.ignoreMissing && matched.includes(0)) throw unmatchedKeys(name, updates, options.on ?? current.keys ?? [], matched);
    if (updated > 0) this.stage(name, makeManifest(current.schema, chunks, current));
    return updated;
  }

  /**
   * Merges `rows` into `name` by key (`on`, default: the table's declared keys): a row whose key the
   * table has updates that row (a column patch, and nothing when its values are the same), a row
   * whose key it lacks is appended, and with `deleteMissing` a table row whose key `rows` lacks is
   * deleted (a deletion vector): `rows` is then the whole new content.
   * @throws {SchemaMismatchError} `rows` has other columns than the table (an inserted row needs them all)
   * @throws {InvalidArgumentError} no key columns, or a key given twice
   */
  async upsert(name: string, rows: TableInput, options: UpsertOptions = {}): Promise<UpsertResult> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    const { chunks, result } = await upsertRows(this.ctx, name, current, await collectTable(await toSource(rows, 'upsert rows')), options);
    if (result.updated + result.inserted + result.deleted > 0) this.stage(name, makeManifest(current.schema, chunks, current));
    return result;
  }

  /**
   * Adds the columns of `columns` (one value per row, in table order) to `name`. No chunk is
   * rewritten: each gains a patch holding its share of the new columns (ops/add-columns.ts).
   * @throws {InvalidArgumentError} a column that exists, or a row count that differs from the table's
   */
  async addColumns(name: string, columns: TableInput): Promise<void> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    const added = await addColumns(this.ctx, name, current, await collectTable(await toSource(columns, 'columns')));
    this.stage(name, makeManifest(added.schema, added.chunks, current));
  }

  /**
   * Drops table `name` from the branch. Its versions stay readable in history (`ref`, `asOf`) until
   * expired; a table made under the name later begins again at version 1.
   * @throws {TableNotFoundError}
   */
  async dropTable(name: string): Promise<void> {
    this.checkOpen();
    await this.requireManifest(name);
    this.stage(name, undefined);
  }

  /**
   * Renames table `from` to `to`, storing nothing but the commit: `to` begins at version 1 with
   * `from`'s rows, chunks and keys (a name this transaction freed carries on counting its own
   * versions); `from`'s versions stay in history under its name.
   * @throws {TableNotFoundError} `from` @throws {InvalidArgumentError} `to` exists
   */
  async renameTable(from: string, to: string): Promise<void> {
    this.checkOpen();
    const manifest = await this.requireManifest(from);
    validateName('table', to);
    if (await this.manifestOf(to)) throw new InvalidArgumentError(`table: cannot rename "${from}" to "${to}": a table "${to}" exists (drop it first)`);
    this.stage(to, manifest);
    this.stage(from, undefined);
  }

  /**
   * Drops `columns` from table `name`, rewriting no chunk (ops/drop-columns.ts): the schema loses
   * them and each chunk records them as hidden. Versions before keep them. A key column cannot be
   * dropped, nor every column.
   * @throws {InvalidArgumentError} naming a column the table lacks, a key column, or all of them
   */
  async dropColumns(name: string, columns: readonly string[]): Promise<void> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    this.stage(name, dropColumns(name, current, columns));
  }

  /**
   * Renames column `from` of table `name` to `to`, rewriting no chunk (ops/rename-column.ts): the
   * schema, keys and statistics take the new name, and chunks and patches holding the column under
   * another name record it. Versions before keep the old name.
   * @throws {InvalidArgumentError} `from` is not a column, or `to` is one already or not a valid name
   */
  async renameColumn(name: string, from: string, to: string): Promise<void> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    this.stage(name, renameColumn(name, current, from, to));
  }

  /**
   * Compacts `name`: runs of small chunks, and chunks with deletion vectors or patches, are written
   * again as full chunks; the rows and their order stay (ops/optimize.ts). Stages nothing when the table
   * is tidy already.
   */
  async optimize(name: string): Promise<OptimizeResult> {
    this.checkOpen();
    const current = await this.requireManifest(name);
    const { chunks, result } = await optimizeChunks(this.ctx, name, current);
    if (result.rowsRewritten > 0) this.stage(name, makeManifest(current.schema, chunks, current));
    return result;
  }

  /** Streams a table as this transaction sees it. */
  async *scan(name: string, options: ManifestReadOptions = {}) {
    yield* scanManifest(this.ctx, await this.requireManifest(name), name, options);
  }

  /** @internal The manifest of `name` as this transaction sees it, or undefined. */
  async manifestOf(name: string): Promise<Manifest | undefined> {
    const staged = this.staged.get(name);
    if (staged) return staged.manifest;
    const entry = this.base?.tables[name];
    return entry ? this.loadManifest(entry.manifest) : undefined;
  }

  /** True when nothing was staged. */
  get empty(): boolean {
    return this.staged.size === 0;
  }

  /**
   * Commits every staged change atomically, rebasing onto a moved head when that is safe.
   * @throws {CommitConflictError} a staged table was changed incompatibly since the base
   */
  async commit(message: string, about: Authorship = {}): Promise<CommitOutcome | undefined> {
    this.checkOpen();
    this.done = true;
    if (this.staged.size === 0) return undefined;
    let parent = this.base;
    // Manifests already stored by an earlier try of this commit: a rebase that leaves one as it was
    // does not write it again (under contention, most rebases leave every manifest as it was).
    const stored = new Map<Manifest, string>();
    for (let lost = 0; ; lost++) {
      const started = performance.now();
      const tables: Record<string, TableEntry> = { ...(parent?.tables ?? {}) };
      const versions: Record<string, number> = {};
      // Manifests, the commit and the ref's new value are written side by side; all are durable
      // before the ref moves.
      const group = new PutGroup(this.ctx.chunks);
      const depth = (parent?.depth ?? 0) + 1;
      for (const [name, s] of this.staged) {
        const current = parent?.tables[name];
        const manifest = await this.rebased(name, s, current);
        if (!manifest) {
          delete tables[name];
          continue;
        }
        let id = stored.get(manifest);
        if (id === undefined) {
          id = await putManifest(this.ctx.chunks, manifest, group);
          this.ctx.manifests.remember(id, manifest);
          stored.set(manifest, id);
        }
        tables[name] = nextEntry(current, id, (current?.version ?? 0) + 1, depth);
        versions[name] = tables[name].version;
      }
      const commit = await this.ctx.commits.create(parent ? [parent.id] : [], tables, message, { group, about });
      await Promise.all([group.done(), this.ctx.refs.prepare(commit.id)]);
      const moved = await this.ctx.refs.move('branch', this.branch, parent?.id, commit.id, `commit: ${firstLine(message)}`, this.window);
      if (moved === true) return { commit, versions };
      if (moved.current === undefined) throw new BranchNotFoundError(this.branch);
      // Lost to another writer: wait a random part of what an attempt takes, growing with each loss,
      // so that writers contending for one branch do not all retry at once and all lose again.
      await new Promise((r) => setTimeout(r, Math.random() * (performance.now() - started) * Math.min(2 ** lost, 8)));
      // The branch read again, not `moved.current`: after the wait, that commit may have expired and gone.
      parent = await this.ctx.refs.headCommit(this.branch);
    }
  }

  /** Abandons the transaction; its chunks stay unreferenced until `gc`. */
  abort(): void {
    this.done = true;
  }

  private async rebased(name: string, s: Staged, current: TableEntry | undefined): Promise<Manifest | undefined> {
    if (sameEntry(current, s.base)) return s.manifest;
    if (s.appendOnly && s.base && current) {
      const [before, now] = await Promise.all([this.loadManifest(s.base.manifest), this.loadManifest(current.manifest)]);
      const onlyAppended = before.schema === now.schema && before.chunks.every((c, i) => now.chunks[i] && chunkKey(now.chunks[i]) === chunkKey(c));
      if (onlyAppended) {
        // Each append held the keys unique against what it saw; side by side, they must be against each other.
        if (now.keys?.length) {
          if (!this.ourKeys.has(name)) this.ourKeys.set(name, appendedKeys(this.ctx, name, now, s.appended));
          await checkRebasedKeys(this.ctx, name, now, now.chunks.slice(before.chunks.length), await this.ourKeys.get(name)!);
        }
        return makeManifest(now.schema, [...now.chunks, ...s.appended], now);
      }
    }
    throw new CommitConflictError(name, s.base?.version ?? 0, current?.version ?? 0, `branch "${this.branch}" moved`);
  }

  /** Stages `manifest` (undefined: the table dropped) as `name`'s content; `how` is for appends only. */
  private stage(name: string, manifest: Manifest | undefined, how: { appendOnly: boolean; appended: ChunkRef[] } = REPLACED): void {
    const prev = this.staged.get(name);
    this.staged.set(name, { base: prev ? prev.base : this.base?.tables[name], manifest, ...how });
  }

  private async requireManifest(name: string): Promise<Manifest> {
    validateName('table', name);
    const m = await this.manifestOf(name);
    if (!m) throw new TableNotFoundError(name, `branch "${this.branch}"`);
    return m;
  }

  private async loadManifest(id: string): Promise<Manifest> {
    return this.ctx.manifests.get(id);
  }

  private checkOpen(): void {
    this.ctx.ensureOpen?.('transaction');
    if (this.done) throw new InvalidArgumentError('transaction: already committed or aborted');
  }
}

function sameEntry(a: TableEntry | undefined, b: TableEntry | undefined): boolean {
  return a?.manifest === b?.manifest && a?.version === b?.version;
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!.slice(0, 200);
}

/**
 * Runs `fn` and re-runs it when it throws a retryable error (a commit conflict), with jittered
 * exponential backoff. `fn` must start its transaction afresh each time.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: { retries?: number; baseDelayMs?: number } = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const base = options.baseDelayMs ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retryable = (e as { retryable?: unknown })?.retryable === true;
      if (!retryable || attempt >= retries) throw e;
      await new Promise((r) => setTimeout(r, base * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
