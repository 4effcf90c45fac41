/**
 * `Store`: the public face of the engine. Opens a store directory, writes tables (every write is a
 * commit on a branch, `main` by default), reads them back at any version, lists tables and history,
 * and verifies every stored byte.
 *
 * Write path: slice the input into chunks -> the phase encodes and stores them -> a manifest for the
 * new table version -> a commit that maps every table to its manifest -> compare-and-swap of the
 * branch ref. Chunks and manifests are written before the ref moves, so a crash at any point leaves
 * the previous commit intact and at worst some unreferenced objects for `gc`.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { RecordBatch, Table, type Schema } from 'apache-arrow';

import { LocalBackend } from './backend/local-backend.js';
import { STORE_MARKER } from './backend/layout.js';
import { ChunkStore } from './chunk-store/chunk-store.js';
import { firstParentHistory, getCommit, makeCommit, putCommit, type Commit, type CommitInfo, type TableEntry } from './catalog/commit.js';
import { getManifest, makeManifest, manifestBytes, manifestSchema, putManifest, type Manifest } from './catalog/manifest.js';
import { validateName } from './catalog/names.js';
import {
  BranchNotFoundError,
  CommitConflictError,
  InvalidArgumentError,
  SchemaMismatchError,
  StoreExistsError,
  StoreNotFoundError,
  TableNotFoundError,
  VersionNotFoundError,
} from './errors.js';
import { resolvePhase } from './phases/registry.js';
import type { PhaseName, PhaseRuntime, StoredChunk } from './phases/types.js';
import { parseCodec, type Codec } from './table/parquet-codec.js';
import { schemaDifferences } from './table/schema.js';
import { groupsOf, sliceIntoChunks, toSource, type TableInput } from './table/source.js';

export const DEFAULT_BRANCH = 'main';
export const DEFAULT_CHUNK_ROWS = 131_072; // ~2 MB of seed-narrow per chunk: fsync ~2 ms, decode in one batch
export const DEFAULT_CODEC: Codec = 'snappy'; // Delta Lake's default too, so headline numbers compare like for like
const CHUNKS_PER_CALL = 16; // bounds memory of a streamed write to ~16 encoded chunks in flight
const STORE_FORMAT = 1;
const COMMIT_RETRIES = 20;

export interface OpenOptions {
  /** Create the store if the directory has none (default false). */
  create?: boolean;
  /** Phase name or 'auto' (default: env ARMILLARIA_PHASE, else 'auto'). */
  phase?: string;
  /** Parquet codec for new chunks (default 'snappy'). */
  codec?: Codec;
  /** Rows per chunk (default 131072). */
  chunkRows?: number;
  /** fsync objects and refs before they become visible (default true). */
  fsync?: boolean;
}

export type WriteMode = 'overwrite' | 'append';

export interface WriteOptions {
  mode?: WriteMode;
  message?: string;
  branch?: string;
  codec?: Codec;
  chunkRows?: number;
  /** Called after each group of chunks is stored, with the rows written so far. */
  onProgress?: (rowsWritten: number) => void;
}

export interface WriteResult {
  commit: string;
  table: string;
  version: number;
  rows: number;
  chunks: number;
  /** Chunks whose bytes were not in the store before this write. */
  newChunks: number;
  newBytes: number;
}

export interface ReadOptions {
  branch?: string;
  /** Per-table version number (1 = first write); default: latest on the branch. */
  version?: number;
  /** Top-level columns to return, in this order. */
  columns?: readonly string[];
  /** Re-hash every chunk read (detects corruption). */
  verify?: boolean;
}

export interface TableInfo {
  name: string;
  branch: string;
  version: number;
  commit: string;
  manifest: string;
  rows: number;
  chunks: number;
  bytes: number;
  codec: Codec;
  schema: Schema;
}

export interface LogEntry {
  commit: string;
  parents: string[];
  time: string;
  message: string;
  /** Tables this commit changed relative to its first parent, with their new version. */
  changes: { table: string; version: number }[];
}

export interface VerifyReport {
  objectsChecked: number;
  /** Objects whose bytes do not hash to their id, or references to missing objects. */
  problems: { id: string; problem: string }[];
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
export async function openStore(path: string, options: OpenOptions = {}): Promise<Store> {
  const root = resolve(path);
  const exists = await isStore(root);
  if (!exists) {
    if (!options.create) throw new StoreNotFoundError(root);
    await initStore(root);
  }
  return new Store(root, options);
}

/** Creates an empty store at `path`. @throws {StoreExistsError} */
export async function initStore(path: string): Promise<void> {
  const root = resolve(path);
  if (await isStore(root)) throw new StoreExistsError(root);
  await mkdir(root, { recursive: true });
  await new LocalBackend(root).initLayout();
  await writeFile(join(root, STORE_MARKER), `${JSON.stringify({ format: STORE_FORMAT, created: new Date().toISOString() }, null, 2)}\n`);
}

async function isStore(root: string): Promise<boolean> {
  try {
    await stat(join(root, STORE_MARKER));
    return true;
  } catch {
    return false;
  }
}

export class Store {
  readonly phase: PhaseName;
  readonly codec: Codec;
  readonly chunkRows: number;
  readonly chunks: ChunkStore;
  private readonly backend: LocalBackend;
  private readonly runtime: PhaseRuntime;

  /** Use `openStore`. */
  constructor(readonly path: string, options: OpenOptions = {}) {
    this.backend = new LocalBackend(path, { fsync: options.fsync ?? true });
    this.chunks = new ChunkStore(this.backend);
    const phase = resolvePhase(options.phase);
    this.phase = phase.name;
    this.runtime = phase.create({ root: path, chunks: this.chunks, fsync: this.backend.fsync });
    this.codec = parseCodec(options.codec ?? DEFAULT_CODEC);
    this.chunkRows = checkChunkRows(options.chunkRows ?? DEFAULT_CHUNK_ROWS);
  }

  /**
   * Writes `data` as a new version of table `name` on a branch, as one commit.
   * @param data an Arrow Table, RecordBatch, or `{ schema, batches }` stream (for large inputs)
   * @throws {InvalidNameError} @throws {SchemaMismatchError} an append whose schema differs
   * @throws {CommitConflictError} another writer changed this table incompatibly; retry
   */
  async write(name: string, data: TableInput, options: WriteOptions = {}): Promise<WriteResult> {
    validateName('table', name);
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const mode = parseMode(options.mode ?? 'overwrite');
    const codec = parseCodec(options.codec ?? this.codec);
    const chunkRows = checkChunkRows(options.chunkRows ?? this.chunkRows);
    const source = toSource(data);

    const head = await this.branchHead(branch, { mustExist: branch !== DEFAULT_BRANCH });
    const base = head ? (await getCommit(this.chunks, head)).tables[name] : undefined;
    if (mode === 'append' && base) this.checkAppendSchema(name, await getManifest(this.chunks, base.manifest), source.schema);

    const stored: StoredChunk[] = [];
    let rows = 0;
    for await (const group of groupsOf(sliceIntoChunks(source, chunkRows), CHUNKS_PER_CALL)) {
      stored.push(...(await this.runtime.writeChunks(group, { codec, chunkRows })));
      rows += group.reduce((n, t) => n + t.numRows, 0);
      options.onProgress?.(rows);
    }
    const chunkRefs = stored.map(({ written: _written, ...ref }) => ref);
    const newChunks = stored.filter((c) => c.written);

    const commit = await this.commitTable(branch, head, name, base, async (current) => {
      const prefix = mode === 'append' && current ? (await getManifest(this.chunks, current.manifest)).chunks : [];
      return putManifest(this.chunks, makeManifest(source.schema, [...prefix, ...chunkRefs], codec, chunkRows));
    }, options.message ?? `${mode} ${name}`, mode);

    return {
      commit: commit.id,
      table: name,
      version: commit.tables[name]!.version,
      rows,
      chunks: chunkRefs.length,
      newChunks: newChunks.length,
      newBytes: newChunks.reduce((n, c) => n + c.bytes, 0),
    };
  }

  /**
   * Reads table `name` as an Arrow table.
   * @throws {TableNotFoundError} @throws {VersionNotFoundError} @throws {BranchNotFoundError}
   * @throws {CorruptChunkError} with `verify`, when a chunk's bytes do not match its id
   */
  async read(name: string, options: ReadOptions = {}): Promise<Table> {
    const { manifest } = await this.resolveTable(name, options);
    const schema = projectSchema(manifestSchema(manifest), options.columns, name);
    const batches = await this.runtime.readChunks(manifest.chunks, { columns: options.columns, verify: options.verify });
    return new Table(schema, batches.map((b) => conform(b, schema, options.columns)));
  }

  /** Streams table `name` chunk by chunk (bounded memory), e.g. for exports of large tables. */
  async *scan(name: string, options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    const { manifest } = await this.resolveTable(name, options);
    const schema = projectSchema(manifestSchema(manifest), options.columns, name);
    for (let i = 0; i < manifest.chunks.length; i += CHUNKS_PER_CALL) {
      const refs = manifest.chunks.slice(i, i + CHUNKS_PER_CALL);
      for (const b of await this.runtime.readChunks(refs, { columns: options.columns, verify: options.verify })) {
        yield conform(b, schema, options.columns);
      }
    }
  }

  /** Schema, rows, chunks and bytes of a table version. */
  async describe(name: string, options: Omit<ReadOptions, 'columns' | 'verify'> = {}): Promise<TableInfo> {
    const { manifest, entry, commit, branch } = await this.resolveTable(name, options);
    return {
      name,
      branch,
      version: entry.version,
      commit,
      manifest: entry.manifest,
      rows: manifest.rows,
      chunks: manifest.chunks.length,
      bytes: manifestBytes(manifest),
      codec: manifest.codec,
      schema: manifestSchema(manifest),
    };
  }

  /** The tables on a branch's head, sorted by name. */
  async tables(options: { branch?: string } = {}): Promise<TableInfo[]> {
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const head = await this.branchHead(branch, { mustExist: branch !== DEFAULT_BRANCH });
    if (!head) return [];
    const names = Object.keys((await getCommit(this.chunks, head)).tables).sort();
    return Promise.all(names.map((n) => this.describe(n, { branch })));
  }

  /** Commits on a branch, newest first; with `table`, only those that changed it. */
  async log(options: { branch?: string; table?: string; limit?: number } = {}): Promise<LogEntry[]> {
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    if (options.table !== undefined) validateName('table', options.table);
    const head = await this.branchHead(branch, { mustExist: branch !== DEFAULT_BRANCH });
    const out: LogEntry[] = [];
    let newer: CommitInfo | undefined;
    const flush = async (c: CommitInfo, parent: Commit | undefined): Promise<void> => {
      const changes = Object.entries(c.tables)
        .filter(([t, e]) => parent?.tables[t]?.manifest !== e.manifest || parent?.tables[t]?.version !== e.version)
        .map(([table, e]) => ({ table, version: e.version }));
      if (options.table === undefined || changes.some((ch) => ch.table === options.table)) {
        out.push({ commit: c.id, parents: c.parents, time: c.time, message: c.message, changes });
      }
    };
    for await (const c of firstParentHistory(this.chunks, head)) {
      if (newer) await flush(newer, c);
      newer = c;
      if (options.limit !== undefined && out.length >= options.limit) return out;
    }
    if (newer) await flush(newer, undefined);
    return options.limit !== undefined ? out.slice(0, options.limit) : out;
  }

  /**
   * Re-hashes every object and checks the graph: every ref resolves to a commit, and every manifest
   * and chunk a commit reaches exists.
   */
  async verify(onProgress?: (checked: number) => void): Promise<VerifyReport> {
    const problems: VerifyReport['problems'] = [];
    let objectsChecked = 0;
    for await (const bad of this.chunks.verifyAll((n) => {
      objectsChecked = n;
      onProgress?.(n);
    })) {
      problems.push(bad);
    }
    const corrupt = new Set(problems.map((p) => p.id));
    const seen = new Set<string>();
    const missing = (id: string, what: string): void => {
      problems.push({ id, problem: `missing ${what}` });
    };
    for (const ref of await this.backend.listRefs('')) {
      const stack = [await this.backend.readRef(ref)].filter((x): x is string => !!x);
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (seen.has(id) || corrupt.has(id)) continue;
        seen.add(id);
        let c: Commit;
        try {
          c = await getCommit(this.chunks, id);
        } catch (e) {
          missing(id, `commit (reached from ref ${ref}): ${(e as Error).message}`);
          continue;
        }
        stack.push(...c.parents);
        for (const [table, entry] of Object.entries(c.tables)) {
          if (seen.has(entry.manifest) || corrupt.has(entry.manifest)) continue;
          seen.add(entry.manifest);
          let m: Manifest;
          try {
            m = await getManifest(this.chunks, entry.manifest);
          } catch (e) {
            missing(entry.manifest, `manifest of table "${table}": ${(e as Error).message}`);
            continue;
          }
          for (const chunk of m.chunks) {
            if (seen.has(chunk.id)) continue;
            seen.add(chunk.id);
            if (!(await this.chunks.has(chunk.id))) missing(chunk.id, `chunk of table "${table}"`);
          }
        }
      }
    }
    return { objectsChecked, problems };
  }

  /** Nothing to release yet for the local backend; present so callers can always `close()`. Idempotent. */
  async close(): Promise<void> {}

  // ---- internals ----

  private async branchHead(branch: string, { mustExist }: { mustExist: boolean }): Promise<string | undefined> {
    const head = await this.backend.readRef(`heads/${branch}`);
    if (!head && mustExist) throw new BranchNotFoundError(branch);
    return head;
  }

  private checkAppendSchema(name: string, manifest: Manifest, incoming: Schema): void {
    const diffs = schemaDifferences(manifestSchema(manifest), incoming);
    if (diffs.length > 0) throw new SchemaMismatchError(name, diffs);
  }

  /**
   * Commits a new manifest for one table by CAS of the branch ref, rebasing on a moved head when that
   * is safe: the other commit did not touch this table, or both only appended to it.
   */
  private async commitTable(
    branch: string,
    head: string | undefined,
    name: string,
    base: TableEntry | undefined,
    makeManifestFor: (current: TableEntry | undefined) => Promise<string>,
    message: string,
    mode: WriteMode,
  ): Promise<CommitInfo> {
    let parent = head;
    let current = base;
    for (let attempt = 0; attempt < COMMIT_RETRIES; attempt++) {
      const parentTables = parent ? (await getCommit(this.chunks, parent)).tables : {};
      const manifest = await makeManifestFor(current);
      const tables = { ...parentTables, [name]: { manifest, version: (current?.version ?? 0) + 1 } };
      const commit = makeCommit(parent ? [parent] : [], tables, message);
      const id = await putCommit(this.chunks, commit);
      if (await this.backend.compareAndSwapRef(`heads/${branch}`, parent, id)) return { ...commit, id };

      const moved = await this.backend.readRef(`heads/${branch}`);
      if (!moved) throw new BranchNotFoundError(branch);
      const now = (await getCommit(this.chunks, moved)).tables[name];
      const untouched = now?.manifest === current?.manifest && now?.version === current?.version;
      if (!untouched && !(mode === 'append' && (await this.onlyAppended(current, now)))) {
        throw new CommitConflictError(name, current?.version ?? 0, now?.version ?? 0, `branch "${branch}" moved`);
      }
      parent = moved;
      current = now;
    }
    throw new CommitConflictError(name, base?.version ?? 0, current?.version ?? 0, `gave up after ${COMMIT_RETRIES} attempts`);
  }

  /** True when `now` is `before` plus chunks appended at the end (a concurrent append). */
  private async onlyAppended(before: TableEntry | undefined, now: TableEntry | undefined): Promise<boolean> {
    if (!now) return false;
    if (!before) return false;
    const [a, b] = await Promise.all([getManifest(this.chunks, before.manifest), getManifest(this.chunks, now.manifest)]);
    return a.schema === b.schema && a.chunks.every((c, i) => b.chunks[i]?.id === c.id);
  }

  private async resolveTable(
    name: string,
    options: { branch?: string; version?: number },
  ): Promise<{ manifest: Manifest; entry: TableEntry; commit: string; branch: string }> {
    validateName('table', name);
    const branch = validateName('branch', options.branch ?? DEFAULT_BRANCH);
    const head = await this.branchHead(branch, { mustExist: branch !== DEFAULT_BRANCH });
    if (options.version !== undefined && (!Number.isSafeInteger(options.version) || options.version < 1)) {
      throw new InvalidArgumentError(`catalog: invalid version ${JSON.stringify(options.version)} (expected an integer >= 1)`);
    }
    let latest: number | undefined;
    for await (const c of firstParentHistory(this.chunks, head)) {
      const entry = c.tables[name];
      if (!entry) break;
      latest ??= entry.version;
      if (options.version === undefined || entry.version === options.version) {
        return { manifest: await getManifest(this.chunks, entry.manifest), entry, commit: c.id, branch };
      }
      if (entry.version < options.version) break;
    }
    if (latest === undefined) throw new TableNotFoundError(name, `branch "${branch}"`);
    throw new VersionNotFoundError(name, options.version!, latest);
  }
}

function parseMode(value: string): WriteMode {
  if (value === 'overwrite' || value === 'append') return value;
  throw new InvalidArgumentError(`table: invalid write mode ${JSON.stringify(value)}: expected overwrite or append`);
}

function checkChunkRows(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`table: invalid chunkRows ${JSON.stringify(value)} (expected a positive integer)`);
  }
  return value;
}

/**
 * Gives a decoded batch the manifest's exact schema (Parquet readers may drop field metadata) and the
 * caller's column order (readers return projected columns in file order).
 */
function conform(batch: RecordBatch, schema: Schema, columns: readonly string[] | undefined): RecordBatch {
  if (!columns) return new RecordBatch(schema, batch.data);
  const names = batch.schema.fields.map((f) => f.name);
  return new RecordBatch(schema, batch.selectAt(columns.map((c) => names.indexOf(c))).data);
}

function projectSchema(schema: Schema, columns: readonly string[] | undefined, table: string): Schema {
  if (!columns) return schema;
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new InvalidArgumentError(`table: column "${dup}" requested twice`);
  const fields = columns.map((c) => {
    const f = byName.get(c);
    if (!f) throw new InvalidArgumentError(`table: column "${c}" not found in table "${table}" (columns: ${[...byName.keys()].join(', ')})`);
    return f;
  });
  return new (schema.constructor as typeof import('apache-arrow').Schema)(fields, schema.metadata);
}
