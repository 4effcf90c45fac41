/**
 * Iceberg views: a table's versions published as an Iceberg table (format v2; format/spec.md of
 * apache/iceberg) whose data files are our chunks, so pyiceberg, Spark, Trino and DuckDB read any
 * version as a snapshot.
 *
 * ```
 * <dir>/data/<chunk>.parquet                 the chunks (hard links where possible), folds of changed ones
 * <dir>/metadata/<uuid>-m<k>.avro            manifests: at most 128 data files each, with statistics
 * <dir>/metadata/snap-<id>-1-<uuid>.avro     one manifest list per snapshot
 * <dir>/metadata/v<N>.metadata.json          table metadata: schemas, snapshots, refs; one file per publish
 * <dir>/metadata/version-hint.text           N of the newest metadata file
 * ```
 *
 * One snapshot per table version, in order, with increasing sequence numbers; the branch published
 * is the Iceberg `main` branch, and the store's tags that point at published versions are Iceberg
 * tags. Rows deleted from a chunk (its deletion vector) become a position delete file beside the
 * chunk, which stays as it is: `<chunk>-deletes-<vector>.parquet`, listing the deleted positions, in
 * delete manifests. A chunk with updated rows or added columns (patches) is folded into a new data
 * file (view-files.ts) that replaces it. A snapshot writes the manifests that changed (those that
 * lost a file, filled up with the new files, then new manifests for the rest) and keeps the others,
 * so a version that deleted rows of one chunk of a 1,000-chunk table writes one small delete file,
 * one delete manifest, one manifest list and one metadata file; one that updated a row, one folded
 * data file and one manifest of at most 128 entries instead of the delete file and manifest.
 *
 * Columns are mapped by name (`schema.name-mapping.default`): our Parquet files carry no field ids.
 * Every snapshot's summary names the table, ref, version, commit and manifest it mirrors
 * (`armillaria.*`); that is how a later publish finds where it left off and refuses a directory that
 * holds something else.
 *
 * Commit: every file is written under a fresh name first; the metadata file `v<N+1>.metadata.json`
 * is then linked into place, which fails if another publisher made it meanwhile (a put-if-absent, as
 * Hadoop tables rename). A crash before that leaves unreferenced files and the view as it was; the
 * version hint is updated last, and readers of the hint that see the older one read the older table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { DateUnit, Field, Int64, Precision, RecordBatch, Schema, Table, TimeUnit, Type, Utf8, vectorFromArray, type DataType } from 'apache-arrow';

import { liveMask, liveRows } from '../catalog/deletion-vector.js';
import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { CorruptObjectError, InvalidArgumentError } from '../errors.js';
import { encodeChunk, type Codec } from '../table/parquet-codec.js';
import type { StatValue } from '../table/stats.js';
import type { ReadContext } from '../table/table-reader.js';
import type { PublishedMark, VersionToPublish } from './delta.js';
import {
  manifestFromAvro,
  manifestListFromAvro,
  manifestListToAvro,
  manifestToAvro,
  type DataFile,
  type KeyValue,
  type ManifestEntry,
  type ManifestFile,
} from './iceberg-avro.js';
import { FieldIds, icebergSchema, nameMapping, type IcebergSchema, type IcebergStruct } from './iceberg-schema.js';
import { commitFile, placeChunks, viewFileName, writeFresh, type Placement, type ViewFile } from './view-files.js';

/** Data files per manifest: a changed file rewrites one manifest of at most this many entries. */
export const MANIFEST_FILES = 128;
/** More manifests than this under a quarter full are merged (appends add small manifests). */
const SMALL_MANIFESTS = 8;
const ENGINE = 'armillaria';
const META = 'metadata';
const DATA = 'data';

/** Table metadata as we write it (spec "Table Metadata Fields", v2). */
export interface IcebergMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  'current-schema-id': number;
  schemas: IcebergSchema[];
  'default-spec-id': 0;
  'partition-specs': { 'spec-id': 0; fields: [] }[];
  'last-partition-id': number;
  'default-sort-order-id': 0;
  'sort-orders': { 'order-id': 0; fields: [] }[];
  properties: Record<string, string>;
  'current-snapshot-id'?: number;
  refs: Record<string, { 'snapshot-id': number; type: 'branch' | 'tag' }>;
  snapshots: IcebergSnapshot[];
  'snapshot-log': { 'timestamp-ms': number; 'snapshot-id': number }[];
  'metadata-log': { 'timestamp-ms': number; 'metadata-file': string }[];
}

export interface IcebergSnapshot {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: Record<string, string>;
  'schema-id': number;
}

/** A live data file of a manifest, with what it inherited made explicit (to carry it as EXISTING). */
interface TrackedFile {
  dataFile: DataFile;
  snapshotId: number;
  dataSequence: number;
  fileSequence: number;
}

/** A manifest of the current snapshot: its manifest-list record and its live files. */
export interface LiveManifest {
  file: ManifestFile;
  files: TrackedFile[];
}

/** What the view directory holds: its Iceberg table after the last publish. */
export interface IcebergState {
  /** N of the newest `metadata/v<N>.metadata.json`; 0 for a new view. */
  metadataVersion: number;
  metadata?: IcebergMetadata;
  mark?: PublishedMark;
  /** The current snapshot's manifests. */
  manifests: LiveManifest[];
}

export interface IcebergPublishedVersion {
  snapshotId: number;
  sequenceNumber: number;
  version: number;
  commit: string;
  /** Data files the snapshot added and removed. */
  added: number;
  removed: number;
  /** Position delete files the snapshot added (one per chunk whose deleted rows changed). */
  deleteFiles: number;
}

export interface IcebergPublishReport {
  format: 'iceberg';
  dir: string;
  table: string;
  ref: string;
  /** The metadata file this call wrote (absent when the view was up to date, tags included). */
  metadataFile?: string;
  /** The snapshots this call wrote, oldest first. */
  published: IcebergPublishedVersion[];
  /** The view's Iceberg tags after the call (the store's tags at published versions). */
  tags: string[];
  /** Data files placed, by how: linked or copied chunks, chunks fetched from an object store, folded chunks. */
  files: Record<Placement, number>;
  /** Position delete files written. */
  deleteFiles: number;
  /** Bytes of data and delete files written to the view (links and files already there write none). */
  bytesWritten: number;
  /** Bytes of manifests, manifest lists and the metadata file written. */
  metadataBytes: number;
}

/** A store tag to mirror: the table version it points at, and that version's manifest id. */
export interface TagToPublish {
  version: number;
  manifest: string;
}

/**
 * Reads the Iceberg table in `dir`: an absent or empty directory (or one whose metadata folder has
 * no metadata file yet) is a new view; a directory with other content, or a table not written by a
 * publish of `table` from `ref`, is refused.
 * @throws {InvalidArgumentError} naming what the directory holds
 * @throws {CorruptObjectError} a metadata, manifest list or manifest file that does not parse
 */
export async function readIcebergState(dir: string, table: string, ref: string): Promise<IcebergState> {
  const state: IcebergState = { metadataVersion: 0, manifests: [] };
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    if (e.code === 'ENOTDIR') throw new InvalidArgumentError(`views: ${dir} is a file, not a directory`);
    throw e;
  });
  if (entries.length === 0) return state;
  if (!entries.includes(META)) {
    throw new InvalidArgumentError(`views: ${dir} holds ${entries.length} entries and no Iceberg metadata (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); publish into a new or empty directory`);
  }
  const names = await readdir(join(dir, META));
  const versions = names.flatMap((n) => /^v(\d+)\.metadata\.json$/.exec(n)?.[1] ?? []).map(Number);
  const foreign = names.filter((n) => n.endsWith('.metadata.json') && !/^v\d+\.metadata\.json$/.test(n));
  if (foreign.length > 0) {
    throw new InvalidArgumentError(`views: ${dir} holds metadata files another engine wrote (${foreign[0]}); publish into another directory`);
  }
  if (versions.length === 0) return state;
  state.metadataVersion = Math.max(...versions);
  const path = join(dir, META, `v${state.metadataVersion}.metadata.json`);
  const metadata = parseJson(await readFile(path, 'utf8'), 'Iceberg metadata', path) as IcebergMetadata;
  const props = metadata.properties ?? {};
  const current = metadata.snapshots?.find((s) => s['snapshot-id'] === metadata['current-snapshot-id']);
  const summary = current?.summary ?? {};
  if (props[`${ENGINE}.table`] !== table || props[`${ENGINE}.ref`] !== ref || summary[`${ENGINE}.table`] !== table) {
    const what = props[`${ENGINE}.table`] !== undefined ? `table "${props[`${ENGINE}.table`]}" of "${props[`${ENGINE}.ref`]}"` : 'a table another engine wrote';
    const by = props[`${ENGINE}.table`] !== undefined && current && summary[`${ENGINE}.table`] === undefined ? ', changed by another engine since' : '';
    throw new InvalidArgumentError(`views: ${dir} holds ${what}${by}, not table "${table}" of "${ref}"; publish into another directory`);
  }
  if (metadata.location !== fileUri(dir)) {
    throw new InvalidArgumentError(`views: ${dir} holds an Iceberg table made at ${metadata.location} (format v2 metadata holds absolute paths, so a view cannot move); publish into a new directory`);
  }
  state.metadata = metadata;
  state.mark = {
    table,
    ref,
    version: Number(summary[`${ENGINE}.version`]),
    commit: summary[`${ENGINE}.commit`]!,
    manifest: summary[`${ENGINE}.manifest`]!,
  };
  const listPath = localPath(dir, current!['manifest-list']);
  for (const file of manifestListFromAvro(await readFile(listPath), listPath)) {
    const mpath = localPath(dir, file.manifest_path);
    const files = manifestFromAvro(await readFile(mpath), mpath)
      .filter((e) => e.status !== 2)
      .map((e) => ({
        dataFile: e.data_file,
        snapshotId: e.snapshot_id ?? file.added_snapshot_id,
        dataSequence: e.sequence_number ?? file.sequence_number,
        fileSequence: e.file_sequence_number ?? file.sequence_number,
      }));
    state.manifests.push({ file, files });
  }
  return state;
}

/**
 * Writes one Iceberg snapshot per version in `versions` (oldest first, all later than the view's
 * mark) into the view in `dir`, placing the files each adds, then one metadata file naming them all
 * and the tags in `tags` (by name; tags at versions not in the view are left out).
 * @throws {UnsupportedTypeError} a column Iceberg v2 cannot hold, by name, before anything is written
 * @throws {StorageError} another publisher wrote the same metadata version meanwhile
 */
export async function publishIceberg(
  ctx: ReadContext,
  target: { dir: string; table: string; ref: string },
  state: IcebergState,
  versions: readonly VersionToPublish[],
  options: { tags?: ReadonlyMap<string, TagToPublish>; verify?: boolean; onVersion?: (p: IcebergPublishedVersion) => void } = {},
): Promise<IcebergPublishReport> {
  const { dir, table, ref } = target;
  const report: IcebergPublishReport = { format: 'iceberg', dir, table, ref, published: [], tags: [], files: { linked: 0, copied: 0, fetched: 0, folded: 0, present: 0 }, deleteFiles: 0, bytesWritten: 0, metadataBytes: 0 };
  const prev = state.metadata;
  const location = fileUri(dir);
  // Every schema first: a column Iceberg cannot hold fails the publish before anything is written.
  const schemas: IcebergSchema[] = [...(prev?.schemas ?? [])];
  const ids = FieldIds.from(schemas);
  const planned = versions.map((v) => {
    const arrow = manifestSchema(v.manifest);
    const struct = icebergSchema(arrow, ids);
    const same = schemas.find((s) => JSON.stringify(s.fields) === JSON.stringify(struct.fields));
    const schema = same ?? { ...struct, 'schema-id': schemas.length === 0 ? 0 : Math.max(...schemas.map((s) => s['schema-id'])) + 1 };
    if (!same) schemas.push(schema);
    return { v, arrow, schema };
  });
  if (versions.length === 0 && !prev) return report;

  await mkdir(join(dir, META), { recursive: true });
  const snapshots = [...(prev?.snapshots ?? [])];
  const snapshotLog = [...(prev?.['snapshot-log'] ?? [])];
  let manifests = state.manifests;
  let sequence = prev?.['last-sequence-number'] ?? 0;
  let parent = prev?.['current-snapshot-id'];
  let lastTime = snapshots.at(-1)?.['timestamp-ms'] ?? 0;
  for (const { v, arrow, schema } of planned) {
    sequence++;
    const snapshotId = newSnapshotId(snapshots);
    const want = wantedFiles(location, v.manifest);
    const dataManifests = manifests.filter((m) => m.file.content === 0);
    const deleteManifests = manifests.filter((m) => m.file.content === 1);
    const have = countBy(dataManifests.flatMap((m) => m.files.map((f) => f.dataFile.file_path)));
    const haveDeletes = new Set(deleteManifests.flatMap((m) => m.files.map((f) => f.dataFile.file_path)));
    const toPlace = [...want.place].filter(([p]) => (have.get(p) ?? 0) < want.data.get(p)!).map(([, c]) => c);
    const placed = await placeChunks(ctx, v.manifest, table, toPlace, join(dir, DATA), options.verify ?? true);
    const added: DataFile[] = [];
    for (const f of placed) {
      const file = dataFile(f, `${location}/${DATA}/${f.name}`, arrow, schema);
      for (let n = have.get(file.file_path) ?? 0; n < want.data.get(file.file_path)!; n++) added.push(file);
      report.files[f.how]++;
      if (f.how !== 'linked' && f.how !== 'present') report.bytesWritten += f.bytes;
    }
    const addedDeletes: DataFile[] = [];
    for (const [path, { chunk, dataPath }] of want.deletes) {
      if (haveDeletes.has(path)) continue;
      const file = await writeDeleteFile(ctx, chunk, dataPath, path, localPath(dir, path), v.manifest.codec);
      addedDeletes.push(file.dataFile);
      report.deleteFiles++;
      if (file.written) report.bytesWritten += file.dataFile.file_size_in_bytes;
    }
    const at = { snapshotId, sequence, schema };
    const nextData = await writeSnapshotManifests(dir, dataManifests, want.data, added, at, 0);
    const nextDeletes = await writeSnapshotManifests(dir, deleteManifests, countBy([...want.deletes.keys()]), addedDeletes, at, 1);
    const next = [...nextData.manifests, ...nextDeletes.manifests];
    report.metadataBytes += nextData.bytes + nextDeletes.bytes;
    const listName = `snap-${snapshotId}-1-${randomUUID()}.avro`;
    const listMeta: Record<string, string> = { 'snapshot-id': String(snapshotId), 'sequence-number': String(sequence), 'format-version': '2' };
    if (parent !== undefined) listMeta['parent-snapshot-id'] = String(parent);
    const list = manifestListToAvro(next.map((m) => m.file), listMeta);
    await writeFresh(join(dir, META, listName), list);
    report.metadataBytes += list.byteLength;

    const time = Math.max(Date.parse(v.time) || Date.now(), lastTime);
    const removed = nextData.removed;
    const sum = (files: readonly DataFile[], of: (f: DataFile) => number) => String(files.reduce((n, f) => n + of(f), 0));
    const rows = (f: DataFile) => f.record_count;
    const size = (f: DataFile) => f.file_size_in_bytes;
    const totalData = nextData.manifests.flatMap((m) => m.files.map((f) => f.dataFile));
    const totalDeletes = nextDeletes.manifests.flatMap((m) => m.files.map((f) => f.dataFile));
    const deletes = addedDeletes.length > 0 || nextDeletes.removed.length > 0 || removed.length > 0;
    const summary: Record<string, string> = {
      operation: !deletes ? 'append' : added.length === 0 ? 'delete' : 'overwrite',
      'added-data-files': String(added.length),
      'deleted-data-files': String(removed.length),
      'added-records': sum(added, rows),
      'deleted-records': sum(removed, rows),
      'added-files-size': sum([...added, ...addedDeletes], size),
      'removed-files-size': sum([...removed, ...nextDeletes.removed], size),
      'added-delete-files': String(addedDeletes.length),
      'added-position-delete-files': String(addedDeletes.length),
      'added-position-deletes': sum(addedDeletes, rows),
      'removed-delete-files': String(nextDeletes.removed.length),
      'removed-position-delete-files': String(nextDeletes.removed.length),
      'removed-position-deletes': sum(nextDeletes.removed, rows),
      'total-data-files': String(totalData.length),
      'total-records': sum(totalData, rows),
      'total-files-size': sum([...totalData, ...totalDeletes], size),
      'total-delete-files': String(totalDeletes.length),
      'total-position-deletes': sum(totalDeletes, rows),
      'total-equality-deletes': '0',
      'manifests-created': String(nextData.created + nextDeletes.created),
      'manifests-kept': String(next.length - nextData.created - nextDeletes.created),
      'manifests-replaced': String(nextData.replaced + nextDeletes.replaced),
      'engine-name': ENGINE,
      [`${ENGINE}.table`]: table,
      [`${ENGINE}.ref`]: ref,
      [`${ENGINE}.version`]: String(v.version),
      [`${ENGINE}.commit`]: v.commit,
      [`${ENGINE}.manifest`]: v.manifestId,
      [`${ENGINE}.time`]: v.time,
      [`${ENGINE}.message`]: v.message,
    };
    snapshots.push({
      'snapshot-id': snapshotId,
      ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
      'sequence-number': sequence,
      'timestamp-ms': time,
      'manifest-list': `${location}/${META}/${listName}`,
      summary,
      'schema-id': schema['schema-id'],
    });
    snapshotLog.push({ 'timestamp-ms': time, 'snapshot-id': snapshotId });
    manifests = next;
    parent = snapshotId;
    lastTime = time;
    const published = { snapshotId, sequenceNumber: sequence, version: v.version, commit: v.commit, added: added.length, removed: removed.length, deleteFiles: addedDeletes.length };
    report.published.push(published);
    options.onVersion?.(published);
  }

  const refs: IcebergMetadata['refs'] = { main: { 'snapshot-id': parent!, type: 'branch' } };
  for (const [name, tag] of [...(options.tags ?? new Map<string, TagToPublish>())].sort(([a], [b]) => a.localeCompare(b))) {
    const at = snapshots.find((s) => s.summary[`${ENGINE}.version`] === String(tag.version) && s.summary[`${ENGINE}.manifest`] === tag.manifest);
    if (at && name !== 'main') refs[name] = { 'snapshot-id': at['snapshot-id'], type: 'tag' };
  }
  report.tags = Object.keys(refs).filter((n) => refs[n]!.type === 'tag');
  if (versions.length === 0 && JSON.stringify(refs) === JSON.stringify(prev?.refs)) return report;

  const now = Math.max(Date.now(), lastTime);
  const metadataVersion = state.metadataVersion + 1;
  const metadata: IcebergMetadata = {
    'format-version': 2,
    'table-uuid': prev?.['table-uuid'] ?? randomUUID(),
    location,
    'last-sequence-number': sequence,
    'last-updated-ms': now,
    'last-column-id': Math.max(ids.lastId, prev?.['last-column-id'] ?? 0),
    'current-schema-id': planned.at(-1)?.schema['schema-id'] ?? prev!['current-schema-id'],
    schemas,
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999, // no partition fields yet: partition field ids start at 1000
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: {
      ...(prev?.properties ?? {}),
      'schema.name-mapping.default': JSON.stringify(nameMapping(schemas)),
      [`${ENGINE}.table`]: table,
      [`${ENGINE}.ref`]: ref,
    },
    'current-snapshot-id': parent!,
    refs,
    snapshots,
    'snapshot-log': snapshotLog,
    'metadata-log': prev ? [...prev['metadata-log'], { 'timestamp-ms': prev['last-updated-ms'], 'metadata-file': `${location}/${META}/v${state.metadataVersion}.metadata.json` }] : [],
  };
  const bytes = Buffer.from(JSON.stringify(metadata, null, 1));
  report.metadataFile = join(dir, META, `v${metadataVersion}.metadata.json`);
  await commitFile(report.metadataFile, bytes, `Iceberg metadata version ${metadataVersion}`);
  await writeFresh(join(dir, META, 'version-hint.text'), Buffer.from(String(metadataVersion)), true);
  report.metadataBytes += bytes.byteLength;
  return report;
}

/**
 * The manifests of one content (data or delete files) of the next snapshot: those that lost a file
 * are rewritten (their other files as EXISTING, the lost ones as DELETED) and filled up with `added`;
 * the rest of `added` goes into new manifests; the others are kept as they are. Many small manifests
 * (from appends) are merged.
 */
async function writeSnapshotManifests(
  dir: string,
  manifests: readonly LiveManifest[],
  wanted: ReadonlyMap<string, number>,
  added: readonly DataFile[],
  at: { snapshotId: number; sequence: number; schema: IcebergSchema },
  content: 0 | 1,
): Promise<{ manifests: LiveManifest[]; removed: DataFile[]; created: number; replaced: number; bytes: number }> {
  const left = new Map(wanted);
  const kept: LiveManifest[] = [];
  const rewrite: { files: TrackedFile[]; deleted: TrackedFile[] }[] = [];
  const removed: DataFile[] = [];
  for (const m of manifests) {
    if (m.files.length === 0) continue; // only DELETED entries, recorded by the snapshot before: dropped
    const files: TrackedFile[] = [];
    const deleted: TrackedFile[] = [];
    for (const f of m.files) {
      const n = left.get(f.dataFile.file_path) ?? 0;
      if (n > 0) {
        left.set(f.dataFile.file_path, n - 1);
        files.push(f);
      } else deleted.push(f);
    }
    if (deleted.length === 0) kept.push(m);
    else {
      rewrite.push({ files, deleted });
      removed.push(...deleted.map((f) => f.dataFile));
    }
  }
  // Many small manifests: merge them with the rewritten ones.
  const small = kept.filter((m) => m.files.length < MANIFEST_FILES / 4);
  if (small.length > SMALL_MANIFESTS) {
    for (const m of small) kept.splice(kept.indexOf(m), 1);
    rewrite.push({ files: small.flatMap((m) => m.files), deleted: [] });
  }
  // Rewritten manifests: existing files regrouped, filled up with new ones; then new manifests.
  const existing = rewrite.flatMap((r) => r.files);
  const deleted = rewrite.flatMap((r) => r.deleted);
  const entries: { existing?: TrackedFile; added?: DataFile }[] = [...existing.map((f) => ({ existing: f })), ...added.map((f) => ({ added: f }))];
  const groups: (typeof entries)[] = [];
  for (let i = 0; i < entries.length; i += MANIFEST_FILES) groups.push(entries.slice(i, i + MANIFEST_FILES));
  if (groups.length === 0 && deleted.length > 0) groups.push([]);
  const out: LiveManifest[] = [...kept];
  const uuid = randomUUID();
  let bytes = 0;
  for (const [k, group] of groups.entries()) {
    const { snapshotId, sequence } = at;
    const avroEntries: ManifestEntry[] = group.map((e) =>
      e.existing
        ? { status: 0, snapshot_id: e.existing.snapshotId, sequence_number: e.existing.dataSequence, file_sequence_number: e.existing.fileSequence, data_file: e.existing.dataFile }
        : { status: 1, snapshot_id: snapshotId, sequence_number: null, file_sequence_number: null, data_file: e.added! },
    );
    // The files removed now are recorded once, as DELETED, in the first manifest written.
    if (k === 0) for (const f of deleted) avroEntries.push({ status: 2, snapshot_id: snapshotId, sequence_number: f.dataSequence, file_sequence_number: f.fileSequence, data_file: f.dataFile });
    const name = `${uuid}-m${k}.avro`;
    const avro = manifestToAvro(avroEntries, {
      schema: JSON.stringify(at.schema),
      'schema-id': String(at.schema['schema-id']),
      'partition-spec': '[]',
      'partition-spec-id': '0',
      'format-version': '2',
      content: content === 0 ? 'data' : 'deletes',
    });
    await writeFresh(join(dir, META, name), avro);
    bytes += avro.byteLength;
    const count = (status: number) => avroEntries.filter((e) => e.status === status);
    const rows = (es: ManifestEntry[]) => es.reduce((n, e) => n + e.data_file.record_count, 0);
    const files: TrackedFile[] = group.map((e) => e.existing ?? { dataFile: e.added!, snapshotId, dataSequence: sequence, fileSequence: sequence });
    out.push({
      file: {
        manifest_path: `${fileUri(dir)}/${META}/${name}`,
        manifest_length: avro.byteLength,
        partition_spec_id: 0,
        content,
        sequence_number: sequence,
        min_sequence_number: Math.min(sequence, ...files.map((f) => f.dataSequence)),
        added_snapshot_id: snapshotId,
        added_files_count: count(1).length,
        existing_files_count: count(0).length,
        deleted_files_count: count(2).length,
        added_rows_count: rows(count(1)),
        existing_rows_count: rows(count(0)),
        deleted_rows_count: rows(count(2)),
        partitions: [],
        key_metadata: null,
      },
      files,
    });
  }
  return { manifests: out, removed, created: groups.length, replaced: manifests.length - kept.length, bytes };
}

/**
 * A manifest's `data_file` for `file`: record and value counts, null counts and bounds of the
 * top-level columns of primitive types, by field id.
 */
function dataFile(file: ViewFile, path: string, arrow: Schema, schema: IcebergStruct): DataFile {
  const valueCounts: KeyValue<number>[] = [];
  const nullCounts: KeyValue<number>[] = [];
  const lower: KeyValue<Uint8Array>[] = [];
  const upper: KeyValue<Uint8Array>[] = [];
  for (const [i, field] of arrow.fields.entries()) {
    const s = file.stats[field.name];
    const iceberg = schema.fields[i]!;
    if (!s || typeof iceberg.type !== 'string') continue;
    valueCounts.push({ key: iceberg.id, value: file.rows });
    nullCounts.push({ key: iceberg.id, value: s.nulls });
    if (s.min === undefined || s.max === undefined) continue;
    const min = icebergBound(field.type, s.min, 'lower');
    const max = icebergBound(field.type, s.max, 'upper');
    if (min) lower.push({ key: iceberg.id, value: min });
    if (max) upper.push({ key: iceberg.id, value: max });
  }
  return {
    content: 0,
    file_path: path,
    file_format: 'PARQUET',
    partition: {},
    record_count: file.rows,
    file_size_in_bytes: file.bytes,
    column_sizes: null,
    value_counts: valueCounts,
    null_value_counts: nullCounts,
    nan_value_counts: null,
    lower_bounds: lower,
    upper_bounds: upper,
    key_metadata: null,
    split_offsets: null,
    equality_ids: null,
    sort_order_id: null,
    referenced_data_file: null,
  };
}

/**
 * The files a version's snapshot lists: a data file per live chunk (counted: identical chunks share
 * one file, listed once per chunk), and a position delete file per chunk with deleted rows and no
 * patches, whose data file is then the chunk as stored. A chunk with patches is folded, its deleted
 * rows dropped in the fold.
 */
function wantedFiles(location: string, manifest: Manifest): {
  data: Map<string, number>;
  place: Map<string, ChunkRef>;
  deletes: Map<string, { chunk: ChunkRef; dataPath: string }>;
} {
  const data = new Map<string, number>();
  const place = new Map<string, ChunkRef>();
  const deletes = new Map<string, { chunk: ChunkRef; dataPath: string }>();
  for (const c of manifest.chunks) {
    if (liveRows(c) === 0) continue;
    const { deleted, ...stored } = c;
    const patched = (c.patches?.length ?? 0) > 0;
    const ref = patched || !deleted ? c : stored;
    const dataPath = `${location}/${DATA}/${viewFileName(manifest, ref)}`;
    data.set(dataPath, (data.get(dataPath) ?? 0) + 1);
    place.set(dataPath, ref);
    if (deleted && !patched) deletes.set(`${location}/${DATA}/${c.id}-deletes-${deleted.id}.parquet`, { chunk: c, dataPath });
  }
  return { data, place, deletes };
}

/** Reserved field ids of a position delete file's columns (spec "Position Delete Files"). */
const DELETE_PATH_ID = 2147483546;
const DELETE_POS_ID = 2147483545;
/** Arrow field metadata the Parquet writer turns into a Parquet field id. */
const PARQUET_FIELD_ID = 'PARQUET:field_id';

/**
 * Writes the position delete file `path` (at `local`) of `chunk`: one row (data file, position) per
 * deleted row, sorted, with Iceberg's field ids; returns its manifest entry, whose path bounds name
 * the one data file it applies to. A file already there (same name: same chunk and deletion vector)
 * is not written again.
 */
async function writeDeleteFile(ctx: ReadContext, chunk: ChunkRef, dataPath: string, path: string, local: string, codec: Codec): Promise<{ dataFile: DataFile; written: boolean }> {
  const mask = (await liveMask(ctx.chunks, chunk))!;
  const positions: bigint[] = [];
  for (let r = 0; r < mask.length; r++) if (mask[r] === 0) positions.push(BigInt(r));
  const n = positions.length;
  const schema = new Schema([
    new Field('file_path', new Utf8(), false, new Map([[PARQUET_FIELD_ID, String(DELETE_PATH_ID)]])),
    new Field('pos', new Int64(), false, new Map([[PARQUET_FIELD_ID, String(DELETE_POS_ID)]])),
  ]);
  const columns = new Table({ file_path: vectorFromArray(Array.from({ length: n }, () => dataPath), new Utf8()), pos: vectorFromArray(BigInt64Array.from(positions)) });
  const bytes = await encodeChunk(new Table(schema, columns.batches.map((b) => new RecordBatch(schema, b.data))), codec, Math.max(1, n));
  const written = !(await present(local, bytes.byteLength));
  if (written) await writeFresh(local, bytes, true);
  const int64 = (x: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(x);
    return b;
  };
  const counts = (value: number) => [
    { key: DELETE_PATH_ID, value },
    { key: DELETE_POS_ID, value },
  ];
  return {
    written,
    dataFile: {
      content: 1,
      file_path: path,
      file_format: 'PARQUET',
      partition: {},
      record_count: n,
      file_size_in_bytes: bytes.byteLength,
      column_sizes: null,
      value_counts: counts(n),
      null_value_counts: counts(0),
      nan_value_counts: null,
      lower_bounds: [
        { key: DELETE_PATH_ID, value: Buffer.from(dataPath) },
        { key: DELETE_POS_ID, value: int64(positions[0]!) },
      ],
      upper_bounds: [
        { key: DELETE_PATH_ID, value: Buffer.from(dataPath) },
        { key: DELETE_POS_ID, value: int64(positions[n - 1]!) },
      ],
      key_metadata: null,
      split_offsets: null,
      equality_ids: null,
      sort_order_id: null,
      referenced_data_file: dataPath,
    },
  };
}

async function present(path: string, bytes: number): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && s.isFile() && s.size === bytes;
}

/** Longest string bound kept: a longer lower bound is cut (still a lower bound), a longer upper one left out. */
const MAX_STRING_BOUND = 64;

/**
 * A bound in Iceberg's binary single-value serialization (spec Appendix D), from our statistics
 * (table/stats.ts): little-endian ints, longs, floats and doubles, days for dates, microseconds for
 * times and timestamps, UTF-8 for strings. Zero bounds of floats are signed as the spec orders them
 * (-0.0 before +0.0), since our statistics do not tell the zeros apart.
 */
export function icebergBound(type: DataType, value: StatValue, end: 'lower' | 'upper'): Uint8Array | undefined {
  const t = type as DataType & Record<string, unknown>;
  const le = (bytes: number, write: (b: Buffer) => void) => {
    const b = Buffer.alloc(bytes);
    write(b);
    return b;
  };
  switch (type.typeId) {
    case Type.Bool:
      return Buffer.of(value ? 1 : 0);
    case Type.Int:
      return (t.bitWidth as number) === 64 ? le(8, (b) => b.writeBigInt64LE(BigInt(value))) : le(4, (b) => b.writeInt32LE(Number(value)));
    case Type.Float: {
      const x = Number(value) === 0 ? (end === 'lower' ? -0 : 0) : Number(value);
      return t.precision === Precision.SINGLE ? le(4, (b) => b.writeFloatLE(x)) : le(8, (b) => b.writeDoubleLE(x));
    }
    case Type.Date:
      return t.unit === DateUnit.DAY ? le(4, (b) => b.writeInt32LE(Number(value))) : undefined;
    case Type.Time:
      return t.unit === TimeUnit.MICROSECOND ? le(8, (b) => b.writeBigInt64LE(BigInt(value))) : undefined;
    case Type.Timestamp: {
      const scale = t.unit === TimeUnit.MILLISECOND ? 1000n : t.unit === TimeUnit.MICROSECOND ? 1n : undefined;
      return scale === undefined ? undefined : le(8, (b) => b.writeBigInt64LE(BigInt(value) * scale));
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      if (typeof value !== 'string') return undefined;
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length <= MAX_STRING_BOUND) return bytes;
      if (end === 'upper') return undefined;
      let cut = MAX_STRING_BOUND;
      while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--; // not inside a character
      return bytes.subarray(0, cut);
    }
    default:
      return undefined;
  }
}

/** `file://` and the absolute path, as Iceberg v2 wants locations (unescaped, as pyiceberg and Java read them). */
const fileUri = (dir: string): string => `file://${dir}`;

/** The local path of a location inside the view. */
function localPath(dir: string, location: string): string {
  const prefix = `${fileUri(dir)}/`;
  if (!location.startsWith(prefix)) throw new CorruptObjectError('Iceberg metadata', dir, `location ${location} is outside the view`);
  return join(dir, location.slice(prefix.length));
}

function parseJson(text: string, what: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CorruptObjectError(what, path, 'it is not valid JSON', { cause: e });
  }
}

function countBy(keys: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** A positive snapshot id below 2^53 (exact in JSON and in our Avro longs), unused in `snapshots`. */
function newSnapshotId(snapshots: readonly IcebergSnapshot[]): number {
  for (;;) {
    const id = Number(BigInt(`0x${randomBytes(7).toString('hex')}`) & ((1n << 53n) - 1n));
    if (id > 0 && !snapshots.some((s) => s['snapshot-id'] === id)) return id;
  }
}

