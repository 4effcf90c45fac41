/**
 * The engine contract, ClickBench's per-system scripts as a TypeScript interface: every engine is set
 * up once per dataset, runs one *operation* per `run` call and reports how long it took, and is torn
 * down afterwards. Cases (src/cases/) compose operations into workloads: fresh targets per try,
 * warm-ups, verification. An engine never retries, never falls back, and never fakes a feature it
 * lacks: `supports()` says so, and the case records status 'not-implemented'.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';
import type { BenchResult, VersionInfo } from '@armillaria/report';
import type { Filter } from '../filter.js';
import type { LoadedDataset } from '../datasets/datasets.js';

/** A table the harness hands to an engine: in memory for Node, staged as an IPC file for Python. */
export interface SourceTable {
  /** Stable key; engines may cache what they derive from it (the Delta driver's memory slot). */
  key: string;
  table: Table;
  /** Arrow IPC file holding exactly `table`, when one exists (datasets do; derived tables get staged). */
  file?: string;
}

/** The IPC file holding `src`: its own, or one staged under `workDir` (untimed setup). */
export function stagedFile(workDir: string, src: SourceTable): string {
  if (src.file) return src.file;
  const file = resolve(workDir, 'staging', `${src.key.replace(/[^a-zA-Z0-9_.-]/g, '_')}.arrow`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, tableToIPC(src.table, 'file'));
  return file;
}

/** One engine operation; `target` names a table location inside the engine's work directory. */
export type Operation =
  /**
   * `table` names a second table beside the target's own (Armillaria: another table in the same store;
   * Delta, which has one table per directory: a sibling directory). Storage of a target covers both.
   */
  /**
   * `fromFile`: the engine reads the source's IPC file inside the timed region (Armillaria as a stream,
   * as `armillaria import` does; Delta's driver with pyarrow) instead of taking it from memory.
   */
  | { op: 'write'; target: string; source: SourceTable; mode: 'overwrite' | 'append'; message?: string; table?: string; fromFile?: boolean }
  /** `branch` reads a branch's head (Delta: the copy that `branch-write` made). */
  | { op: 'read'; target: string; version?: number; columns?: string[]; filter?: Filter; branch?: string }
  /**
   * Replace `value` at the rows whose `id` is in `updates` ({id, value}), as the next version
   * (Armillaria: `tx.update` by key; Delta: MERGE).
   */
  | { op: 'update'; target: string; updates: SourceTable }
  /**
   * Upsert `rows` (whole rows) by `id` as the next version: matching rows take its values, the rest
   * are inserted (Armillaria: `tx.upsert`; Delta: MERGE with insert; Iceberg: `Table.upsert`; Lance:
   * `merge_insert` with insert).
   */
  | { op: 'upsert'; target: string; rows: SourceTable }
  /** Delete the rows matching `filter`, as the next version (Armillaria: `tx.delete`; Delta: `DeltaTable.delete`). */
  | { op: 'delete'; target: string; filter: Filter }
  /** Compaction as a new version (Armillaria: `tx.optimize`; Delta: `optimize.compact()`). */
  | { op: 'optimize'; target: string }
  /**
   * Add a column: `next` is the target's table with the new column last. Armillaria adds the column
   * in place (`tx.addColumns`); Delta overwrites with schema evolution (`schema_mode`).
   */
  | { op: 'add-column'; target: string; next: SourceTable }
  | { op: 'branch'; target: string; name: string }
  /**
   * Give the target a branch `name` whose head holds `source`, identical to the target's head.
   * Armillaria creates the branch (a ref) and writes `source` on it as its next version; Delta has no
   * branches, so its nearest equivalent is a full copy of the table directory (which already holds it).
   * Storage of the target covers the branch.
   */
  | { op: 'branch-write'; target: string; name: string; source: SourceTable }
  /**
   * `writers` processes appending `commits` times each, all at once, each commit rows of its own:
   * `source` holds `writers` × `commits` equal runs of rows, writer `i`'s commit `c` appends run
   * `i` × `commits` + `c` (`writeWriterRows`). `shared`: all their
   * commits go through one serialization point (Armillaria: a table each on one branch, so one ref;
   * Delta: one table, so one log); otherwise none (Armillaria: a branch each; Delta: a table each).
   * The timer runs from the moment every writer is ready to the last one done; `rows` of the result
   * is the number of commits that landed, `extra.failedCommits` those the engine gave up on.
   */
  | { op: 'commits'; target: string; source: SourceTable; writers: number; commits: number; shared: boolean }
  /**
   * A SQL query over the target's `tables`, the main one named `t` and others by the `table` they were
   * written as; `versions` reads tables at older versions (the engine's own numbers, from writes).
   * Armillaria: `store.sql` (DuckDB over the chunks); Delta: `QueryBuilder` (DataFusion). The result
   * comes back as rows (`resultRows`), for the case to compare with what it expects.
   */
  | { op: 'sql'; target: string; query: string; tables: string[]; versions?: Record<string, number> }
  /**
   * Publish the target's table as a Delta Lake table in a fresh directory named `view` (Armillaria:
   * `store.publish`, chunk files hard-linked, folded where patched; appends the versions since when
   * `view` was published before). `bytes`: bytes written into the view; `extra`: files by how they
   * got there, and Delta commits written.
   */
  | { op: 'publish'; target: string; view: string }
  | { op: 'storage'; target: string }
  | { op: 'drop'; target: string };

export type OperationName = Operation['op'];

export interface OperationResult {
  /** Time measured by the engine around the operation only (in-process, or inside Python). */
  internalMs: number;
  /** Time the harness measured around the call (includes IPC for out-of-process engines). */
  wallMs: number;
  /** CPU time of the engine's process (every thread) over the region of `internalMs`, where measured. */
  cpuMs?: number;
  /** Rows returned (reads), written, or deleted (delete). */
  rows?: number;
  /** The rows a SQL query returned (converted outside the timed region). */
  resultRows?: unknown[][];
  /** `armillaria-checksum-v1` of what a read returned (computed outside the timed region). */
  checksum?: string;
  /** Table version after a write/update, or the version a read resolved. */
  version?: number;
  /** Bytes on disk (storage) or bytes created (branch, branch-write). */
  bytes?: number;
  /** Peak RSS of the process that did the work, during this operation. */
  rssPeakBytes?: number;
  /** Requests sent to object storage, by S3 operation (engines that count them: Armillaria on S3). */
  requests?: Record<string, number>;
  extra?: Record<string, number | string>;
}

/** Optional capabilities; a missing one makes its case 'not-implemented'. */
/** `commits`: writers in processes of their own (the commits cases); `optimize`: compaction as a version. */
export type Feature = 'filter' | 'time-travel' | 'update' | 'branch' | 'projection' | 'sql' | 'publish' | 'commits' | 'optimize';

export interface EngineDescription {
  versions: Partial<VersionInfo>;
  /** Goes into every result's `config`: codec, phase flags, thread counts, methods. */
  config: Record<string, string | number | boolean>;
}

export interface Engine {
  readonly engine: BenchResult['engine'];
  /** Phase name, or the competitor's name. */
  readonly phase: string;
  describe(): Promise<EngineDescription>;
  /** Prepare for one dataset; `workDir` is empty and owned by the engine until `teardown`. */
  setup(dataset: LoadedDataset, workDir: string): Promise<void>;
  /** Why a feature is unavailable, or `undefined` when it is available. */
  unsupported(feature: Feature): string | undefined;
  run(op: Operation): Promise<OperationResult>;
  /**
   * Optional: sample an in-process, sub-millisecond operation many times with mitata (fixed sample
   * count, gc between iterations, results kept alive). Returns per-iteration milliseconds.
   */
  sample?(op: Extract<Operation, { op: 'branch' }>, samples: number): Promise<number[]>;
  /**
   * Before a dataset's cases: collect garbage and return memory earlier work freed to the OS, so that
   * the peaks measured next are their own (a long-lived process otherwise carries what it freed).
   */
  settle(): Promise<void>;
  /** Release everything `setup` and `run` created (files, handles). */
  teardown(): Promise<void>;
  /** End the engine (child processes). */
  close(): Promise<void>;
}

/** Thrown by an engine for a requested capability it does not have (recorded as 'not-implemented'). */
export class NotImplementedError extends Error {
  readonly notImplemented = true;
}
