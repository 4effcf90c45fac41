/**
 * Delta Lake through delta-rs's Python package: a long-lived `python/delta_driver.py` child speaking
 * JSON lines (its header states the contract). Python times each operation itself
 * (`time.perf_counter()`); the harness also records wall time around each request.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { tableToIPC } from 'apache-arrow';
import { PYTHON_DIR } from '../paths.js';
import { commitCounts, runWriters } from '../workers/processes.js';
import { ensureVenv } from '@armillaria/testkit';
import type { LoadedDataset } from '../datasets/datasets.js';
import type { S3Place } from '../object-storage.js';
import { NotImplementedError, stagedFile, type Engine, type EngineDescription, type Feature, type Operation, type OperationResult, type SourceTable } from './engine.js';

export const DRIVER_PATH = resolve(PYTHON_DIR, 'delta_driver.py');

export interface DriverResponse {
  id: number;
  ok: boolean;
  ms?: number;
  error?: string;
  errorType?: string;
  rssPeakBytes?: number;
  [k: string]: unknown;
}

/** JSON-lines client for delta_driver.py. One request in flight at a time is the normal use. */
export class DeltaDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: DriverResponse) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;
  /** delta-rs's storage options for s3:// tables, once `storage` was called. */
  storageOptions: Record<string, string> | undefined;

  constructor(python: string, opts: { onStderr?: (line: string) => void } = {}) {
    this.child = spawn(python, ['-u', DRIVER_PATH], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let msg: DriverResponse;
      try {
        msg = JSON.parse(line) as DriverResponse;
      } catch {
        opts.onStderr?.(`delta_driver: unexpected stdout line: ${line}`);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      p.resolve(msg);
    });
    const onErr = opts.onStderr ?? ((l: string) => process.stderr.write(`[delta] ${l}\n`));
    createInterface({ input: this.child.stderr }).on('line', onErr);
    const fail = (e: Error): void => {
      this.exited = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(new Error(`delta: could not start ${python} ${DRIVER_PATH}: ${e.message}`)));
    this.child.on('exit', (code, signal) => fail(new Error(`delta: driver exited (code ${code}, signal ${signal})`)));
  }

  /** Send one request; resolves with the driver's response (ok or not), rejects if the process died. */
  request(cmd: string, args: Record<string, unknown> = {}): Promise<DriverResponse> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve_, reject) => {
      this.pending.set(id, { resolve: resolve_, reject });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  /** Like `request`, but an `ok: false` answer becomes a thrown Error with the driver's message. */
  async call(cmd: string, args: Record<string, unknown> = {}): Promise<DriverResponse> {
    const r = await this.request(cmd, args);
    if (!r.ok) throw new Error(`delta: ${cmd} failed: ${r.error ?? 'unknown error'}`);
    return r;
  }

  async quit(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      await this.request('quit');
    } catch { /* already gone */ }
    this.child.stdin.end();
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export interface DeltaEngineOptions {
  codec: string;
  python?: string;
  onStderr?: (line: string) => void;
  /** Notes on how the dataset reaches Delta (columns widened to types Delta has). */
  log?: (line: string) => void;
  /** Keep the tables on this S3 server instead of the work directory. */
  s3?: S3Place;
}

/** Delta Lake engine. Targets are table directories under the work directory. */
export class DeltaEngine implements Engine {
  readonly engine = 'delta' as const;
  readonly phase = 'delta';
  private driver: DeltaDriver | undefined;
  private workDir = '';
  private readonly loaded = new Set<string>();
  private hello: DriverResponse | undefined;

  constructor(private readonly opts: DeltaEngineOptions) {}

  private async d(): Promise<DeltaDriver> {
    if (!this.driver) {
      this.driver = new DeltaDriver(this.opts.python ?? ensureVenv(), { ...(this.opts.onStderr ? { onStderr: this.opts.onStderr } : {}) });
      this.hello = await this.driver.call('hello');
      const s3 = this.opts.s3;
      if (s3) this.driver.storageOptions = (await this.driver.call('storage', { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })).storageOptions as Record<string, string>;
    }
    return this.driver;
  }

  async describe(): Promise<EngineDescription> {
    await this.d();
    const h = this.hello!;
    const versions = h.versions as { python: string; deltalake: string; pyarrow: string };
    const threads = h.threads as Record<string, number>;
    return {
      versions: { python: versions.python, deltalake: versions.deltalake, pyarrow: versions.pyarrow },
      config: {
        codec: this.opts.codec,
        // WriterProperties(compression=...) only: deltalake's defaults for everything else.
        parquetWriter: 'deltalake defaults (data pages v1, dictionary on)',
        'threads.pyarrowCpu': threads.pyarrowCpu ?? 0,
        'threads.pyarrowIo': threads.pyarrowIo ?? 0,
        timing: 'python perf_counter (internal)',
        // deltalake 1.6.6 writes through object_store's LocalFileSystem, which does not fsync by default.
        fsync: false,
        storage: this.opts.s3 ? 's3' : 'local',
        ...(this.opts.s3 ? { s3Commit: 'conditional put (aws_conditional_put=etag)' } : {}),
        readApi: 'DeltaTable(path).to_pyarrow_table',
        updateMethod: 'merge (when_matched_update)',
        branchMethod: 'full-copy (copytree of the table directory)',
        deleteMethod: 'DeltaTable.delete(predicate)',
        addColumnMethod: "write_deltalake overwrite, schema_mode='overwrite'",
        branchWriteMethod: 'full-copy (copytree of the table directory; Delta has no branches)',
      },
    };
  }

  /**
   * Loads the dataset's payload in Python and checks that pyarrow sees the same content as Node did
   * (same checksum of the identical file bytes) before anything is measured.
   */
  async setup(dataset: LoadedDataset, workDir: string): Promise<void> {
    this.workDir = workDir;
    mkdirSync(resolve(workDir, 'staging'), { recursive: true });
    const key = `dataset:${dataset.spec.name}`;
    const r = await (await this.d()).call('load', { slot: key, path: dataset.path });
    if (r.checksum !== dataset.checksum) {
      throw new Error(`delta: ${dataset.spec.name}: pyarrow checksum ${String(r.checksum)} differs from Node's ${dataset.checksum} for the same file`);
    }
    const widened = r.widened as string[];
    if (widened.length > 0) {
      this.opts.log?.(`delta: ${dataset.spec.name}: Delta Lake has no unsigned integers, so it gets ${widened.join(', ')}; the same values (checksum unchanged)`);
    }
    this.loaded.add(key);
  }

  unsupported(feature: Feature): string | undefined {
    return feature === 'publish' ? 'a Delta table is itself what other engines read: it has no view to publish' : undefined;
  }

  /**
   * Directories a target owns beside its own table: sibling tables (`<target>--<table>`, writes with
   * `table`) and branch copies (`<target>@<branch>`, from `branch-write`). Storage and drop of a target
   * cover them.
   */
  private readonly owned = new Set<string>();

  private ownedBy(target: string): string[] {
    return [...this.owned].filter((x) => x.startsWith(`${target}--`) || x.startsWith(`${target}@`));
  }

  private path(target: string, table?: string): string {
    if (table) {
      this.owned.add(`${target}--${table}`);
      return this.tablePath(`${target}--${table}`);
    }
    return this.tablePath(target);
  }

  /** A table directory: under the work directory, or under this engine's prefix on S3. */
  private tablePath(name: string): string {
    const s3 = this.opts.s3;
    return s3 ? `s3://${s3.bucket}/${s3.prefix}/${this.workDirName}/${name}` : resolve(this.workDir, 'tables', name);
  }

  /** Names the work directory on S3 too, so that each dataset's tables are apart. */
  private get workDirName(): string {
    return this.workDir.replace(/^.*[\\/]/, '');
  }

  /** A branch copy's directory, owned by `target`. */
  private branchPath(target: string, branch: string): string {
    this.owned.add(`${target}@${branch}`);
    return this.path(`${target}@${branch}`);
  }

  /** Make the driver hold `src` in a memory slot (untimed): load its IPC file, staging one if needed. */
  private async slot(src: SourceTable): Promise<string> {
    if (this.loaded.has(src.key)) return src.key;
    await (await this.d()).call('load', { slot: src.key, path: stagedFile(this.workDir, src) });
    this.loaded.add(src.key);
    return src.key;
  }

  async run(op: Operation): Promise<OperationResult> {
    const d = await this.d();
    let args: Record<string, unknown>;
    let cmd: string = op.op;
    switch (op.op) {
      case 'write':
        args = {
          ...(op.fromFile ? { file: stagedFile(this.workDir, op.source) } : { slot: await this.slot(op.source) }),
          path: this.path(op.target, op.table),
          mode: op.mode,
          codec: this.opts.codec,
        };
        break;
      case 'read':
        args = {
          path: op.branch !== undefined ? this.branchPath(op.target, op.branch) : this.path(op.target),
          ...(op.version !== undefined ? { version: op.version } : {}),
          ...(op.columns ? { columns: op.columns } : {}),
          ...(op.filter ? { filter: op.filter } : {}),
        };
        break;
      case 'update':
        args = { slot: await this.slot(op.updates), path: this.path(op.target), codec: this.opts.codec };
        break;
      case 'delete':
        args = { path: this.path(op.target), filter: op.filter, codec: this.opts.codec };
        break;
      case 'optimize':
        args = { path: this.path(op.target), codec: this.opts.codec };
        break;
      case 'add-column':
        cmd = 'write';
        args = { slot: await this.slot(op.next), path: this.path(op.target), mode: 'overwrite', schemaMode: 'overwrite', codec: this.opts.codec };
        break;
      case 'branch':
        cmd = 'copy';
        args = { src: this.path(op.target), dst: this.path(`${op.target}@${op.name}`) };
        break;
      case 'branch-write':
        // No branches in Delta: a full copy of the table directory, which already holds `source`.
        cmd = 'copy';
        args = { src: this.path(op.target), dst: this.branchPath(op.target, op.name) };
        break;
      case 'sql':
        args = { query: op.query, tables: Object.fromEntries(op.tables.map((t) => [t, t === 't' ? this.path(op.target) : this.path(op.target, t)])), versions: op.versions ?? {} };
        break;
      case 'storage': {
        // A target's own table plus the directories it owns (sibling tables, branch copies).
        const dirs = [this.path(op.target), ...this.ownedBy(op.target).map((x) => this.path(x))];
        let bytes = 0;
        const t0 = performance.now();
        for (const path of dirs) bytes += Number((await d.call('du', { path })).bytes ?? 0);
        const ms = performance.now() - t0;
        return { internalMs: ms, wallMs: ms, bytes };
      }
      case 'commits': {
        // One table for all, or one each (Delta has no multi-table commits), written by processes of their own.
        const rows = resolve(this.workDir, 'staging', `${op.target}-rows.arrow`);
        writeFileSync(rows, tableToIPC(op.source.table, 'file'));
        const committer = resolve(PYTHON_DIR, 'delta_committer.py');
        const python = this.opts.python ?? ensureVenv();
        const env: Record<string, string> = d.storageOptions ? { ARMILLARIA_DELTA_STORAGE_OPTIONS: JSON.stringify(d.storageOptions) } : {};
        const t0 = performance.now();
        const table = (i: number) => (op.shared ? this.path(op.target) : this.path(op.target, `w${i}`));
        // Writers of one table need it to exist (a first commit by each of them would conflict on its creation).
        if (op.shared) await d.call('write', { slot: await this.slot(op.source), path: this.path(op.target), mode: 'overwrite', codec: this.opts.codec });
        const w = await runWriters(Array.from({ length: op.writers }, (_, i) => [python, committer, table(i), String(op.commits), rows, this.opts.codec]), env);
        return { internalMs: w.ms, wallMs: performance.now() - t0, ...commitCounts(w.counts) };
      }
      case 'publish':
        throw new NotImplementedError(this.unsupported('publish')!);
      case 'drop':
        for (const x of this.ownedBy(op.target)) {
          await d.call('drop', { path: this.path(x) });
          this.owned.delete(x);
        }
        this.owned.delete(op.target);
        args = { path: this.path(op.target) };
        break;
    }
    const t0 = performance.now();
    const r = await d.call(cmd, args);
    const wallMs = performance.now() - t0;
    const out: OperationResult = { internalMs: r.ms ?? wallMs, wallMs };
    if (typeof r.rows === 'number') out.rows = r.rows;
    if (typeof r.checksum === 'string') out.checksum = r.checksum;
    if (typeof r.version === 'number') out.version = r.version;
    if (typeof r.bytes === 'number') out.bytes = r.bytes;
    if (typeof r.rssPeakBytes === 'number') out.rssPeakBytes = r.rssPeakBytes;
    if (Array.isArray(r.resultRows)) out.resultRows = r.resultRows as unknown[][];
    if (r.metrics && typeof r.metrics === 'object') {
      const prefix = op.op === 'update' ? 'merge' : op.op;
      out.extra = Object.fromEntries(Object.entries(r.metrics as Record<string, number>).map(([k, v]) => [`${prefix}.${k}`, v]));
    }
    return out;
  }

  async teardown(): Promise<void> {
    if (this.driver) {
      for (const key of this.loaded) await this.driver.call('unload', { slot: key });
      await this.driver.call('drop', { path: this.workDir });
      if (this.opts.s3) await this.driver.call('drop', { path: this.tablePath('').replace(/\/$/, '') });
    }
    this.loaded.clear();
    this.owned.clear();
  }

  async close(): Promise<void> {
    await this.driver?.quit();
    this.driver = undefined;
  }
}
