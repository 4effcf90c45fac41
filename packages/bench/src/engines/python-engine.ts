/**
 * The engines that run in Python (Delta Lake, Iceberg, Lance): each is a long-lived driver child
 * (`python/<engine>_driver.py`, protocol in `python/bench_driver.py`) speaking JSON lines. Python times
 * each operation itself (`time.perf_counter()`); the harness also records wall time around each request.
 * `PythonEngine` holds what they share: the driver, loading the dataset with a checksum check, memory
 * slots, table directories under the work directory, and turning answers into results.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { VersionInfo } from '@armillaria/report';
import { ensureVenv } from '@armillaria/testkit';
import { PYTHON_DIR } from '../paths.js';
import { commitCounts, runWriters, writeWriterRows } from '../workers/processes.js';
import type { LoadedDataset } from '../datasets/datasets.js';
import { stagedFile, type Engine, type EngineDescription, type Feature, type Operation, type OperationResult, type SourceTable } from './engine.js';

export interface DriverResponse {
  id: number;
  ok: boolean;
  ms?: number;
  error?: string;
  errorType?: string;
  rssPeakBytes?: number;
  [k: string]: unknown;
}

/** The competing engines, each with its driver script. */
export type Competitor = 'delta' | 'iceberg' | 'lance';

/** Path of an engine's driver script. */
export const driverPath = (engine: Competitor): string => resolve(PYTHON_DIR, `${engine}_driver.py`);

/** JSON-lines client for one driver process. One request in flight at a time is the normal use. */
export class PythonDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: DriverResponse) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  constructor(
    python: string,
    readonly engine: Competitor,
    opts: { onStderr?: (line: string) => void } = {},
  ) {
    const script = driverPath(engine);
    this.child = spawn(python, ['-u', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let msg: DriverResponse;
      try {
        msg = JSON.parse(line) as DriverResponse;
      } catch {
        opts.onStderr?.(`${engine}_driver: unexpected stdout line: ${line}`);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      p.resolve(msg);
    });
    const onErr = opts.onStderr ?? ((l: string) => process.stderr.write(`[${engine}] ${l}\n`));
    createInterface({ input: this.child.stderr }).on('line', onErr);
    const fail = (e: Error): void => {
      this.exited = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(new Error(`${engine}: could not start ${python} ${script}: ${e.message}`)));
    this.child.on('exit', (code, signal) => fail(new Error(`${engine}: driver exited (code ${code}, signal ${signal})`)));
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
    if (!r.ok) throw new Error(`${this.engine}: ${cmd} failed: ${r.error ?? 'unknown error'}`);
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

export interface PythonEngineOptions {
  codec: string;
  python?: string;
  onStderr?: (line: string) => void;
  /** Notes on how the dataset reaches the engine (columns widened to types it has). */
  log?: (line: string) => void;
}

/** A driver request: the command and its arguments. */
export interface DriverCall {
  cmd: string;
  args: Record<string, unknown>;
}

/**
 * An engine behind a Python driver. Targets are table directories under the work directory; a target
 * owns sibling tables (`<target>--<table>`, writes with `table`) and, where the engine copies for a
 * branch, copies (`<target>@<branch>`); storage and drop of a target cover them.
 */
export abstract class PythonEngine implements Engine {
  abstract readonly engine: Competitor;
  get phase(): string {
    return this.engine;
  }
  protected driver: PythonDriver | undefined;
  protected workDir = '';
  private readonly loaded = new Set<string>();
  protected hello: DriverResponse | undefined;
  private readonly owned = new Set<string>();

  constructor(protected readonly opts: PythonEngineOptions) {}

  /** The package versions the report shows, from the driver's hello. */
  protected abstract versions(hello: Record<string, string>): Partial<VersionInfo>;
  /** How this engine does each operation, for every result's config. */
  protected abstract methods(): Record<string, string | number | boolean>;
  abstract unsupported(feature: Feature): string | undefined;
  /**
   * The driver request for `op`, or a finished result for operations done another way; `undefined`
   * for the common mapping (`defaultCall`, and `storage`).
   */
  protected abstract call(op: Operation): Promise<DriverCall | OperationResult | undefined>;

  /** The driver, started (and greeted) on first use. */
  protected async d(): Promise<PythonDriver> {
    if (!this.driver) {
      this.driver = new PythonDriver(this.opts.python ?? ensureVenv(), this.engine, { ...(this.opts.onStderr ? { onStderr: this.opts.onStderr } : {}) });
      this.hello = await this.driver.call('hello');
      await this.started(this.driver);
    }
    return this.driver;
  }

  /** After the driver greeted (storage settings, say). */
  protected async started(_d: PythonDriver): Promise<void> {}

  async describe(): Promise<EngineDescription> {
    await this.d();
    const threads = this.hello!.threads as Record<string, number>;
    const versions = this.hello!.versions as Record<string, string>;
    return {
      versions: { python: versions.python, pyarrow: versions.pyarrow, ...this.versions(versions) },
      config: {
        codec: this.opts.codec,
        'threads.pyarrowCpu': threads.pyarrowCpu ?? 0,
        'threads.pyarrowIo': threads.pyarrowIo ?? 0,
        timing: 'python perf_counter (internal)',
        ...this.methods(),
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
    const d = await this.d();
    await this.prepare(d);
    const r = await d.call('load', { slot: key, path: dataset.path });
    if (r.checksum !== dataset.checksum) {
      throw new Error(`${this.engine}: ${dataset.spec.name}: pyarrow checksum ${String(r.checksum)} differs from Node's ${dataset.checksum} for the same file`);
    }
    const widened = r.widened as string[];
    if (widened.length > 0) {
      this.opts.log?.(`${this.engine}: ${dataset.spec.name}: no unsigned integers there, so it gets ${widened.join(', ')}; the same values (checksum unchanged)`);
    }
    this.loaded.add(key);
  }

  async settle(): Promise<void> {
    await (await this.d()).call('settle');
  }

  /** Per-dataset setup in the driver, once the work directory is known (Iceberg's catalog). */
  protected async prepare(_d: PythonDriver): Promise<void> {}

  protected ownedBy(target: string): string[] {
    return [...this.owned].filter((x) => x.startsWith(`${target}--`) || x.startsWith(`${target}@`));
  }

  /** A target's table directory, or that of its sibling `table`. */
  protected path(target: string, table?: string): string {
    if (table) {
      this.owned.add(`${target}--${table}`);
      return this.tablePath(`${target}--${table}`);
    }
    return this.tablePath(target);
  }

  /** A directory a target owns beside its table (a branch copy: `<target>@<branch>`). */
  protected ownedPath(name: string): string {
    this.owned.add(name);
    return this.path(name);
  }

  /** A table directory by name. */
  protected tablePath(name: string): string {
    return resolve(this.workDir, 'tables', name);
  }

  /** Make the driver hold `src` in a memory slot (untimed): load its IPC file, staging one if needed. */
  protected async slot(src: SourceTable): Promise<string> {
    if (this.loaded.has(src.key)) return src.key;
    await (await this.d()).call('load', { slot: src.key, path: stagedFile(this.workDir, src) });
    this.loaded.add(src.key);
    return src.key;
  }

  /** The rows of a write: read from the source's file inside the timed region, or from a slot. */
  protected async rows(op: Extract<Operation, { op: 'write' }>): Promise<Record<string, string>> {
    return op.fromFile ? { file: stagedFile(this.workDir, op.source) } : { slot: await this.slot(op.source) };
  }

  /** Bytes under a target's table and the directories it owns. */
  protected async storage(target: string): Promise<OperationResult> {
    const d = await this.d();
    let bytes = 0;
    const t0 = performance.now();
    for (const path of [this.path(target), ...this.ownedBy(target).map((x) => this.path(x))]) bytes += Number((await d.call('du', { path })).bytes ?? 0);
    const ms = performance.now() - t0;
    return { internalMs: ms, wallMs: ms, bytes };
  }

  async run(op: Operation): Promise<OperationResult> {
    const d = await this.d();
    const own = await this.call(op);
    if (own && !('cmd' in own)) return own;
    if (!own && op.op === 'storage') return this.storage(op.target);
    if (!own && op.op === 'commits') return this.commits(op, d);
    const { cmd, args } = own ?? (await this.defaultCall(op, d));
    const t0 = performance.now();
    const r = await d.call(cmd, args);
    const wallMs = performance.now() - t0;
    const out: OperationResult = { internalMs: r.ms ?? wallMs, wallMs };
    if (typeof r.cpuMs === 'number') out.cpuMs = r.cpuMs;
    if (typeof r.rows === 'number') out.rows = r.rows;
    if (typeof r.checksum === 'string') out.checksum = r.checksum;
    if (typeof r.version === 'number') out.version = r.version;
    if (typeof r.bytes === 'number') out.bytes = r.bytes;
    if (typeof r.rssPeakBytes === 'number') out.rssPeakBytes = r.rssPeakBytes;
    if (Array.isArray(r.resultRows)) out.resultRows = r.resultRows as unknown[][];
    if (r.metrics && typeof r.metrics === 'object') {
      const prefix = op.op === 'update' || op.op === 'upsert' ? 'merge' : op.op;
      out.extra = Object.fromEntries(Object.entries(r.metrics as Record<string, number>).map(([k, v]) => [`${prefix}.${k}`, v]));
    }
    return out;
  }

  /** Arguments after python/committer.py's own (Iceberg: its catalog's directory). */
  protected committerArgs(): string[] {
    return [];
  }

  /** Environment of the committer processes (Delta on S3: its storage options). */
  protected committerEnv(): Record<string, string> {
    return {};
  }

  /**
   * The commits operation: `writers` processes of python/committer.py appending `source` at once, to
   * one table (`shared`) or a table each; the timer runs from "go" to the last writer done.
   */
  private async commits(op: Extract<Operation, { op: 'commits' }>, d: PythonDriver): Promise<OperationResult> {
    const codec = this.opts.codec;
    const rows = writeWriterRows(op.source.table, op.writers, (i) => resolve(this.workDir, 'staging', `${op.target}-w${i}-rows.arrow`));
    const committer = resolve(PYTHON_DIR, 'committer.py');
    const python = this.opts.python ?? ensureVenv();
    const t0 = performance.now();
    const table = (i: number) => (op.shared ? this.path(op.target) : this.path(op.target, `w${i}`));
    // Writers of one table need it to exist (a first commit by each of them would conflict on its creation).
    if (op.shared) await d.call('write', { slot: await this.slot(op.source), path: this.path(op.target), mode: 'overwrite', codec });
    const command = (i: number) => [python, committer, this.engine, table(i), String(op.commits), rows[i]!, codec, ...this.committerArgs()];
    const w = await runWriters(Array.from({ length: op.writers }, (_, i) => command(i)), this.committerEnv());
    return { internalMs: w.ms, wallMs: performance.now() - t0, ...commitCounts(w.counts) };
  }

  /** The operations every driver does the same way. */
  private async defaultCall(op: Operation, d: PythonDriver): Promise<DriverCall> {
    const codec = this.opts.codec;
    switch (op.op) {
      case 'write':
        return { cmd: 'write', args: { ...(await this.rows(op)), path: this.path(op.target, op.table), mode: op.mode, codec } };
      case 'read':
        return {
          cmd: 'read',
          args: {
            path: this.path(op.target),
            ...(op.branch !== undefined ? { branch: op.branch } : {}),
            ...(op.version !== undefined ? { version: op.version } : {}),
            ...(op.columns ? { columns: op.columns } : {}),
            ...(op.filter ? { filter: op.filter } : {}),
          },
        };
      case 'update':
        return { cmd: 'update', args: { slot: await this.slot(op.updates), path: this.path(op.target), codec } };
      case 'upsert':
        return { cmd: 'upsert', args: { slot: await this.slot(op.rows), path: this.path(op.target), codec } };
      case 'delete':
        return { cmd: 'delete', args: { path: this.path(op.target), filter: op.filter, codec } };
      case 'optimize':
        return { cmd: 'optimize', args: { path: this.path(op.target), codec } };
      case 'branch':
        return { cmd: 'branch', args: { path: this.path(op.target), name: op.name } };
      case 'branch-write':
        return { cmd: 'branch-write', args: { path: this.path(op.target), name: op.name, slot: await this.slot(op.source), codec } };
      case 'drop':
        for (const x of this.ownedBy(op.target)) {
          await d.call('drop', { path: this.path(x) });
          this.owned.delete(x);
        }
        this.owned.delete(op.target);
        return { cmd: 'drop', args: { path: this.path(op.target) } };
      default:
        throw new Error(`${this.engine}: no driver request for operation ${op.op}`);
    }
  }

  async teardown(): Promise<void> {
    if (this.driver) {
      for (const key of this.loaded) await this.driver.call('unload', { slot: key });
      await this.driver.call('drop', { path: this.workDir });
      await this.tornDown(this.driver);
    }
    this.loaded.clear();
    this.owned.clear();
  }

  /** After the work directory was dropped (Delta's S3 prefix). */
  protected async tornDown(_d: PythonDriver): Promise<void> {}

  async close(): Promise<void> {
    await this.driver?.quit();
    this.driver = undefined;
  }
}
