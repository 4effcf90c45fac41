/**
 * Delta Lake views: a table's versions published as a Delta table (PROTOCOL.md of delta-io/delta)
 * whose data files are our chunks, so Spark, delta-rs, Polars and DuckDB read any version.
 *
 * One Delta commit per table version, in order: each holds `remove` actions for the files the
 * version dropped and `add` actions (with statistics) for the files it added, so the Delta table's
 * history mirrors ours and its time travel lands on our versions. Publishing again appends the
 * versions written since; files already in the view are not touched. Every commit names the table,
 * version and commit it mirrors (`commitInfo.armillaria`); that is how a later publish finds where it
 * left off, and how a directory that holds something else is refused.
 *
 * No checkpoints are written (the log is one small JSON file per version); commit files are created
 * exclusively, as the protocol asks of writers, so two publishers cannot both write one version.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Type, type DataType, type Schema } from 'apache-arrow';

import type { Manifest } from '../catalog/manifest.js';
import { manifestSchema } from '../catalog/manifest.js';
import { liveRows } from '../catalog/deletion-vector.js';
import { CorruptObjectError, InvalidArgumentError } from '../errors.js';
import type { ReadContext } from '../table/table-reader.js';
import { deltaProtocol, deltaSchema } from './delta-schema.js';
import { aliasFile, commitFile, fileNamePerChunk, placeChunks, type Placement, type ViewFile } from './view-files.js';

/** One of our table versions, to publish. */
export interface VersionToPublish {
  version: number;
  commit: string;
  /** Id of `manifest`: a later publish checks it still holds this version (the ref was not reset). */
  manifestId: string;
  time: string;
  message: string;
  manifest: Manifest;
}

/** Where a view left off: what its last commit mirrors. */
export interface PublishedMark {
  table: string;
  ref: string;
  version: number;
  commit: string;
  manifest: string;
}

/** What the view directory holds: its Delta state after the last commit. */
export interface DeltaState {
  /** Delta version of the last commit; -1 for a new view. */
  deltaVersion: number;
  mark?: PublishedMark;
  tableId?: string;
  schemaString?: string;
  protocol?: string;
  /** Live files, by path. */
  files: Map<string, number>;
}

export interface DeltaPublishedVersion {
  deltaVersion: number;
  version: number;
  commit: string;
  added: number;
  removed: number;
}

export interface DeltaPublishReport {
  format: 'delta';
  dir: string;
  table: string;
  ref: string;
  /** The Delta commits this call wrote, oldest first (none when the view was up to date). */
  published: DeltaPublishedVersion[];
  /** Files placed, by how: linked or copied chunks, chunks fetched from an object store, folded chunks. */
  files: Record<Placement, number>;
  /** Bytes written to the view's directory (links and files already there write none). */
  bytesWritten: number;
}

export const LOG_DIR = '_delta_log';
const ENGINE = 'armillaria';

/** One line of a Delta commit file: an action keyed by its kind (`add`, `remove`, `metaData`, …). */
export type DeltaAction = Record<string, Record<string, unknown> | undefined>;

export interface DeltaCommit {
  version: number;
  path: string;
  actions: DeltaAction[];
}

/**
 * The commits of the Delta log in `logDir`, oldest first, from version 0 without gaps.
 * @throws {InvalidArgumentError} a log with checkpoints or gaps (older commits cleaned up)
 * @throws {CorruptObjectError} a commit file with a line that is not a JSON action, by file and line
 */
export async function readDeltaLog(logDir: string): Promise<DeltaCommit[]> {
  const names = await readdir(logDir);
  const commits = names.filter((n) => /^\d{20}\.json$/.test(n)).sort();
  const gap = commits.findIndex((n, i) => Number(n.slice(0, 20)) !== i);
  if (names.some((n) => n.includes('checkpoint')) || gap >= 0) {
    throw new InvalidArgumentError(
      `views: the Delta log in ${logDir} ${gap >= 0 ? `has no commit file for version ${gap}` : 'has checkpoints'}; only logs whose every commit is a JSON file from version 0 are read`,
    );
  }
  return Promise.all(
    commits.map(async (name, version) => {
      const path = join(logDir, name);
      const actions = (await readFile(path, 'utf8')).split('\n').flatMap((line, at) => {
        if (line.trim() === '') return [];
        let action: unknown;
        try {
          action = JSON.parse(line);
        } catch (e) {
          throw new CorruptObjectError('Delta log entry', path, `line ${at + 1} is not valid JSON`, { cause: e });
        }
        if (typeof action !== 'object' || action === null || Array.isArray(action)) throw new CorruptObjectError('Delta log entry', path, `line ${at + 1} is not an action object`);
        return [action as DeltaAction];
      });
      return { version, path, actions };
    }),
  );
}

/**
 * Reads the view in `dir`: an absent or empty directory is a new view; a directory with other
 * content, or a log not written by a publish of `table` from `ref`, is refused.
 * @throws {InvalidArgumentError} naming what the directory holds
 */
export async function readDeltaState(dir: string, table: string, ref: string): Promise<DeltaState> {
  const state: DeltaState = { deltaVersion: -1, files: new Map() };
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    if (e.code === 'ENOTDIR') throw new InvalidArgumentError(`views: ${dir} is a file, not a directory`);
    throw e;
  });
  if (entries.length === 0) return state;
  if (!entries.includes(LOG_DIR)) {
    throw new InvalidArgumentError(`views: ${dir} holds ${entries.length} entries and no Delta log (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); publish into a new or empty directory`);
  }
  for (const { version, actions } of await readDeltaLog(join(dir, LOG_DIR))) {
    for (const action of actions) {
      if (action.add) state.files.set(action.add.path as string, action.add.size as number);
      if (action.remove) state.files.delete(action.remove.path as string);
      if (action.metaData) {
        state.tableId = action.metaData.id as string;
        state.schemaString = action.metaData.schemaString as string;
      }
      if (action.protocol) state.protocol = JSON.stringify(action.protocol);
      if (action.commitInfo) {
        const mark = action.commitInfo[ENGINE] as PublishedMark | undefined;
        if (!mark || mark.table !== table || mark.ref !== ref) {
          const what = mark ? `table "${mark.table}" of "${mark.ref}"` : 'a table another engine wrote';
          throw new InvalidArgumentError(`views: ${dir} holds ${what}, not table "${table}" of "${ref}"; publish into another directory`);
        }
        state.mark = mark;
      }
    }
    state.deltaVersion = version;
  }
  return state;
}

/**
 * Appends one Delta commit per version in `versions` (oldest first, all later than the view's mark)
 * to the view in `dir`, placing the files each adds.
 * @throws {UnsupportedTypeError} @throws {InvalidNameError} a column Delta cannot hold, by name
 * @throws {StorageError} another publisher wrote the same Delta version meanwhile
 */
export async function publishDelta(
  ctx: ReadContext,
  target: { dir: string; table: string; ref: string },
  state: DeltaState,
  versions: readonly VersionToPublish[],
  options: { verify?: boolean; onVersion?: (p: DeltaPublishedVersion) => void } = {},
): Promise<DeltaPublishReport> {
  const { dir, table, ref } = target;
  const report: DeltaPublishReport = { format: 'delta', dir, table, ref, published: [], files: { linked: 0, copied: 0, fetched: 0, folded: 0, present: 0 }, bytesWritten: 0 };
  // Every schema first: a column Delta cannot hold fails the publish before anything is written.
  const schemas = versions.map((v) => {
    const arrow = manifestSchema(v.manifest);
    const delta = deltaSchema(arrow);
    return { arrow, string: JSON.stringify(delta), protocol: deltaProtocol(delta) };
  });
  await mkdir(join(dir, LOG_DIR), { recursive: true });
  const tableId = state.tableId ?? randomUUID();
  let { files, schemaString: lastSchema, protocol: lastProtocol } = state;
  for (const [i, v] of versions.entries()) {
    const { arrow, string: schemaString, protocol } = schemas[i]!;
    // A Delta table holds a path once: a chunk the table holds twice gets a second name (a link).
    const names = fileNamePerChunk(v.manifest);
    const wanted = new Set(names);
    const missing = v.manifest.chunks.flatMap((c, k) => (liveRows(c) > 0 && !files.has(names[k]!) ? [{ chunk: c, name: names[k]! }] : []));
    const placed = await placeChunks(ctx, v.manifest, table, missing.map((m) => m.chunk), dir, options.verify ?? true);
    const added = await Promise.all(placed.map((f, k) => aliasFile(dir, f, missing[k]!.name)));
    const removed = [...files.keys()].filter((path) => !wanted.has(path));
    const deltaVersion = state.deltaVersion + 1 + i;
    const now = Date.now();
    const mark: PublishedMark = { table, ref, version: v.version, commit: v.commit, manifest: v.manifestId };
    const actions: unknown[] = [
      { commitInfo: { timestamp: now, operation: 'WRITE', operationParameters: { mode: 'Overwrite' }, engineInfo: ENGINE, [ENGINE]: { ...mark, time: v.time, message: v.message } } },
    ];
    if (lastProtocol !== JSON.stringify(protocol)) actions.push({ protocol });
    if (lastSchema !== schemaString) {
      actions.push({ metaData: { id: tableId, format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: [], configuration: {}, createdTime: now } });
    }
    for (const path of removed) actions.push({ remove: { path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: {}, size: files.get(path) } });
    for (const f of added) {
      actions.push({ add: { path: f.name, partitionValues: {}, size: f.bytes, modificationTime: now, dataChange: true, stats: JSON.stringify(deltaStats(f, arrow)) } });
      report.files[f.how]++;
      if (f.how !== 'linked' && f.how !== 'present') report.bytesWritten += f.bytes;
    }
    await commitFile(join(dir, LOG_DIR, `${String(deltaVersion).padStart(20, '0')}.json`), Buffer.from(actions.map((a) => JSON.stringify(a)).join('\n') + '\n'), `Delta version ${deltaVersion}`);
    files = new Map([...files].filter(([path]) => wanted.has(path)));
    for (const f of added) files.set(f.name, f.bytes);
    lastSchema = schemaString;
    lastProtocol = JSON.stringify(protocol);
    const published = { deltaVersion, version: v.version, commit: v.commit, added: added.length, removed: removed.length };
    report.published.push(published);
    options.onVersion?.(published);
  }
  return report;
}


/**
 * A file's statistics as Delta writes them (JSON values in the column's Delta form), for data
 * skipping. Bounds are only given where they are exact in that form: 64-bit integers within 2^53,
 * strings up to 64 characters; timestamps widen to whole milliseconds (min down, max up).
 */
function deltaStats(file: ViewFile, schema: Schema): Record<string, unknown> {
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  for (const field of schema.fields) {
    const s = file.stats[field.name];
    if (!s || field.type.typeId === Type.Struct || field.type.typeId === Type.Map) continue;
    nullCount[field.name] = s.nulls;
    if (s.min === undefined || s.max === undefined) continue;
    const min = deltaValue(field.type, s.min, 'min');
    const max = deltaValue(field.type, s.max, 'max');
    if (min !== undefined && max !== undefined) {
      minValues[field.name] = min;
      maxValues[field.name] = max;
    }
  }
  return { numRecords: file.rows, minValues, maxValues, nullCount };
}

const MS_PER_UNIT = [1000, 1, 1e-3, 1e-6]; // TimeUnit.SECOND … NANOSECOND

function deltaValue(type: DataType, value: number | string | boolean, end: 'min' | 'max'): unknown {
  const t = type as DataType & Record<string, unknown>;
  switch (type.typeId) {
    case Type.Int:
      if (typeof value === 'number') return value;
      return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
    case Type.Float:
      return value;
    case Type.Date:
      return typeof value === 'number' ? new Date(value * 86_400_000).toISOString().slice(0, 10) : undefined;
    case Type.Timestamp: {
      const raw = Number(value) * MS_PER_UNIT[t.unit as number]!;
      const ms = end === 'min' ? Math.floor(raw) : Math.ceil(raw);
      if (!Number.isSafeInteger(ms)) return undefined;
      const iso = new Date(ms).toISOString();
      return t.timezone ? iso : iso.slice(0, -1);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return typeof value === 'string' && value.length <= 64 ? value : undefined;
    default:
      return undefined;
  }
}
