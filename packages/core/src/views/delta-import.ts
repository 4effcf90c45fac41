/**
 * Import from Delta Lake with history: each Delta version becomes one version of an Armillaria
 * table. A version that only added files is an append of their rows; one that removed files (a
 * delete, update, merge or overwrite rewrote them) or changed the schema is an overwrite with every
 * live file's rows, which keeps the chunks it shares with the version before (ops/overwrite.ts).
 * A version that changed no data (OPTIMIZE, a commit of metadata only) makes no version.
 *
 * The Parquet bytes are not reused as chunks: a chunk is what our encoder makes of exactly
 * `chunkRows` rows, so every phase and every store names the same rows by the same id; Delta's
 * files are cut and encoded by whoever wrote them.
 *
 * What a Delta table can hold that this does not carry is refused before anything is written, each
 * thing named: partition columns (their values live in the log, not the files), column mapping,
 * deletion vectors, and reader features beyond timestampNtz.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';

import { CorruptObjectError, InvalidArgumentError, UnsupportedFeatureError } from '../errors.js';
import { openTableFile } from '../io/read-file.js';
import { LOG_DIR, readDeltaLog, type DeltaCommit } from './delta.js';
import type { DeltaStruct, DeltaType } from './delta-schema.js';

export interface DeltaImportOptions {
  /** The first Delta version to import (default 0): it arrives whole, as one version. */
  since?: number;
  /** Called after each Delta version is handled. */
  onVersion?: (v: ImportedVersion) => void;
}

export interface ImportedVersion {
  deltaVersion: number;
  /** How it was stored: `unchanged` versions changed no data and made no version. */
  mode: 'append' | 'overwrite' | 'unchanged';
  /** Rows written (appended, or the whole table for an overwrite). */
  rows: number;
  /** The Delta operation, from its commitInfo (WRITE, DELETE, MERGE, …). */
  operation: string;
  /** The table version and commit it became, and the bytes it stored (absent when `unchanged`). */
  version?: number;
  commit?: string;
  newBytes?: number;
}

/** Stores one Delta version: `rows` appended to the table or replacing it, as a new table version. */
export type StoreVersion = (rows: Table, mode: 'append' | 'overwrite', message: string) => Promise<{ version: number; commit: string; newBytes: number }>;

const READER_FEATURES = new Set(['timestampNtz']);

/**
 * Imports the Delta table in `dir`, calling `store` once per version that changed data.
 * @throws {InvalidArgumentError} `dir` is not a Delta table, or `since` is not one of its versions
 * @throws {UnsupportedFeatureError} what the table uses that the import cannot carry, all named
 * @throws {CorruptObjectError} a broken log: a line that is not JSON, an action without its fields
 */
export async function importDelta(dir: string, store: StoreVersion, options: DeltaImportOptions = {}): Promise<ImportedVersion[]> {
  const commits = await readDeltaLog(join(dir, LOG_DIR)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new InvalidArgumentError(`import: ${dir} is not a Delta table (it has no ${LOG_DIR} directory)`);
    throw e;
  });
  const since = options.since ?? 0;
  if (!Number.isSafeInteger(since) || since < 0 || since >= commits.length) {
    throw new InvalidArgumentError(`import: --since ${since} is not a version of ${dir} (it has versions 0 to ${commits.length - 1})`);
  }
  refuseWhatCannotBeCarried(dir, commits);

  let live: string[] = []; // paths of the live files, in table order
  let schemaString: string | undefined;
  const out: ImportedVersion[] = [];
  for (const commit of commits) {
    let schemaChanged = false;
    let removedData = false;
    const removed = new Set<string>();
    const added: string[] = [];
    const appended: string[] = []; // added files with new data (not a compaction's rewrites)
    for (const action of commit.actions) {
      if (action.metaData) {
        const next = field<string>(action.metaData, 'schemaString', commit);
        schemaChanged ||= schemaString !== undefined && next !== schemaString;
        schemaString = next;
      }
      if (action.remove) {
        removed.add(field<string>(action.remove, 'path', commit));
        removedData ||= action.remove.dataChange !== false;
      }
      if (action.add) {
        added.push(field<string>(action.add, 'path', commit));
        if (action.add.dataChange !== false) appended.push(added.at(-1)!);
      }
    }
    live = replaceFiles(live, removed, added);
    if (commit.version < since) continue;
    if (schemaString === undefined) throw new CorruptObjectError('Delta log', commit.path, 'no metaData action gives the table schema by this version');
    const operation = String(commit.actions.find((a) => a.commitInfo)?.commitInfo?.operation ?? 'commit');
    const message = `import-delta version ${commit.version}: ${operation}`;
    const schema = JSON.parse(schemaString) as DeltaStruct;
    let v: ImportedVersion;
    if (commit.version === since || removedData || schemaChanged) {
      const rows = await readFiles(dir, live, schema);
      v = { deltaVersion: commit.version, mode: 'overwrite', rows: rows.numRows, operation, ...(await store(rows, 'overwrite', message)) };
    } else if (appended.length > 0) {
      const rows = await readFiles(dir, appended, schema);
      v = { deltaVersion: commit.version, mode: 'append', rows: rows.numRows, operation, ...(await store(rows, 'append', message)) };
    } else {
      v = { deltaVersion: commit.version, mode: 'unchanged', rows: 0, operation };
    }
    out.push(v);
    options.onVersion?.(v);
  }
  return out;
}

/**
 * The live files after a commit, in table order. A delete or update rewrites files where they were:
 * when it added as many files as it removed, each takes the place of one (in order; this is how
 * Armillaria's own views rewrite chunks); otherwise they all take the place of the first removed.
 * Files added with nothing removed go at the end.
 */
function replaceFiles(live: readonly string[], removed: ReadonlySet<string>, added: readonly string[]): string[] {
  const fresh = added.filter((p) => removed.has(p) || !live.includes(p));
  const gone = live.filter((p) => removed.has(p)).length;
  if (gone === 0) return [...live.filter((p) => !removed.has(p)), ...fresh];
  if (fresh.length === gone) {
    let next = 0;
    return live.map((p) => (removed.has(p) ? fresh[next++]! : p));
  }
  const at = live.findIndex((p) => removed.has(p));
  const kept = live.filter((p) => !removed.has(p));
  const before = live.slice(0, at).filter((p) => !removed.has(p)).length;
  return [...kept.slice(0, before), ...fresh, ...kept.slice(before)];
}

function refuseWhatCannotBeCarried(dir: string, commits: readonly DeltaCommit[]): void {
  const problems = new Set<string>();
  for (const { actions } of commits) {
    for (const a of actions) {
      if (a.protocol) {
        const reader = Number(a.protocol.minReaderVersion);
        const features = (a.protocol.readerFeatures as string[] | undefined) ?? [];
        if (reader > 3) problems.add(`reader version ${reader}`);
        for (const f of features) if (!READER_FEATURES.has(f) && f !== 'deletionVectors' && f !== 'columnMapping') problems.add(`reader feature ${f}`);
      }
      if (a.metaData) {
        const partitions = (a.metaData.partitionColumns as string[] | undefined) ?? [];
        if (partitions.length > 0) problems.add(`partition columns (${partitions.join(', ')})`);
        const mapping = (a.metaData.configuration as Record<string, string> | undefined)?.['delta.columnMapping.mode'];
        if (mapping && mapping !== 'none') problems.add(`column mapping mode "${mapping}"`);
      }
      if (a.add?.deletionVector) problems.add('deletion vectors');
    }
  }
  if (problems.size > 0) throw new UnsupportedFeatureError(dir, [...problems]);
}

function field<T>(action: Record<string, unknown>, name: string, commit: DeltaCommit): T {
  const v = action[name];
  if (v === undefined || v === null) throw new CorruptObjectError('Delta log entry', commit.path, `an action has no "${name}"`);
  return v as T;
}

/**
 * The rows of `paths` (relative to `dir`, URI-encoded as the log keeps them) in the columns of
 * `delta`, typed as the files type them; a column no file has (added later) is all nulls.
 */
async function readFiles(dir: string, paths: readonly string[], delta: DeltaStruct): Promise<Table> {
  const sources = await Promise.all(
    paths.map(async (path) => {
      const file = path.startsWith('file:') ? fileURLToPath(path) : join(dir, decodeURIComponent(path));
      return { file, source: await openTableFile(file) };
    }),
  );
  const schema = new Schema(
    delta.fields.map((f) => {
      const found = sources.map(({ source }) => source.schema.fields.find((x) => x.name === f.name)).find((x) => x !== undefined);
      return new Field(f.name, found?.type ?? arrowType(f.type, f.name), true);
    }),
  );
  const batches: RecordBatch[] = [];
  for (const { file, source } of sources) {
    for await (const batch of source.batches) batches.push(conform(batch, schema, file));
  }
  return new Table(schema, batches);
}

/** `batch` with `schema`'s columns in its order; a column it lacks is all nulls. */
function conform(batch: RecordBatch, schema: Schema, file: string): RecordBatch {
  const children = schema.fields.map((f) => {
    const have = batch.getChild(f.name);
    if (!have) return vectorFromArray(new Array(batch.numRows).fill(null), f.type).data[0]!;
    if (String(have.type) !== String(f.type)) {
      throw new UnsupportedFeatureError(file, [`column "${f.name}" of type ${String(have.type)}, where other files of the version have ${String(f.type)}`]);
    }
    return have.data[0]!;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/** The Arrow type of a column no file holds yet (Delta timestamps are microseconds). */
function arrowType(type: DeltaType, column: string): DataType {
  if (typeof type === 'string') {
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal) return new Decimal(Number(decimal[2]), Number(decimal[1]), 128);
    const simple: Record<string, () => DataType> = {
      byte: () => new Int8(),
      short: () => new Int16(),
      integer: () => new Int32(),
      long: () => new Int64(),
      float: () => new Float32(),
      double: () => new Float64(),
      boolean: () => new Bool(),
      string: () => new Utf8(),
      binary: () => new Binary(),
      date: () => new DateDay(),
      timestamp: () => new TimestampMicrosecond('UTC'),
      timestamp_ntz: () => new TimestampMicrosecond(),
    };
    const make = simple[type];
    if (make) return make();
  }
  throw new UnsupportedFeatureError('the Delta schema', [`column "${column}" of type ${JSON.stringify(type)} with no file holding it`]);
}
