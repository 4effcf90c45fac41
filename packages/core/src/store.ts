/**
 * `Store`: the public face of the engine. Opens a store directory; writes tables (every write is a
 * commit on a branch, `main` by default) alone or in cross-table transactions; reads any table at a
 * branch, tag, commit, per-table version or point in time; manages branches and tags; lists history;
 * verifies every stored byte and collects garbage.
 *
 * Write path: slice the input into chunks -> the phase encodes and stores them -> a manifest for the
 * new table version -> a commit that maps every table to its manifest -> compare-and-swap of the
 * branch ref (see catalog/transaction.ts). Objects are written before the ref moves, so a crash at
 * any point leaves the previous commit intact and at worst unreferenced objects for `gc`.
 */
import { join, resolve } from 'node:path';

import type { RecordBatch, Schema, Table } from 'apache-arrow';

import type { ObjectBackend, RefLogEntry } from './backend/backend.js';
import { STORE_MARKER } from './backend/layout.js';
import { isObjectStoreUrl, openBackend } from './backend/open-backend.js';
import type { S3Options } from './backend/s3-backend.js';
import { ChunkStore } from './chunk-store/chunk-store.js';
import { checkAuthorship, type Authorship, type CommitInfo, type TableEntry } from './catalog/commit.js';
import { CommitReader } from './catalog/history.js';
import { diffCommits, type DiffResult } from './ops/diff.js';
import { changesBetween, subscribe, type ChangeEntry, type Subscription } from './ops/feed.js';
import { rowChanges } from './ops/row-changes.js';
import { applyChange, mergeRefs, type MergeResult, type MergeStrategies } from './ops/merge.js';
import { PendingMerges, type PendingMerge } from './catalog/pending-merge.js';
import { Expiry, type ExpireOptions, type ExpireReport } from './catalog/expiry.js';
import { collectGarbage, verifyStore, type GcOptions, type GcReport, type VerifyReport } from './ops/maintenance.js';
import { ManifestReader, manifestBytes, manifestSchema, type Manifest } from './catalog/manifest.js';
import { validateName } from './catalog/names.js';
import { RefStore, type RefInfo, type RefKind } from './catalog/refs.js';
import { SweepFence } from './catalog/sweep-fence.js';
import { Transaction, withRetry, type TxContext } from './catalog/transaction.js';
import type { TxWriteOptions } from './ops/write.js';
import {
  BranchNotFoundError,
  CommitConflictError,
  CorruptObjectError,
  ErrorCode,
  InvalidArgumentError,
  isArmillariaError,
  StoreClosedError,
  StoreExistsError,
  StoreNotFoundError,
  TableNotFoundError,
  UnsupportedVersionError,
  VersionExpiredError,
  VersionNotFoundError,
} from './errors.js';
import { resolvePhase } from './phases/registry.js';
import type { PhaseName, PhaseRuntime } from './phases/types.js';
import type { Filter } from './table/filter.js';
import { parseCodec, type Codec } from './table/parquet-codec.js';
import { collectTable, isInMemory, toSource, type TableInput } from './table/source.js';
import { readManifest, scanManifest } from './table/table-reader.js';
import { importDelta, type DeltaImportOptions, type ImportedVersion } from './views/delta-import.js';
import { publishDelta, readDeltaState, type DeltaPublishedVersion, type DeltaPublishReport, type VersionToPublish } from './views/delta.js';
import { publishIceberg, readIcebergState, type IcebergPublishedVersion, type IcebergPublishReport, type TagToPublish } from './views/iceberg.js';
import { checkChunkRows } from './table/table-writer.js';

export const DEFAULT_BRANCH = 'main';
export const DEFAULT_CHUNK_ROWS = 131_072; // ~2 MB of seed-narrow per chunk: fsync ~2 ms, decode in one batch
export const DEFAULT_CODEC: Codec = 'snappy'; // Delta Lake's default too, so headline numbers compare like for like
const STORE_FORMAT = 1;

export interface OpenOptions {
  /** Create the store if the directory has none (default false). */
  create?: boolean;
  /** Phase name or 'auto' (default: env ARMILLARIA_PHASE, else 'auto'). */
  phase?: string;
  /** Parquet codec for new chunks (default 'snappy'). */
  codec?: Codec;
  /** Rows per chunk (default 131072). */
  chunkRows?: number;
  /** Local stores: fsync objects and refs before they become visible (default true). */
  fsync?: boolean;
  /** `s3://` stores: endpoint, region, credentials (default: the standard AWS environment variables). */
  s3?: S3Options;
  /** Recorded as the author of every commit made through this store (default: env ARMILLARIA_AUTHOR). */
  author?: string;
  /** Recorded on every commit made through this store, under what a commit gives itself. */
  metadata?: Record<string, string>;
}

export interface WriteOptions extends TxWriteOptions, Authorship {
  message?: string;
  branch?: string;
}

export interface WriteResult {
  commit: string;
  table: string;
  version: number;
  rows: number;
  chunks: number;
  /** Chunks whose bytes were not in the store before this write (a column patch is not a chunk). */
  newChunks: number;
  /** Bytes of the chunks and column patches that were not in the store before this write. */
  newBytes: number;
}

/** Where to read from. At most one of `ref` and `branch`; at most one of `version` and `asOf`. */
export interface AtOptions {
  /** Branch (default `main`). */
  branch?: string;
  /** A branch, tag (`v1` or `tags/v1`) or commit id, instead of `branch`. */
  ref?: string;
  /** Per-table version number (1 = first write). */
  version?: number;
  /** The table as it was at this time (the newest commit not after it). */
  asOf?: Date | string;
}

export interface ReadOptions extends AtOptions {
  /** Top-level columns to return, in this order. */
  columns?: readonly string[];
  /** Keep only matching rows; chunks whose statistics rule the filter out are not read. */
  filter?: Filter;
  /** Re-hash every chunk read (detects corruption). */
  verify?: boolean;
}

/** Which snapshot a SQL query reads: a branch head (default `main`) or ref, optionally as of a time. */
export interface SqlOptions extends Pick<AtOptions, 'branch' | 'ref' | 'asOf'> {
  /** Tables read at another version than the snapshot's, by per-table version number. */
  versions?: Record<string, number>;
  /** Check every chunk against its sum before DuckDB reads it (default true). */
  verify?: boolean;
}

/** Where `importDelta` puts a Delta table's versions, and from which Delta version. */
export interface ImportDeltaOptions extends DeltaImportOptions, Pick<WriteOptions, 'keys' | 'chunkRows' | 'codec'> {
  /** The branch to import onto (default `main`). */
  branch?: string;
}

/** What `publish` publishes: a table on a branch (default `main`) or ref, into a view directory. */
interface PublishOptionsBase extends Pick<AtOptions, 'branch' | 'ref'> {
  /** On a new view, publish every version from the first, not only the current one (default false). */
  history?: boolean;
  /** Check every chunk against its sum before it is linked or copied (default true). */
  verify?: boolean;
}
export interface DeltaPublishOptions extends PublishOptionsBase {
  format?: 'delta';
  /** Called after each Delta commit lands. */
  onVersion?: (published: DeltaPublishedVersion) => void;
}
export interface IcebergPublishOptions extends PublishOptionsBase {
  format: 'iceberg';
  /** Called after each Iceberg snapshot lands. */
  onVersion?: (published: IcebergPublishedVersion) => void;
}
export type PublishOptions = DeltaPublishOptions | IcebergPublishOptions;
/** What `publish` did: the Delta commits or Iceberg snapshots it wrote, and the files it placed. */
export type PublishReport = DeltaPublishReport | IcebergPublishReport;

export interface TableInfo {
  name: string;
  version: number;
  commit: string;
  manifest: string;
  rows: number;
  chunks: number;
  bytes: number;
  codec: Codec;
  keys?: string[];
  schema: Schema;
}

export interface LogEntry {
  commit: string;
  parents: string[];
  time: string;
  message: string;
  author?: string;
  metadata?: Record<string, string>;
  /** Tables this commit changed relative to its first parent, with their new version (-1 = dropped). */
  changes: { table: string; version: number }[];
  /** The history before this commit has expired (`expire`): `changes` lists every table, as for a first commit. */
  historyExpired?: true;
}

/** A commit and what it changed (`show`). */
export interface CommitShown extends Omit<LogEntry, 'changes'> {
  /** What changed against the first parent, as `diff` reports it. */
  tables: DiffResult['tables'];
}

/** Options of `merge`. */
export interface MergeOptions extends Authorship {
  /** The branch to merge into (default `main`). */
  into?: string;
  message?: string;
  /** Settle conflicts with one side, for every table or per table. */
  strategy?: MergeStrategies;
  /** Per keyed table, rows that settle its row conflicts by key (each replaces the merged row of its key). */
  resolve?: Record<string, TableInput>;
  /** Work the merge out (status, actions, conflicts) without storing or committing anything. */
  dryRun?: boolean;
}

export interface TransactionOptions extends Authorship {
  branch?: string;
  message?: string;
  /** Re-run the whole transaction this many times on a commit conflict (default 0). */
  retries?: number;
}

/** A range of a branch's history: the commits after `since` (default: from the first) up to `until` (default: the head). */
export interface FeedRange {
  branch?: string;
  /** A commit on the branch's first-parent chain; the range starts after it. */
  since?: string;
  /** A branch, tag or commit that ends the range instead of the branch head. */
  until?: string;
}

export interface TransactionResult<T> {
  /** What the transaction function returned. */
  value: T;
  /** The new commit, or undefined when the transaction changed nothing. */
  commit?: string;
  /** New version of every table the transaction changed. */
  versions: Record<string, number>;
}

/**
 * Opens (or with `create: true`, creates) the store at `path`.
 * @throws {StoreNotFoundError} no store there and `create` is not set
 * @throws {NativeUnavailableError} the requested phase needs the addon and it cannot load
 * @example
 * const store = await openStore('./data', { create: true });
 * await store.write('events', tableFromArrays({ id: new Int32Array([1, 2]) }));
 * const t = await store.read('events');
 */
export async function openStore(location: string, options: OpenOptions = {}): Promise<Store> {
  const backend = await openBackend(location, options);
  try {
    let marker = await backend.readMarker();
    if (marker === undefined) {
      if (!options.create) throw new StoreNotFoundError(backend.location);
      await backend.createMarker(newMarker()); // false: another process created it first, which is fine
      marker = (await backend.readMarker())!;
    }
    checkMarker(marker, backend.location);
    return new Store(backend, options);
  } catch (e) {
    backend.close?.();
    throw e;
  }
}

/**
 * Creates an empty store at `location` (a directory, or `s3://bucket/prefix`).
 * @throws {StoreExistsError} @throws {StorageError} the location cannot be written
 * @throws {InvalidArgumentError} a path that is a file, or a malformed S3 location
 */
export async function initStore(location: string, options: Pick<OpenOptions, 'fsync' | 's3'> = {}): Promise<void> {
  const backend = await openBackend(location, options);
  try {
    if ((await backend.readMarker()) !== undefined || !(await backend.createMarker(newMarker()))) throw new StoreExistsError(backend.location);
  } finally {
    backend.close?.();
  }
}

function newMarker(): string {
  return `${JSON.stringify({ format: STORE_FORMAT, created: new Date().toISOString() }, null, 2)}\n`;
}

/** Refuses a store this version cannot read: a marker of another format, or one that is not ours. */
function checkMarker(text: string, location: string): void {
  const where = isObjectStoreUrl(location) ? `${location}/${STORE_MARKER}` : join(location, STORE_MARKER);
  let marker: unknown;
  try {
    marker = JSON.parse(text);
  } catch (e) {
    throw new CorruptObjectError('store marker', where, 'not valid JSON', { cause: e });
  }
  const format = (marker as { format?: unknown } | null)?.format;
  if (typeof marker !== 'object' || marker === null || format === undefined) throw new CorruptObjectError('store marker', where, 'it has no format number');
  if (format !== STORE_FORMAT) throw new UnsupportedVersionError('store', location, format, STORE_FORMAT);
}

export class Store {
  readonly phase: PhaseName;
  readonly codec: Codec;
  readonly chunkRows: number;
  /** The author recorded on commits that name none. */
  readonly author: string | undefined;
  private readonly metadata: Record<string, string> | undefined;
  /** @internal The engine's parts, for the harness and tests (`@armillaria/core/internals`). */
  readonly chunks: ChunkStore;
  /** @internal */
  readonly refs: RefStore;
  /** @internal */
  readonly commits: CommitReader;
  /** @internal */
  readonly manifests: ManifestReader;
  /** @internal */
  readonly fence: SweepFence;
  /** @internal */
  readonly expiry: Expiry;
  private readonly pendingMerges: PendingMerges;
  /** Where the store lives: an absolute directory, or `s3://bucket/prefix`. */
  readonly path: string;
  private readonly runtime: PhaseRuntime;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();

  /** @internal Use `openStore`. */
  constructor(
    /** @internal */
    readonly backend: ObjectBackend,
    options: OpenOptions = {},
  ) {
    this.path = backend.location;
    this.chunks = new ChunkStore(backend);
    this.commits = new CommitReader(this.chunks);
    this.manifests = new ManifestReader(this.chunks);
    this.expiry = new Expiry(backend, this.chunks, this.commits);
    this.pendingMerges = new PendingMerges(backend);
    this.fence = new SweepFence(backend, this.chunks, this.commits, this.expiry);
    this.refs = new RefStore(backend, this.commits, this.fence);
    const phase = resolvePhase(options.phase, backend);
    this.phase = phase.name;
    this.runtime = phase.create({ backend, chunks: this.chunks });
    this.codec = parseCodec(options.codec ?? DEFAULT_CODEC);
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    ({ author: this.author, metadata: this.metadata } = checkAuthorship({ author: options.author ?? (process.env.ARMILLARIA_AUTHOR || undefined), metadata: options.metadata }));
  }

  /** Who made a commit: its own author and metadata, else the store's author. */
  private authorship(about: Authorship): Authorship {
    const metadata = this.metadata || about.metadata ? { ...this.metadata, ...about.metadata } : undefined;
    return checkAuthorship({ author: about.author ?? this.author, metadata });
  }

  /**
   * Writes `data` as a new version of table `name` on a branch, as one commit. Overwriting with an
   * in-memory table keeps what it shares with the current version: changed values become column
   * patches, rows inserted or deleted in one region keep the chunks around them (ops/overwrite.ts).
   * @param data an Arrow Table or RecordBatch (from any copy of apache-arrow), a RecordBatchReader, an
   * (async) iterable of record batches or `{ schema, batches }` (streamed: for large inputs), or Arrow
   * IPC bytes (stream or file format, or a byte stream)
   * @throws {InvalidNameError} @throws {SchemaMismatchError} an append whose schema differs
   * @throws {InvalidArgumentError} `data` is none of these, or IPC bytes that do not decode
   * @throws {CommitConflictError} another writer changed this table incompatibly; retry
   */
  async write(name: string, data: TableInput, options: WriteOptions = {}): Promise<WriteResult> {
    this.ensureOpen('write');
    const mode = options.mode ?? 'overwrite';
    const { value, commit, versions } = await this.transactionOn((tx) => tx.write(name, data, options), {
      branch: options.branch,
      message: options.message ?? `${mode} ${name}`,
      author: options.author,
      metadata: options.metadata,
    }, mode === 'append' && isInMemory(data));
    return { ...value, commit: commit!, version: versions[name]! };
  }

  /**
   * Runs `fn` in a transaction on a branch and commits everything it staged atomically: all or
   * nothing, across tables. Concurrent commits to other tables (or concurrent appends where this
   * transaction only appended) are rebased over automatically.
   * @throws {CommitConflictError} (retryable) a table changed incompatibly; `retries` re-runs `fn`
   * @example
   * await store.transaction(async (tx) => {
   *   await tx.write('orders', orders, { mode: 'append' });
   *   await tx.delete('inventory', { column: 'qty', op: '=', value: 0 });
   * }, { message: 'nightly load' });
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<TransactionResult<T>> {
    return this.transactionOn(fn, options, false);
  }

  /**
   * `transaction`, where `blindAppend` says `fn` only appends data held in memory. Such a transaction
   * may begin on the head this process last moved the branch to, without reading the branch (on S3,
   * one request of the five a small commit costs). It is the head as long as nobody else moved the
   * branch, and the ref's swap, conditioned on that very version, fails if anybody did. Then the
   * append rebases onto the branch as it is, as any append does; what cannot be rebased (the table
   * was replaced, say, which may have happened long before this transaction began) and anything
   * that fails on the remembered base is run again from the branch read afresh, as if begun now.
   */
  private async transactionOn<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions, blindAppend: boolean): Promise<TransactionResult<T>> {
    this.ensureOpen('transaction');
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const about = this.authorship(options);
    return withRetry(
      async () => {
        for (let remembered = blindAppend; ; remembered = false) {
          const tx = await this.beginOn(branch, remembered);
          let value: T;
          try {
            value = await fn(tx);
          } catch (e) {
            tx.abort();
            if (tx.remembered) continue;
            throw e;
          }
          try {
            const outcome = await tx.commit(options.message ?? 'transaction', about);
            return { value, commit: outcome?.commit.id, versions: outcome?.versions ?? {} };
          } catch (e) {
            // Only errors that say the ref did not move: after others, running again could append twice.
            if (tx.remembered && (e instanceof CommitConflictError || e instanceof BranchNotFoundError)) continue;
            throw e;
          }
        }
      },
      { retries: options.retries ?? 0 },
    );
  }

  /** Starts a transaction by hand (commit with `tx.commit(message)`); `transaction()` is usually simpler. */
  async begin(branch = DEFAULT_BRANCH): Promise<Transaction> {
    return this.beginOn(branch, false);
  }

  /** `begin`; with `remembered`, on the head this process last moved the branch to, if it knows one (see `transactionOn`). */
  private async beginOn(branch: string, remembered: boolean): Promise<Transaction> {
    this.ensureOpen('begin');
    const ctx: TxContext = { ...this.context(), codec: this.codec, chunkRows: this.chunkRows };
    const known = this.backend.refVersion?.(`heads/${branch}`);
    if (remembered && known?.swapped && known.value !== undefined) {
      // The commit this process wrote is normally in its cache; if not, and it is gone, read the branch.
      const base = await this.commits.get(known.value).catch((e: unknown) => (isArmillariaError(e) && e.code === ErrorCode.ObjectNotFound ? undefined : Promise.reject(e)));
      if (base) return new Transaction(ctx, branch, base, this.fence.after(known.version), true);
    }
    // The head first, then the fence: so a swap on the version read here may skip its second look
    // at the fence; and a head this process itself moved there needs no look at all (sweep-fence.ts,
    // WriteWindow.refVersion).
    const head = branch === DEFAULT_BRANCH ? await this.refs.head(branch) : await this.refs.requireHead(branch);
    const version = this.backend.refVersion?.(`heads/${branch}`);
    const window = version?.swapped ? this.fence.after(version.version) : await this.fence.open(version?.version);
    return new Transaction(ctx, branch, head ? await this.commits.get(head) : undefined, window);
  }

  /**
   * Reads table `name` as an Arrow table, at the head of a branch or at any ref, version or time.
   * @throws {TableNotFoundError} @throws {VersionNotFoundError} @throws {BranchNotFoundError} @throws {RefNotFoundError}
   * @throws {CorruptChunkError} with `verify`, when a chunk's bytes do not match its id
   */
  async read(name: string, options: ReadOptions = {}): Promise<Table> {
    this.ensureOpen('read');
    const { manifest } = await this.resolveTable(name, options);
    return readManifest({ runtime: this.runtime, chunks: this.chunks }, manifest, name, options);
  }

  /** Streams table `name` chunk by chunk (bounded memory), e.g. for exports of large tables. */
  async *scan(name: string, options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    this.ensureOpen('scan');
    const { manifest } = await this.resolveTable(name, options);
    yield* scanManifest({ runtime: this.runtime, chunks: this.chunks }, manifest, name, options);
  }

  /**
   * Runs a SQL query (DuckDB, in process) over the store's tables at one snapshot: every table the
   * query names is read at the same commit, with deleted rows and updates applied exactly as `read`
   * applies them. Read-only: only SELECT and EXPLAIN run. Chunks its WHERE clauses rule out by
   * statistics are not opened; `EXPLAIN` says which were skipped.
   * @throws {SqlError} bad SQL, an unknown column or function, a statement that is not a query
   * @throws {TableNotFoundError} @throws {BranchNotFoundError} @throws {RefNotFoundError} @throws {VersionNotFoundError}
   * @example
   * const t = await store.sql('SELECT category, count(*) AS n FROM users GROUP BY category', { ref: 'v1' });
   */
  async sql(query: string, options: SqlOptions = {}): Promise<Table> {
    this.ensureOpen('sql');
    const { collect } = await import('./sql/query.js');
    return collect(await this.startSql(query, options));
  }

  /** `sql` as a stream of record batches of up to 64K rows, for results too large to hold at once. */
  async *sqlBatches(query: string, options: SqlOptions = {}): AsyncIterable<RecordBatch> {
    this.ensureOpen('sqlBatches');
    yield* (await this.startSql(query, options)).batches;
  }

  private async startSql(query: string, options: SqlOptions) {
    const { runSql } = await import('./sql/query.js');
    const { versions = {}, verify, ...at } = options;
    const head = await this.resolveCommit(at);
    const where = (at.ref !== undefined ? `ref "${at.ref}"` : `branch "${at.branch ?? DEFAULT_BRANCH}"`) + (at.asOf !== undefined ? ` as of ${String(at.asOf)}` : '');
    const tables = Object.keys(head?.tables ?? {});
    for (const [t, version] of Object.entries(versions)) {
      if (!tables.includes(t)) throw new TableNotFoundError(t, where);
      await this.resolveTable(t, { ref: head!.id, version }); // a version that does not exist fails here, named
    }
    const snapshot = {
      tables,
      where,
      manifest: async (t: string) => (await this.resolveTable(t, { ref: head!.id, version: versions[t] })).manifest,
    };
    return runSql({ runtime: this.runtime, chunks: this.chunks }, query, snapshot, { verify });
  }

  /**
   * Publishes table `name` as a Delta Lake (default) or Iceberg table in directory `dir` whose data
   * files are the chunks (hard links where the file system allows), so other engines read it: one
   * Delta commit or Iceberg snapshot per table version, in order, with statistics; in Iceberg the
   * store's tags at published versions become tags. Publishing again appends the versions since.
   * @throws {UnsupportedTypeError} a column the format cannot hold, by name and type
   * @throws {InvalidArgumentError} `dir` holds something else, or a view of another table or ref, or
   * a view the ref no longer leads to (it was reset)
   * @example
   * await store.publish('orders', '/lake/orders'); // then: deltalake.DeltaTable('/lake/orders')
   * await store.publish('orders', '/lake/orders-ice', { format: 'iceberg' }); // pyiceberg StaticTable.from_metadata
   */
  async publish(name: string, dir: string, options?: DeltaPublishOptions): Promise<DeltaPublishReport>;
  async publish(name: string, dir: string, options: IcebergPublishOptions): Promise<IcebergPublishReport>;
  async publish(name: string, dir: string, options: PublishOptions = {}): Promise<PublishReport> {
    this.ensureOpen('publish');
    const format = options.format ?? 'delta';
    if (format !== 'delta' && format !== 'iceberg') throw new InvalidArgumentError(`views: unknown format ${JSON.stringify(format)} (expected "delta" or "iceberg")`);
    const at = { branch: options.branch, ref: options.ref };
    const head = await this.resolveCommit(at);
    const ref = options.ref ?? options.branch ?? DEFAULT_BRANCH;
    const latest = head?.tables[validateName('table', name)];
    if (!head || !latest) throw new TableNotFoundError(name, options.ref !== undefined ? `ref "${ref}"` : `branch "${ref}"`);
    const target = { dir: resolve(dir), table: name, ref };
    const state = format === 'delta' ? await readDeltaState(target.dir, name, ref) : await readIcebergState(target.dir, name, ref);
    const mark = state.mark;
    if (mark && mark.version > latest.version) {
      throw new InvalidArgumentError(`views: ${target.dir} holds version ${mark.version} of table "${name}", newer than version ${latest.version} on "${ref}" (was it reset?); publish into a new directory`);
    }
    const since = mark?.version ?? (options.history ? 0 : latest.version - 1);
    // The versions to publish, from the commits that made them; and the published one, to check.
    const made = new Map<number, { entry: TableEntry; commit: CommitInfo }>();
    for await (const c of this.commits.firstParents(head.id, (await this.expiry.floor(head))?.id)) {
      const entry = c.tables[name];
      if (!entry || entry.version < since) break;
      made.set(entry.version, { entry, commit: c });
    }
    if (mark && made.get(mark.version)?.entry.manifest !== mark.manifest) {
      throw new InvalidArgumentError(`views: ${target.dir} holds a version ${mark.version} of table "${name}" that "${ref}" no longer leads to (was it reset?); publish into a new directory`);
    }
    const versions: VersionToPublish[] = [];
    for (const [version, { entry, commit }] of [...made].filter(([v]) => v > since).sort(([a], [b]) => a - b)) {
      versions.push({ version, commit: commit.id, time: commit.time, message: commit.message, manifestId: entry.manifest, manifest: await this.manifests.get(entry.manifest) });
    }
    const ctx = { runtime: this.runtime, chunks: this.chunks };
    if (options.format !== 'iceberg') return publishDelta(ctx, target, state as Awaited<ReturnType<typeof readDeltaState>>, versions, options);
    // Iceberg keeps tags: the store's tags at versions of this table.
    const tags = new Map<string, TagToPublish>();
    for (const t of await this.refs.list('tag')) {
      const e = (await this.commits.get(t.commit)).tables[name];
      if (e) tags.set(t.name, { version: e.version, manifest: e.manifest });
    }
    return publishIceberg(ctx, target, state as Awaited<ReturnType<typeof readIcebergState>>, versions, { tags, verify: options.verify, onVersion: options.onVersion });
  }

  /**
   * Imports the Delta Lake table in `dir` as table `name`, with its history: each Delta version that
   * changed data becomes one version (appends as appends; deletes, updates and merges as overwrites
   * that keep the chunks they share with the version before). What the import cannot carry
   * (partitions, column mapping, deletion vectors) is refused up front, each named.
   * @throws {InvalidArgumentError} `dir` is not a Delta table; `name` exists and `since` was not given
   * @throws {UnsupportedFeatureError} @throws {CorruptObjectError} a broken Delta log, by file and line
   */
  async importDelta(name: string, dir: string, options: ImportDeltaOptions = {}): Promise<ImportedVersion[]> {
    this.ensureOpen('importDelta');
    validateName('table', name);
    const branch = options.branch ?? DEFAULT_BRANCH;
    if ((await this.resolveCommit({ branch }))?.tables[name] !== undefined && options.since === undefined) {
      throw new InvalidArgumentError(`import: table "${name}" exists on branch "${branch}"; give since (the Delta version to import first, on top of it)`);
    }
    const { keys, chunkRows, codec } = options;
    return importDelta(
      resolve(dir),
      async (rows, mode, message) => {
        const { version, commit, newBytes } = await this.write(name, rows, { mode, message, branch, keys, chunkRows, codec });
        return { version, commit, newBytes };
      },
      options,
    );
  }

  /** Schema, rows, chunks and bytes of a table version. */
  async describe(name: string, options: AtOptions = {}): Promise<TableInfo> {
    this.ensureOpen('describe');
    const { manifest, entry, commit } = await this.resolveTable(name, options);
    return {
      name,
      version: entry.version,
      commit,
      manifest: entry.manifest,
      rows: manifest.rows,
      chunks: manifest.chunks.length,
      bytes: manifestBytes(manifest),
      codec: manifest.codec,
      ...(manifest.keys ? { keys: manifest.keys } : {}),
      schema: manifestSchema(manifest),
    };
  }

  /** The tables at a branch head (or ref), sorted by name. */
  async tables(options: Pick<AtOptions, 'branch' | 'ref' | 'asOf'> = {}): Promise<TableInfo[]> {
    this.ensureOpen('tables');
    const commit = await this.resolveCommit(options);
    if (!commit) return [];
    return Promise.all(
      Object.keys(commit.tables)
        .sort()
        .map((n) => this.describe(n, { ref: commit.id })),
    );
  }

  /**
   * Commits on a branch (or from a ref), newest first; with `table`, only those that changed it.
   * @throws {TableNotFoundError} `table` is not on the branch and no commit in its history changed it
   */
  async log(options: { branch?: string; ref?: string; table?: string; limit?: number } = {}): Promise<LogEntry[]> {
    this.ensureOpen('log');
    if (options.table !== undefined) validateName('table', options.table);
    if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) {
      throw new InvalidArgumentError(`catalog: invalid limit ${JSON.stringify(options.limit)} (expected an integer >= 1)`);
    }
    const head = await this.resolveCommit(options);
    const out: LogEntry[] = [];
    const where = options.ref !== undefined ? `ref "${options.ref}"` : `branch "${options.branch ?? DEFAULT_BRANCH}"`;
    if (!head) {
      if (options.table !== undefined) throw new TableNotFoundError(options.table, where);
      return out;
    }
    const floor = await this.expiry.floor(head);
    for await (const c of this.commits.firstParents(head.id, floor?.id)) {
      // The cut's parent has expired: the log shows the cut as if it were a root.
      const parent = c.parents[0] && c.id !== floor?.id ? await this.commits.get(c.parents[0]) : undefined;
      const changes = tableChanges(parent?.tables ?? {}, c.tables);
      if (options.table === undefined || changes.some((ch) => ch.table === options.table)) {
        const expired = c.id === floor?.id ? { historyExpired: true as const } : {};
        out.push({ commit: c.id, parents: c.parents, time: c.time, message: c.message, ...(c.author ? { author: c.author } : {}), ...(c.metadata ? { metadata: c.metadata } : {}), changes, ...expired });
        if (options.limit !== undefined && out.length >= options.limit) break;
      }
    }
    if (options.table !== undefined && out.length === 0) throw new TableNotFoundError(options.table, where);
    return out;
  }

  // ---- branches and tags ----

  /** Creates branch `name` at `from` (a branch, tag or commit; default `main`). O(1): one small ref file. */
  async createBranch(name: string, options: { from?: string } = {}): Promise<string> {
    this.ensureOpen('createBranch');
    const window = await this.fence.open();
    const commit = await this.refs.resolve(options.from ?? DEFAULT_BRANCH);
    await this.refs.create('branch', name, commit, `branch create from ${options.from ?? DEFAULT_BRANCH}`, window);
    return commit;
  }

  /** Deletes a branch; its commits stay recoverable through the reflog until gc's retention passes. */
  async deleteBranch(name: string): Promise<string> {
    this.ensureOpen('deleteBranch');
    if (name === DEFAULT_BRANCH) throw new InvalidArgumentError(`refs: the default branch "${DEFAULT_BRANCH}" cannot be deleted`);
    return this.refs.delete('branch', name);
  }

  async renameBranch(from: string, to: string): Promise<void> {
    this.ensureOpen('renameBranch');
    if (from === DEFAULT_BRANCH) throw new InvalidArgumentError(`refs: the default branch "${DEFAULT_BRANCH}" cannot be renamed`);
    await this.refs.rename('branch', from, to);
  }

  async branches(): Promise<RefInfo[]> {
    this.ensureOpen('branches');
    return this.refs.list('branch');
  }

  /** Creates tag `name` at `at` (a branch, tag or commit; default `main`). */
  async createTag(name: string, options: { at?: string } = {}): Promise<string> {
    this.ensureOpen('createTag');
    const window = await this.fence.open();
    const commit = await this.refs.resolve(options.at ?? DEFAULT_BRANCH);
    await this.refs.create('tag', name, commit, `tag create at ${options.at ?? DEFAULT_BRANCH}`, window);
    return commit;
  }

  async deleteTag(name: string): Promise<string> {
    this.ensureOpen('deleteTag');
    return this.refs.delete('tag', name);
  }

  async tags(): Promise<RefInfo[]> {
    this.ensureOpen('tags');
    return this.refs.list('tag');
  }

  /** Every update of a branch or tag, oldest first (also after it was deleted). */
  async reflog(kind: RefKind, name: string): Promise<RefLogEntry[]> {
    this.ensureOpen('reflog');
    return this.refs.reflog(kind, name);
  }

  // ---- merge, diff, changes ----

  /**
   * Merges `source` (a branch, tag or commit) into branch `into` (default `main`): fast-forward when
   * possible, else a three-way merge, table by table and row by row for keyed tables. With conflicts,
   * nothing is committed, the result lists them, and the merge is kept as `into`'s pending merge
   * (`pendingMerge`) until a merge of the same commit lands, another one conflicts, or `abortMerge`. `strategy` settles conflicts
   * by side; `resolve` gives, per keyed table, rows that settle its row conflicts by key (each replaces
   * the merged row of its key). `dryRun` works it out and stores nothing.
   * @throws {SchemaMismatchError} resolving rows with other columns than their table
   * @throws {InvalidArgumentError} resolving rows for a table not merged row by row, or with a key twice
   */
  async merge(source: string, options: MergeOptions = {}): Promise<MergeResult> {
    this.ensureOpen('merge');
    const into = validateName('branch', options.into ?? DEFAULT_BRANCH);
    const theirs = await this.refs.resolve(source);
    const resolutions: Record<string, Table> = {};
    for (const [table, rows] of Object.entries(options.resolve ?? {})) resolutions[table] = await collectTable(await toSource(rows, `rows resolving "${table}"`));
    const message = options.message ?? `merge ${source} into ${into}`;
    const result = await mergeRefs(this.context(), theirs, into, message, this.authorship(options), { strategies: options.strategy, resolutions, dryRun: options.dryRun, label: source });
    if (options.dryRun) return result;
    if (result.status === 'conflicts') await this.pendingMerges.set(into, { source, theirs, time: new Date().toISOString(), ...(options.message !== undefined ? { message: options.message } : {}) });
    else if ((await this.pendingMerges.get(into))?.theirs === theirs) await this.pendingMerges.set(into, undefined); // finished
    return result;
  }

  /** The merge into `into` (default `main`) left with conflicts, if one is pending. */
  async pendingMerge(into: string = DEFAULT_BRANCH): Promise<PendingMerge | undefined> {
    this.ensureOpen('pendingMerge');
    return this.pendingMerges.get(validateName('branch', into));
  }

  /**
   * Forgets the pending merge into `into` (nothing of it was committed). Returns what it was.
   * @throws {InvalidArgumentError} none is pending
   */
  async abortMerge(into: string = DEFAULT_BRANCH): Promise<PendingMerge> {
    this.ensureOpen('abortMerge');
    const was = await this.pendingMerges.set(validateName('branch', into), undefined);
    if (!was) throw new InvalidArgumentError(`merge: no merge into "${into}" is pending`);
    return was;
  }

  /**
   * Applies what commit `ref` changed (against its first parent) onto `branch` as a new commit, merged
   * three-way like `merge` (row by row for keyed tables; `strategy` settles conflicts).
   */
  async cherryPick(ref: string, options: { branch?: string; message?: string; strategy?: MergeStrategies } & Authorship = {}): Promise<MergeResult> {
    this.ensureOpen('cherryPick');
    const { commit, parent } = await this.withParent(ref);
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    return applyChange(this.context(), branch, parent, commit, options.message ?? `cherry-pick ${commit.id.slice(0, 12)}: ${commit.message}`, this.authorship(options), options.strategy);
  }

  /** Undoes what commit `ref` changed (against its first parent) on `branch`, as a new commit; see `cherryPick`. */
  async revert(ref: string, options: { branch?: string; message?: string; strategy?: MergeStrategies } & Authorship = {}): Promise<MergeResult> {
    this.ensureOpen('revert');
    const { commit, parent } = await this.withParent(ref);
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    return applyChange(this.context(), branch, commit, parent, options.message ?? `revert ${commit.id.slice(0, 12)}: ${commit.message}`, this.authorship(options), options.strategy);
  }

  /**
   * Moves `branch` to `to` (a branch, tag or commit), keeping no commit of its own: what it pointed at
   * stays in the reflog until gc. Returns the commits it pointed at before and after.
   */
  async reset(branch: string, to: string): Promise<{ from: string; to: string }> {
    this.ensureOpen('reset');
    validateName('branch', branch);
    const target = await this.refs.resolve(to);
    const window = await this.fence.open();
    for (;;) {
      const before = await this.refs.requireHead(branch);
      const moved = await this.refs.move('branch', branch, before, target, `reset to ${to}`, window);
      if (moved === true) return { from: before, to: target };
    }
  }

  /** Commit `ref` and its first parent's tables (none for a root commit). */
  private async withParent(ref: string): Promise<{ commit: CommitInfo; parent: { tables: Record<string, TableEntry> } }> {
    const commit = await this.commits.get(await this.refs.resolve(ref));
    return { commit, parent: commit.parents[0] ? await this.commits.get(commit.parents[0]) : { tables: {} } };
  }

  /** What changed from ref `from` to ref `to`: tables, chunks, and rows by key for keyed tables. */
  async diff(from: string, to: string, options: { rows?: boolean } = {}): Promise<DiffResult> {
    this.ensureOpen('diff');
    const [a, b] = await Promise.all([this.refs.resolve(from), this.refs.resolve(to)]);
    return diffCommits(this.context(), await this.commits.get(a), await this.commits.get(b), options);
  }

  /**
   * Commit `ref` (a branch, tag or commit) and what it changed against its first parent: tables,
   * chunks, and rows by key for keyed tables. A first commit, or the cut of an expired history,
   * changed every table it has.
   */
  async show(ref: string): Promise<CommitShown> {
    this.ensureOpen('show');
    const commit = await this.commits.get(await this.refs.resolve(ref));
    const cut = (await this.expiry.walks()).isCut(commit.id);
    const parent = commit.parents[0] && !cut ? await this.commits.get(commit.parents[0]) : undefined;
    const diff = await diffCommits(this.context(), parent, commit);
    const { id, parents, time, message, author, metadata } = commit;
    return { commit: id, parents, time, message, ...(author ? { author } : {}), ...(metadata ? { metadata } : {}), ...(cut ? { historyExpired: true as const } : {}), tables: diff.tables };
  }

  /**
   * Commits that landed on `branch` after commit `since` (default: all), oldest first; `until` (a
   * branch, tag or commit) ends the range instead of the branch head.
   */
  async changes(options: FeedRange = {}): Promise<ChangeEntry[]> {
    this.ensureOpen('changes');
    return changesBetween(this.commits, options.since, await this.feedEnd(options), this.expiry);
  }

  /**
   * The rows of `table` that the commits on `branch` after commit `since` (default: all) changed,
   * with their values: the change data feed. Each row carries `_change_type` (`insert`, `delete`,
   * `update_preimage`, `update_postimage`; updates where the table has keys on both sides),
   * `_commit_version` (the table's version, -1 for a drop), `_commit_timestamp` and `_commit`.
   * `until` (a branch, tag or commit) ends the range instead of the branch head. Nothing is stored
   * for it: each commit's rows are derived from the chunks it changed (ops/row-changes.ts).
   * @example
   * const rows = await store.tableChanges('orders', { since: lastSeen });
   * @throws {TableNotFoundError} the table is neither at the end of the range nor changed in it
   * @throws {InvalidArgumentError} `since` is not on the chain, or the table has a column named like a change column
   * @throws {VersionExpiredError} `since` is older than the branch's expired history
   */
  async tableChanges(table: string, options: FeedRange = {}): Promise<Table> {
    this.ensureOpen('tableChanges');
    validateName('table', table);
    const head = await this.feedEnd(options);
    const entries = await changesBetween(this.commits, options.since, head, this.expiry);
    const current = (await this.commits.get(head)).tables[table];
    if (!current && !entries.some((e) => e.tables.some((t) => t.table === table))) {
      throw new TableNotFoundError(table, options.until !== undefined ? `ref "${options.until}"` : `branch "${options.branch ?? DEFAULT_BRANCH}"`);
    }
    return rowChanges(this.context(), entries, table, current && manifestSchema(await this.manifests.get(current.manifest)));
  }

  /** The commit a feed range ends at: `until`, or the branch head. */
  private async feedEnd(options: FeedRange): Promise<string> {
    return options.until !== undefined ? this.refs.resolve(options.until) : this.refs.requireHead(options.branch ?? DEFAULT_BRANCH);
  }

  /**
   * Delivers new commits on a branch as they land, in order, from `since` (default: now).
   * @example
   * const sub = store.subscribe({ branch: 'main' });
   * for await (const change of sub) { console.log(change.commit, change.tables); }
   */
  subscribe(options: { branch?: string; since?: string; intervalMs?: number } = {}): Subscription {
    this.ensureOpen('subscribe');
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const sub = subscribe(this.commits, this.refs, this.backend, this.expiry, branch, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  // ---- maintenance ----

  /**
   * Re-hashes every object and checks the graph: every ref resolves to a commit, and every commit,
   * manifest and chunk it reaches exists.
   */
  async verify(onProgress?: (checked: number) => void): Promise<VerifyReport> {
    this.ensureOpen('verify');
    return verifyStore(this.backend, this.chunks, this.commits, this.expiry, onProgress);
  }

  /**
   * Deletes objects unreachable from every ref and recent reflog entry, older than the grace period.
   * Safe beside writers in other processes, whatever the grace period (catalog/sweep-fence.ts).
   * @throws {InvalidArgumentError} a bad option @throws {GcRunningError} another gc is running
   * @throws {StorageError} the store cannot be written
   */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    this.ensureOpen('gc');
    return collectGarbage(this.backend, this.chunks, this.commits, this.fence, this.expiry, options);
  }

  /**
   * Drops a branch's old versions from its history so that `gc` can reclaim what only they reach:
   * those that stopped being current more than `olderThanMs` ago, keeping at least the newest
   * `keepLast` commits. The oldest commit kept stays whole; tags, and branches forked before it, keep
   * what they reach. Reading an expired version or time is a `VersionExpiredError`. Safe beside
   * writers and gc (catalog/expiry.ts).
   * @example
   * await store.expire({ olderThanMs: 30 * 86_400_000, keepLast: 10 });
   * await store.gc();
   * @throws {InvalidArgumentError} a bad option @throws {BranchNotFoundError}
   */
  async expire(options: ExpireOptions = {}): Promise<ExpireReport> {
    this.ensureOpen('expire');
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const head = await this.commits.get(await this.refs.requireHead(branch));
    return this.expiry.expire(head, { ...options, branch });
  }

  /**
   * Releases what the store holds: its subscriptions (and their file watchers), the mmap phases' map
   * regions, an S3 store's connections. Afterwards every method, and every transaction begun on the
   * store, fails with `StoreClosedError`. Idempotent; `await using store = await openStore(…)`
   * closes it at the end of the scope.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subscriptions) s.close();
    this.subscriptions.clear();
    await this.runtime.close?.();
    this.backend.close?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ---- internals ----

  private context() {
    return { chunks: this.chunks, manifests: this.manifests, runtime: this.runtime, commits: this.commits, refs: this.refs, expiry: this.expiry, ensureOpen: this.ensureOpen };
  }

  /** Throws `StoreClosedError` naming `operation` once the store is closed. */
  private readonly ensureOpen = (operation: string): void => {
    if (this.closed) throw new StoreClosedError(this.path, operation);
  };

  /** The commit that `options` designate: a ref, else a branch head; optionally moved back to `asOf`. */
  async resolveCommit(options: Pick<AtOptions, 'branch' | 'ref' | 'asOf'>): Promise<CommitInfo | undefined> {
    if (options.ref !== undefined && options.branch !== undefined) {
      throw new InvalidArgumentError('catalog: give either ref or branch, not both');
    }
    let head: string | undefined;
    if (options.ref !== undefined) head = await this.refs.resolve(options.ref);
    else {
      const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
      head = branch === DEFAULT_BRANCH ? await this.refs.head(branch) : await this.refs.requireHead(branch);
    }
    if (!head) return undefined;
    const commit = await this.commits.get(head);
    if (options.asOf === undefined) return commit;
    const t = parseTime(options.asOf);
    const floor = await this.expiry.floor(commit);
    const found = await this.commits.newestWhere(commit, (c) => Date.parse(c.time) <= t, floor);
    if (!found && floor) throw new VersionExpiredError(`the state as of ${String(options.asOf)}`, `commit ${floor.id.slice(0, 12)} of ${floor.time}`);
    return found;
  }

  private async resolveTable(name: string, options: AtOptions): Promise<{ manifest: Manifest; entry: TableEntry; commit: string }> {
    validateName('table', name);
    if (options.version !== undefined && options.asOf !== undefined) {
      throw new InvalidArgumentError('catalog: give either version or asOf, not both');
    }
    if (options.version !== undefined && (!Number.isSafeInteger(options.version) || options.version < 1)) {
      throw new InvalidArgumentError(`catalog: invalid version ${JSON.stringify(options.version)} (expected an integer >= 1)`);
    }
    const where = options.ref !== undefined ? `ref "${options.ref}"` : `branch "${options.branch ?? DEFAULT_BRANCH}"`;
    const head = await this.resolveCommit(options);
    const latest = head?.tables[name];
    if (!head || !latest) throw new TableNotFoundError(name, where + (options.asOf !== undefined ? ` as of ${String(options.asOf)}` : ''));
    let commit = head;
    if (options.version !== undefined && options.version !== latest.version) {
      const v = options.version;
      const floor = v < latest.version ? await this.expiry.floor(head) : undefined;
      // Versions rise along the chain from where the table's lineage began (commit.ts) or history was cut.
      const from = Math.max(floor?.depth ?? 1, latest.since ?? 1);
      const found = v < latest.version ? await this.commits.oldestWhere(head, (c) => (c.tables[name]?.version ?? 0) >= v, from) : undefined;
      const oldest = floor?.tables[name]?.version;
      if (found && found.id === floor?.id && oldest !== undefined && oldest > v) throw new VersionExpiredError(`version ${v} of table "${name}"`, `version ${oldest}`);
      if (!found || found.tables[name]?.version !== v) throw new VersionNotFoundError(name, v, latest.version);
      commit = found;
    }
    const entry = commit.tables[name]!;
    return { manifest: await this.manifests.get(entry.manifest), entry, commit: commit.id };
  }
}

/** Tables whose entry differs between two commits' table maps (dropped tables get version -1). */
function tableChanges(before: Record<string, TableEntry>, after: Record<string, TableEntry>): { table: string; version: number }[] {
  const out: { table: string; version: number }[] = [];
  for (const [table, e] of Object.entries(after)) {
    const b = before[table];
    if (b?.manifest !== e.manifest || b?.version !== e.version) out.push({ table, version: e.version });
  }
  for (const table of Object.keys(before)) if (!(table in after)) out.push({ table, version: -1 });
  return out.sort((a, b) => (a.table < b.table ? -1 : 1));
}

function parseTime(value: Date | string): number {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`catalog: invalid time ${JSON.stringify(String(value))} (expected an ISO 8601 date)`);
  return t;
}
