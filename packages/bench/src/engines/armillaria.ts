/**
 * Armillaria, in this process, parameterised by phase. Each target is its own store directory holding
 * one table ("t"). The phase is requested explicitly: a phase that needs the native addon and cannot
 * load it makes every case of that phase an 'error' (printed loudly), never a silent fallback; a phase
 * that core has not registered yet makes them 'not-implemented'.
 *
 * Capabilities the public API does not (yet) have are feature-detected, never emulated:
 *  - branch: `store.createBranch(name, { from })` must exist;
 *  - filter: `read(name, { filter })` must honour the filter — if it returns every row although fewer
 *    match, the option was ignored and the case is 'not-implemented' (a wrong subset is 'rejected');
 *  - update: the transaction's update by key (`tx.update(t, updates, { on: ['id'] })`), which stores
 *    column patches; Delta runs a MERGE on the same updates;
 *  - delete: the transaction's delete-by-predicate (`store.transaction((tx) => tx.delete(t, filter))`);
 *  - add-column: the transaction's `tx.addColumns` with the columns the widened table adds (no chunk
 *    is rewritten); Delta overwrites with schema evolution.
 */
import { readdirSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { createRequire } from 'node:module';
import * as core from '@armillaria/core';
import type { Store } from '@armillaria/core';
import * as internals from '@armillaria/core/internals';
import { PACKAGE_DIR } from '../paths.js';
import { commitCounts, runWriters, writeWriterRows } from '../workers/processes.js';
import { tableChecksum } from '../checksum.js';
import { peakRss, resetPeakRss } from '../rss.js';
import { collectGarbage, mitataMeasure, Stopwatch } from '../measure.js';
import type { Filter } from '../filter.js';
import type { LoadedDataset } from '../datasets/datasets.js';
import type { S3Place } from '../object-storage.js';
import {
  NotImplementedError,
  stagedFile,
  type Engine,
  type EngineDescription,
  type Feature,
  type Operation,
  type OperationResult,
} from './engine.js';

const TABLE = 't';

/** What a write reports about dedup: its chunks, the new ones, and their bytes. */
function writeCounters(r: core.WriteResult): Record<string, number> {
  return { chunks: r.chunks, newChunks: r.newChunks, newBytes: r.newBytes };
}

/** Recursive size of the files under a directory. */
export function duBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const p = join(dir, name);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    total += st.isDirectory() ? duBytes(p) : st.size;
  }
  return total;
}

/** Version of a package resolvable from @armillaria/core (e.g. parquet-wasm), or undefined. */
function coreDependencyVersion(pkg: string): string | undefined {
  try {
    const req = createRequire(import.meta.resolve('@armillaria/core'));
    let dir = resolve(req.resolve(pkg), '..');
    for (let i = 0; i < 6; i++) {
      try {
        const json = req(join(dir, 'package.json')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version;
      } catch { /* keep walking up */ }
      dir = resolve(dir, '..');
    }
  } catch { /* not resolvable */ }
  return undefined;
}

export interface ArmillariaEngineOptions {
  phase: string;
  codec: 'snappy' | 'zstd' | 'uncompressed';
  chunkRows?: number;
  /** fsync objects and refs (core's default, durable commits). */
  fsync?: boolean;
  /** Keep the stores on this S3 server (`s3://bucket/prefix/...`) instead of the work directory. */
  s3?: S3Place;
}

/** Requests an S3 store sent, by operation (core's S3Backend counts them); undefined elsewhere. */
function requestsOf(store: Store): Record<string, number> | undefined {
  return (store.backend as { requests?: Record<string, number> }).requests;
}

/** What `after` adds to `before`: requests by S3 operation. */
function requestCounters(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

export class ArmillariaEngine implements Engine {
  readonly engine = 'armillaria' as const;
  readonly phase: string;
  private workDir = '';
  private readonly stores = new Map<string, Store>();

  constructor(private readonly opts: ArmillariaEngineOptions) {
    this.phase = opts.phase;
  }

  /**
   * Is the phase runnable? Throws NotImplementedError when core has not registered it, and core's
   * NativeUnavailableError (code ARM_NATIVE_UNAVAILABLE) when it needs the addon that cannot load.
   */
  checkPhase(): void {
    const registered = (internals.PHASES as Record<string, unknown>)[this.phase];
    if ((core.PHASE_ORDER as readonly string[]).includes(this.phase) && !registered) {
      throw new NotImplementedError(`phase "${this.phase}" is not implemented in @armillaria/core yet`);
    }
    internals.resolvePhase(this.phase);
  }

  async describe(): Promise<EngineDescription> {
    const phase = (internals.PHASES as Record<string, internals.Phase | undefined>)[this.phase];
    const native = core.nativeStatus();
    const info = internals.nativeInfo();
    const arrowVersion = coreDependencyVersion('apache-arrow');
    const parquetWasm = coreDependencyVersion('parquet-wasm');
    return {
      versions: {
        ...(arrowVersion ? { apacheArrow: arrowVersion } : {}),
        ...(parquetWasm ? { parquetWasm } : {}),
      },
      config: {
        codec: this.opts.codec,
        // The settings of core's table/parquet-codec.ts, where each is measured.
        parquetWriter: 'data pages v2 (delta fallback, incompressible pages raw), dictionary off for floats and for columns whose first 1024 rows are distinct, 64 KiB dictionary pages',
        chunkRows: this.opts.chunkRows ?? core.DEFAULT_CHUNK_ROWS,
        fsync: this.opts.fsync ?? true,
        storage: this.opts.s3 ? 's3' : 'local',
        ...(this.opts.s3 ? { s3Commit: 'conditional put (If-None-Match objects, If-Match refs)' } : {}),
        'phase.needsNative': phase?.needsNative ?? false,
        ...(phase ? { 'phase.summary': phase.summary } : {}),
        'native.available': native.available,
        'threads.uv': Number(process.env.UV_THREADPOOL_SIZE ?? 4),
        // The addon's rayon pool size as configured (ARMILLARIA_THREADS, default: the core count).
        ...(info ? { 'threads.native': info.threads, 'native.malloc': info.malloc } : {}),
        timing: 'in-process performance.now()',
        updateMethod: 'transaction update by key (tx.update, column patches)',
        branchMethod: 'createBranch (ref)',
        deleteMethod: 'transaction delete-by-predicate (tx.delete)',
        addColumnMethod: 'transaction addColumns (whole-column patches; no chunk rewritten)',
        branchWriteMethod: 'createBranch + write of the identical table on the branch',
      },
    };
  }

  async setup(_dataset: LoadedDataset, workDir: string): Promise<void> {
    this.checkPhase();
    // The stores of the dataset before are done with: closed, they free what they hold (caches, the
    // addon's reusable buffers), which would count in this dataset's peaks, and no target name of
    // this dataset finds a store of that one.
    for (const store of this.stores.values()) await store.close();
    this.stores.clear();
    this.workDir = workDir;
    mkdirSync(resolve(workDir, 'stores'), { recursive: true });
  }

  unsupported(_feature: Feature): string | undefined {
    return undefined;
  }

  /** Two full collections, then the addon's `trimMemory` (its idle result maps and glibc's free arena memory, kept for speed). */
  async settle(): Promise<void> {
    await collectGarbage({ full: true });
    (core.nativeStatus().module?.trimMemory as (() => boolean) | undefined)?.();
  }

  /** A target's store: a directory under the work directory, or a prefix on S3. */
  private dir(target: string): string {
    const s3 = this.opts.s3;
    return s3 ? `s3://${s3.bucket}/${s3.prefix}/${this.workDir.replace(/^.*[\\/]/, '')}/${target}` : resolve(this.workDir, 'stores', target);
  }

  private async store(target: string): Promise<Store> {
    let s = this.stores.get(target);
    if (!s) {
      const s3 = this.opts.s3;
      s = await core.openStore(this.dir(target), {
        create: true,
        phase: this.phase,
        codec: this.opts.codec,
        ...(this.opts.chunkRows ? { chunkRows: this.opts.chunkRows } : {}),
        ...(this.opts.fsync === false ? { fsync: false } : {}),
        ...(s3 ? { s3: { endpoint: s3.endpoint, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } } : {}),
      });
      this.stores.set(target, s);
    }
    return s;
  }

  /** Bytes a target's store holds: its directory's, or on S3 the objects it lists (refs are bytes, not counted). */
  private async storedBytes(target: string): Promise<number> {
    if (!this.opts.s3) return duBytes(this.dir(target));
    let bytes = 0;
    for await (const o of (await this.store(target)).backend.listObjects()) bytes += o.bytes;
    return bytes;
  }

  async run(op: Operation): Promise<OperationResult> {
    if (op.op === 'storage') {
      const t0 = performance.now();
      const bytes = await this.storedBytes(op.target);
      const ms = performance.now() - t0;
      return { internalMs: ms, wallMs: ms, bytes };
    }
    if (op.op === 'drop') {
      const store = this.stores.get(op.target);
      // On S3 the objects go one by one (a store holds nothing else worth the requests).
      if (store && this.opts.s3) for await (const o of store.backend.listObjects()) await store.backend.deleteObject(o.id);
      await store?.close();
      this.stores.delete(op.target);
      if (!this.opts.s3) rmSync(this.dir(op.target), { recursive: true, force: true });
      return { internalMs: 0, wallMs: 0 };
    }
    const store = await this.store(op.target); // opening is setup, outside the timed region
    const file = op.op === 'write' && op.fromFile ? stagedFile(this.workDir, op.source) : undefined;
    const requestsBefore = { ...requestsOf(store) };
    resetPeakRss();
    let watch = new Stopwatch();
    let out: OperationResult;
    switch (op.op) {
      case 'write': {
        const data = file ? await core.openTableFile(file) : op.source.table;
        const r = await store.write(op.table ?? TABLE, data, { mode: op.mode, ...(op.message ? { message: op.message } : {}) });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: r.rows, version: r.version, extra: writeCounters(r) };
        break;
      }
      case 'read': {
        const options: core.ReadOptions & { filter?: Filter } = {
          ...(op.branch !== undefined ? { branch: op.branch } : {}),
          ...(op.version !== undefined ? { version: op.version } : {}),
          ...(op.columns ? { columns: op.columns } : {}),
          ...(op.filter ? { filter: op.filter } : {}),
        };
        const table = await store.read(TABLE, options);
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: table.numRows, checksum: tableChecksum(table) };
        break;
      }
      case 'update': {
        const r = await store.transaction((tx) => tx.update(TABLE, op.updates.table, { on: ['id'] }), { message: `update ${TABLE}` });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: r.value, ...(r.versions[TABLE] !== undefined ? { version: r.versions[TABLE] } : {}) };
        break;
      }
      case 'upsert': {
        const r = await store.transaction((tx) => tx.upsert(TABLE, op.rows.table, { on: ['id'] }), { message: `upsert into ${TABLE}` });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: r.value.updated + r.value.inserted, ...(r.versions[TABLE] !== undefined ? { version: r.versions[TABLE] } : {}) };
        break;
      }
      case 'delete': {
        const r = await store.transaction((tx) => tx.delete(TABLE, op.filter as core.Filter), { message: `delete from ${TABLE}` });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: r.value, ...(r.versions[TABLE] !== undefined ? { version: r.versions[TABLE] } : {}) };
        break;
      }
      case 'optimize': {
        const r = await store.transaction((tx) => tx.optimize(TABLE), { message: `optimize ${TABLE}` });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, ...(r.versions[TABLE] !== undefined ? { version: r.versions[TABLE] } : {}), extra: { chunksBefore: r.value.chunksBefore, chunksAfter: r.value.chunksAfter } };
        break;
      }
      case 'add-column': {
        const have = new Set((await store.describe(TABLE)).schema.fields.map((f) => f.name));
        const added = op.next.table.schema.fields.map((f) => f.name).filter((n) => !have.has(n));
        watch = new Stopwatch(); // the schema lookup above is not part of the operation
        const r = await store.transaction((tx) => tx.addColumns(TABLE, op.next.table.select(added)), { message: `add a column to ${TABLE}` });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: op.next.table.numRows, ...(r.versions[TABLE] !== undefined ? { version: r.versions[TABLE] } : {}) };
        break;
      }
      case 'branch-write': {
        await store.createBranch(op.name, { from: core.DEFAULT_BRANCH });
        const r = await store.write(TABLE, op.source.table, { mode: 'overwrite', branch: op.name });
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: r.rows, version: r.version, extra: writeCounters(r) };
        break;
      }
      case 'commits': {
        // The writers are processes of their own (dist/workers/commit-worker.js, built by `pnpm bench`).
        const rows = writeWriterRows(op.source.table, op.writers, (i) => resolve(this.workDir, `${op.target}-w${i}-rows.arrow`));
        const worker = resolve(PACKAGE_DIR, 'dist', 'workers', 'commit-worker.js');
        const s3 = this.opts.s3;
        const env = {
          ARMILLARIA_PHASE: this.phase,
          ARMILLARIA_BENCH_CODEC: this.opts.codec,
          ...(s3 ? { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: s3.region, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey } : {}),
        };
        // A branch needs a commit to start from: main gets one before the writers start.
        if (!op.shared) await store.write('seed', op.source.table);
        const branch = (i: number) => (op.shared ? 'main' : `w${i}`);
        const w = await runWriters(Array.from({ length: op.writers }, (_, i) => [process.execPath, worker, this.dir(op.target), branch(i), `w${i}`, String(op.commits), rows[i]!]), env);
        out = { internalMs: w.ms, wallMs: watch.stop(), ...commitCounts(w.counts) };
        break;
      }
      case 'sql': {
        const table = await store.sql(op.query, op.versions ? { versions: op.versions } : {});
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, rows: table.numRows, resultRows: table.toArray().map((r) => Object.values(r.toJSON())) };
        break;
      }
      case 'publish': {
        const r = await store.publish(TABLE, resolve(this.workDir, 'views', op.view));
        const ms = watch.stop();
        out = { internalMs: ms, wallMs: ms, bytes: r.bytesWritten, extra: { ...r.files, deltaCommits: r.published.length } };
        break;
      }
      case 'branch': {
        const before = this.opts.s3 ? 0 : duBytes(this.dir(op.target));
        watch = new Stopwatch();
        await store.createBranch(op.name, { from: core.DEFAULT_BRANCH });
        const ms = watch.stop();
        // On S3 a branch is one ref object of a few hundred bytes (no object is added).
        out = { internalMs: ms, wallMs: ms, ...(this.opts.s3 ? {} : { bytes: duBytes(this.dir(op.target)) - before }) };
        break;
      }
    }
    // The commits case's work is in processes of its own, whose CPU time this process does not see.
    if (op.op !== 'commits' && watch.cpuMs !== undefined) out.cpuMs = watch.cpuMs;
    out.rssPeakBytes = peakRss();
    const requests = requestsOf(store);
    if (requests) out.requests = requestCounters(requestsBefore, requests);
    return out;
  }

  /** Branch creation sampled with mitata: each iteration creates a new branch `<name>-<i>`. */
  async sample(op: Extract<Operation, { op: 'branch' }>, samples: number): Promise<number[]> {
    const store = await this.store(op.target);
    let i = 0;
    const { samplesMs } = await mitataMeasure(() => store.createBranch(`${op.name}-${i++}`, { from: core.DEFAULT_BRANCH }), samples);
    return samplesMs;
  }

  async teardown(): Promise<void> {
    for (const s of this.stores.values()) await s.close();
    this.stores.clear();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.teardown();
  }
}
