import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureVenv } from '@armillaria/testkit';
import { Field, Int32, List, Map_, Struct, Table, tableFromArrays, tableToIPC, TimestampMicrosecond, Utf8, vectorFromArray } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { InvalidArgumentError, UnsupportedTypeError, type Store } from '../../src/index.js';
import { objectPath } from '../../src/backend/layout.js';
import { manifestFromAvro, manifestListFromAvro } from '../../src/views/iceberg-avro.js';
import { icebergBound, type IcebergMetadata } from '../../src/views/iceberg.js';
import { allTypesTable, narrowTable } from '../fixtures.js';
import { manifestOf, withTempStore } from '../helpers.js';
import { keyedRows, typedRows } from './tables.js';

const READER = join(dirname(fileURLToPath(import.meta.url)), 'read_iceberg.py');
/**
 * The all-types columns Iceberg v2 can hold: no unsigned ints, 16-bit floats, date64, ns timestamps;
 * and no zones but UTC (ts_us_tz is re-zoned to UTC below).
 */
const ICEBERG_COLUMNS = ['i8', 'i16', 'i32', 'i64', 'f32', 'f64', 'flag', 's', 'ls', 'bin', 'lbin', 'dict', 'ts_ms', 'ts_us_tz', 'd32', 'dec', 'list', 'obj'];

let python: string;
beforeAll(() => {
  python = ensureVenv();
}, 600_000);

const typed = (from: number, to: number): Table => typedRows(from, to, ICEBERG_COLUMNS, { ts_us_tz: new TimestampMicrosecond('UTC') });

/** Has pyiceberg read `reads` of the view whose metadata (file, or the view's directory) is `metadata`. */
async function readWithPyiceberg(metadata: string, scratch: string, reads: { snapshot?: number; ref?: string; expected: Table }[], key = 'k'): Promise<string[]> {
  await mkdir(scratch, { recursive: true });
  const job = [];
  for (const [i, r] of reads.entries()) {
    const file = join(scratch, `expected-${i}.arrow`);
    await writeFile(file, tableToIPC(r.expected, 'stream'));
    job.push({ snapshot: r.snapshot ?? null, ref: r.ref ?? null, expected: file });
  }
  const run = spawnSync(python, [READER], { input: JSON.stringify({ metadata, key, reads: job }), encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`read_iceberg.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

async function metadataOf(dir: string): Promise<IcebergMetadata> {
  const hint = await readFile(join(dir, 'metadata', 'version-hint.text'), 'utf8');
  return JSON.parse(await readFile(join(dir, 'metadata', `v${hint}.metadata.json`), 'utf8')) as IcebergMetadata;
}

const localOf = (uri: string) => uri.replace(/^file:\/\//, '');

describe('publish iceberg', () => {
  it('publishes appends, deletes, updates and added columns that pyiceberg reads, snapshot by snapshot, as store.read does', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', typed(0, 9), { chunkRows: 3, keys: ['k'] }); // v1: 3 chunks, linked
      expect((await store.publish('t', dir, { format: 'iceberg' })).published).toMatchObject([{ sequenceNumber: 1, version: 1, added: 3, removed: 0 }]);
      await store.createTag('first');
      await store.write('t', typed(9, 14), { mode: 'append' }); // v2: 2 chunks (the table's chunkRows)
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [1, 10] })); // v3: deletion vectors
      await store.transaction((tx) => tx.update('t', typed(4, 6).slice(0, 1), { on: ['k'] }).then(() => undefined)); // v4: a patch
      const extra = tableFromArrays({ note: Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? null : `n${i}`)) });
      await store.transaction((tx) => tx.addColumns('t', extra)); // v5: a column, in patches
      await store.createTag('last');
      const report = await store.publish('t', dir, { format: 'iceberg' });
      expect(report.published.map((p) => [p.sequenceNumber, p.version])).toEqual([[2, 2], [3, 3], [4, 4], [5, 5]]);
      expect(report.files.folded).toBeGreaterThan(0);
      expect(report.published[1]).toMatchObject({ version: 3, added: 0, removed: 0, deleteFiles: 2 }); // k 1 and 10: two chunks
      expect(report.tags).toEqual(['first', 'last']);

      const meta = await metadataOf(dir);
      expect(meta['format-version']).toBe(2);
      expect(meta.snapshots.map((s) => s.summary['armillaria.version'])).toEqual(['1', '2', '3', '4', '5']);
      expect(meta.snapshots.map((s) => s.summary.operation)).toEqual(['append', 'append', 'delete', 'overwrite', 'overwrite']);
      expect(meta.snapshots[2]!.summary).toMatchObject({ 'added-position-delete-files': '2', 'added-position-deletes': '2', 'total-delete-files': '2', 'total-data-files': '5' });
      expect(meta.snapshots[4]!.summary).toMatchObject({ 'total-delete-files': '0', 'removed-position-delete-files': '2' }); // all chunks folded
      expect(meta.refs).toMatchObject({ main: { type: 'branch', 'snapshot-id': meta.snapshots[4]!['snapshot-id'] }, first: { type: 'tag', 'snapshot-id': meta.snapshots[0]!['snapshot-id'] }, last: { type: 'tag' } });
      // Ids are kept by name: the added column gets a new one, the others keep theirs.
      const [first, , , , fifth] = meta.snapshots.map((s) => meta.schemas.find((x) => x['schema-id'] === s['schema-id'])!);
      expect(fifth!.fields.slice(0, -1)).toEqual(first!.fields);
      expect(fifth!.fields.at(-1)).toMatchObject({ name: 'note', type: 'string', id: meta['last-column-id'] });
      expect(first!.fields.find((f) => f.name === 'obj')!.type).toMatchObject({ type: 'struct', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }] });
      expect(JSON.parse(meta.properties['schema.name-mapping.default']!)).toContainEqual({ 'field-id': 1, names: ['k'] });

      const reads = [];
      for (let v = 1; v <= 5; v++) reads.push({ snapshot: meta.snapshots[v - 1]!['snapshot-id'], expected: await store.read('t', { version: v }) });
      reads.push({ expected: await store.read('t') }); // current snapshot, through the version hint
      reads.push({ ref: 'first', expected: await store.read('t', { version: 1 }) });
      reads.push({ snapshot: meta.snapshots[0]!['snapshot-id'], expected: await store.read('t') }); // the check itself: must differ
      const results = await readWithPyiceberg(dir, join(root, 'scratch'), reads);
      expect(results.slice(0, -1)).toEqual(reads.slice(0, -1).map(() => 'ok'));
      expect(results.at(-1)).toBe('9 rows, expected 12');

      // Statistics: counts and bounds by field id, in Iceberg's binary form.
      const list = manifestListFromAvro(await readFile(localOf(meta.snapshots[0]!['manifest-list'])), 'list');
      const entries = manifestFromAvro(await readFile(localOf(list[0]!.manifest_path)), 'manifest');
      const firstFile = entries.find((e) => e.data_file.record_count === 3 && e.data_file.lower_bounds!.some((b) => b.key === 1 && Buffer.from(b.value).readInt32LE() === 0))!;
      const byId = (kv: { key: number; value: unknown }[] | null, id: number) => kv!.find((x) => x.key === id)?.value;
      const sId = first!.fields.find((f) => f.name === 's')!.id;
      expect(byId(firstFile.data_file.value_counts, sId)).toBe(3);
      expect(byId(firstFile.data_file.null_value_counts, sId)).toBe(1);
      expect(Buffer.from(byId(firstFile.data_file.upper_bounds, sId) as Uint8Array).toString()).toBe('héllo');
      expect(Buffer.from(byId(firstFile.data_file.upper_bounds, 1) as Uint8Array).readInt32LE()).toBe(2);

      expect((await store.publish('t', dir, { format: 'iceberg' })).metadataFile).toBeUndefined(); // up to date: nothing written
      expect((await readdir(join(dir, 'metadata'))).filter((n) => n.endsWith('.metadata.json'))).toEqual(['v1.metadata.json', 'v2.metadata.json']);
      // Tags follow the store's: a new one and a deleted one change the refs, in a new metadata file.
      await store.createTag('later');
      await store.deleteTag('first');
      const retag = await store.publish('t', dir, { format: 'iceberg' });
      expect(retag).toMatchObject({ published: [], tags: ['last', 'later'] });
      expect(retag.metadataFile).toBe(join(dir, 'metadata', 'v3.metadata.json'));
      expect(Object.keys((await metadataOf(dir)).refs).sort()).toEqual(['last', 'later', 'main']);
    });
  }, 240_000);

  it('mirrors the whole history with history, links plain chunks, and keeps nulls, dictionaries, maps and nested lists', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view'); // inside the store's directory: same file system, so links
      const mapType = new Map_<Utf8, Int32>(new Field('entries', new Struct<{ key: Utf8; value: Int32 }>([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]), false));
      const extra = (from: number, to: number) => {
        const t = typed(from, to);
        const n = to - from;
        return new Table({
          ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])),
          m: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 2 ? null : new Map([[`a${i}`, i], ['b', null]]))), mapType),
          nested: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 === 1 ? null : [[i], [], [i, i + 1]])), new List(new Field('item', new List(new Field('item', new Int32(), true)), true))),
        });
      };
      await store.write('t', extra(0, 6), { chunkRows: 2 });
      await store.write('t', extra(6, 8), { mode: 'append' });
      const report = await store.publish('t', dir, { format: 'iceberg', history: true });
      expect(report.published.map((p) => [p.sequenceNumber, p.version])).toEqual([[1, 1], [2, 2]]);
      expect(report.files).toMatchObject({ linked: 4, folded: 0, copied: 0 });
      expect(report.bytesWritten).toBe(0);
      const chunk = (await manifestOf(store, 't')).chunks[0]!;
      expect((await stat(join(dir, 'data', `${chunk.id}.parquet`))).ino).toBe((await stat(objectPath(root, chunk.id))).ino);
      const meta = await metadataOf(dir);
      const m = meta.schemas[0]!.fields.find((f) => f.name === 'm')!;
      expect(m.type).toMatchObject({ type: 'map', key: 'string', value: 'int', 'value-required': false });
      const reads = [
        { snapshot: meta.snapshots[0]!['snapshot-id'], expected: await store.read('t', { version: 1 }) },
        { snapshot: meta.snapshots[1]!['snapshot-id'], expected: await store.read('t') },
      ];
      expect(await readWithPyiceberg(join(dir, 'metadata', 'v1.metadata.json'), join(root, 'scratch'), reads)).toEqual(['ok', 'ok']);
    });
  }, 120_000);

  it('publishes a one-chunk change of a 100-chunk table as one new data file and one new snapshot', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', keyedRows(), { chunkRows: 100, keys: ['k'] });
      await store.publish('t', dir, { format: 'iceberg' });
      const before = new Set(await readdir(join(dir, 'metadata')));
      await store.transaction((tx) => tx.update('t', tableFromArrays({ k: Int32Array.of(4242), value: Float64Array.of(-1) })).then(() => undefined));
      const report = await store.publish('t', dir, { format: 'iceberg' });
      expect(report.published).toMatchObject([{ sequenceNumber: 2, added: 1, removed: 1 }]);
      expect(report.files).toMatchObject({ folded: 1, linked: 0 });
      expect((await readdir(join(dir, 'data'))).length).toBe(101);
      // One manifest (99 existing, 1 added, 1 deleted), one manifest list, one metadata file.
      const written = (await readdir(join(dir, 'metadata'))).filter((n) => !before.has(n));
      expect(written.map((n) => n.replace(/^.*-m\d+\.avro$/, 'manifest').replace(/^snap-.*$/, 'list')).sort()).toEqual(['list', 'manifest', 'v2.metadata.json']);
      const meta = await metadataOf(dir);
      expect(meta.snapshots.at(-1)!.summary).toMatchObject({ operation: 'overwrite', 'added-data-files': '1', 'deleted-data-files': '1', 'total-data-files': '100', 'total-records': '10000', 'manifests-created': '1' });
      const entries = manifestFromAvro(await readFile(join(dir, 'metadata', written.find((n) => n.endsWith('-m0.avro'))!)), 'm');
      expect(entries.map((e) => e.status).sort()).toEqual([...Array(99).fill(0), 1, 2]);
      expect(report.bytesWritten).toBe(entries.find((e) => e.status === 1)!.data_file.file_size_in_bytes);
      const reads = [{ expected: await store.read('t') }, { snapshot: meta.snapshots[0]!['snapshot-id'], expected: await store.read('t', { version: 1 }) }];
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), reads)).toEqual(['ok', 'ok']);
    });
  }, 120_000);

  it('publishes a dropped column as gone from the current schema and a renamed one by its new name, their chunks folded', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', keyedRows().slice(0, 300), { chunkRows: 100, keys: ['k'] });
      await store.publish('t', dir, { format: 'iceberg' });
      await store.transaction((tx) => tx.renameColumn('t', 'value', 'amount'));
      expect((await store.publish('t', dir, { format: 'iceberg' })).files).toMatchObject({ folded: 3, linked: 0 });
      await store.transaction((tx) => tx.dropColumns('t', ['amount']));
      const report = await store.publish('t', dir, { format: 'iceberg' });
      expect(report.files).toMatchObject({ folded: 3, linked: 0 });
      const meta = await metadataOf(dir);
      const reads = [
        { expected: await store.read('t') },
        { snapshot: meta.snapshots[1]!['snapshot-id'], expected: await store.read('t', { version: 2 }) },
        { snapshot: meta.snapshots[0]!['snapshot-id'], expected: await store.read('t', { version: 1 }) },
      ];
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), reads)).toEqual(['ok', 'ok', 'ok']);
    });
  }, 120_000);

  it('publishes a chunk the table holds twice so that pyiceberg reads every row', async () => {
    await withTempStore(async (store, root) => {
      await store.write('t', tableFromArrays({ k: Int32Array.of(1, 2, 1, 2, 3) }), { chunkRows: 2 }); // chunks 0 and 1 are one object
      const dir = join(root, 'view');
      await store.publish('t', dir, { format: 'iceberg' });
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), [{ expected: await store.read('t') }])).toEqual(['ok']);
    });
  }, 120_000);

  it('publishes deleted rows of one chunk of a 100-chunk table as one position delete file, the chunk and the data manifests untouched', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', keyedRows(), { chunkRows: 100, keys: ['k'] });
      await store.publish('t', dir, { format: 'iceberg' });
      const before = new Set(await readdir(join(dir, 'metadata')));
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [4242, 4250] }));
      const report = await store.publish('t', dir, { format: 'iceberg' });
      expect(report.published).toMatchObject([{ sequenceNumber: 2, added: 0, removed: 0, deleteFiles: 1 }]);
      expect(report.files).toMatchObject({ folded: 0, linked: 0 });
      const deletes = (await readdir(join(dir, 'data'))).filter((n) => n.includes('-deletes-'));
      expect(deletes).toHaveLength(1);
      expect(report.bytesWritten).toBe((await stat(join(dir, 'data', deletes[0]!))).size);
      expect(report.bytesWritten).toBeLessThan(2000);
      const written = (await readdir(join(dir, 'metadata'))).filter((n) => !before.has(n));
      expect(written.map((n) => n.replace(/^.*-m\d+\.avro$/, 'manifest').replace(/^snap-.*$/, 'list')).sort()).toEqual(['list', 'manifest', 'v2.metadata.json']);
      const meta = await metadataOf(dir);
      expect(meta.snapshots.at(-1)!.summary).toMatchObject({ operation: 'delete', 'added-data-files': '0', 'added-position-deletes': '2', 'total-records': '10000', 'manifests-kept': '1', 'manifests-created': '1' });
      const list = manifestListFromAvro(await readFile(localOf(meta.snapshots.at(-1)!['manifest-list'])), 'list');
      expect(list.map((m) => [m.content, m.added_files_count, m.existing_files_count])).toEqual([[0, 100, 0], [1, 1, 0]]);
      const [entry] = manifestFromAvro(await readFile(localOf(list[1]!.manifest_path)), 'deletes');
      expect(entry!.data_file).toMatchObject({ content: 1, record_count: 2, referenced_data_file: expect.stringMatching(/\/data\/[0-9a-f]+\.parquet$/) });
      const reads = [{ expected: await store.read('t') }, { snapshot: meta.snapshots[0]!['snapshot-id'], expected: await store.read('t', { version: 1 }) }];
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), reads)).toEqual(['ok', 'ok']);
      // More rows of that chunk deleted: its delete file is replaced by one with all of them.
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [4201] }));
      expect((await store.publish('t', dir, { format: 'iceberg' })).published).toMatchObject([{ deleteFiles: 1 }]);
      expect((await metadataOf(dir)).snapshots.at(-1)!.summary).toMatchObject({ 'total-delete-files': '1', 'total-position-deletes': '3', 'removed-position-delete-files': '1' });
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), [{ expected: await store.read('t') }])).toEqual(['ok']);
    });
  }, 120_000);

  it('publishes a version with no rows left as a snapshot with no files, and the rows that come back after', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', typed(0, 4), { chunkRows: 2, keys: ['k'] });
      await store.publish('t', dir, { format: 'iceberg' });
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [0, 1, 2, 3] })); // v2: empty
      await store.write('t', typed(4, 6), { mode: 'append' }); // v3
      await store.write('t', typed(6, 7), { mode: 'append' }); // v4
      const report = await store.publish('t', dir, { format: 'iceberg' });
      expect(report.published).toMatchObject([{ version: 2, added: 0, removed: 2 }, { version: 3, added: 1 }, { version: 4, added: 1 }]);
      const meta = await metadataOf(dir);
      expect(meta.snapshots.map((s) => s.summary['total-data-files'])).toEqual(['2', '0', '1', '2']);
      const list = manifestListFromAvro(await readFile(localOf(meta.snapshots.at(-1)!['manifest-list'])), 'list');
      expect(list.every((m) => m.added_files_count + m.existing_files_count > 0)).toBe(true); // the DELETED-only manifest is gone
      const reads = [];
      for (let v = 1; v <= 4; v++) reads.push({ snapshot: meta.snapshots[v - 1]!['snapshot-id'], expected: await store.read('t', { version: v }) });
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), reads)).toEqual(['ok', 'ok', 'ok', 'ok']);
    });
  }, 120_000);

  it('keeps manifests of at most 128 files, rewriting only the one that changed', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', tableFromArrays({ k: Int32Array.from({ length: 3000 }, (_, i) => i), v: new Float64Array(3000) }), { chunkRows: 10, keys: ['k'] }); // 300 chunks
      await store.publish('t', dir, { format: 'iceberg' });
      const lists = async () => {
        const meta = await metadataOf(dir);
        return manifestListFromAvro(await readFile(localOf(meta.snapshots.at(-1)!['manifest-list'])), 'list');
      };
      expect((await lists()).map((m) => m.added_files_count)).toEqual([128, 128, 44]);
      await store.transaction((tx) => tx.update('t', tableFromArrays({ k: Int32Array.of(5), v: Float64Array.of(1) })).then(() => undefined));
      await store.publish('t', dir, { format: 'iceberg' });
      const after = await lists();
      // The two untouched manifests are kept; the first is rewritten: 127 existing, the fold added, the chunk deleted.
      expect(after.map((m) => [m.added_files_count, m.existing_files_count, m.deleted_files_count])).toEqual([[128, 0, 0], [44, 0, 0], [1, 127, 1]]);
      expect(await readWithPyiceberg(dir, join(root, 'scratch'), [{ expected: await store.read('t') }])).toEqual(['ok']);
    });
  }, 120_000);

  it('refuses what Iceberg v2 cannot hold, and directories that hold something else, writing nothing', async () => {
    await withTempStore(async (store, root) => {
      const all = allTypesTable();
      await store.write('u', new Table({ k: vectorFromArray(Int32Array.of(1, 2, 3, 4, 5, 6, 7)), u32: all.getChild('u32')! }));
      const uview = join(root, 'u-view');
      const e = await store.publish('u', uview, { format: 'iceberg' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnsupportedTypeError);
      expect((e as Error).message).toBe('views: column "u32" has type Uint32, which Iceberg cannot express (it has no unsigned integers)');
      expect(await readdir(uview).catch(() => [])).toEqual([]);
      await store.write('ns', new Table({ ts: all.getChild('ts_ns_utc')! }));
      await expect(store.publish('ns', join(root, 'ns-view'), { format: 'iceberg' })).rejects.toThrow(/column "ts" has type Timestamp<NANOSECOND, UTC>, which Iceberg cannot express/);
      await store.write('paris', new Table({ ts: all.getChild('ts_us_tz')! }));
      await expect(store.publish('paris', join(root, 'p-view'), { format: 'iceberg' })).rejects.toThrow(/column "ts" has type Timestamp<MICROSECOND, Europe\/Paris>.*cast to zone "UTC"/);
      await store.write('nested', new Table({ obj: vectorFromArray([{ h: 1 }], new Struct([new Field('h', all.getChild('f16')!.type, true)])) }));
      await expect(store.publish('nested', join(root, 'n-view'), { format: 'iceberg' })).rejects.toThrow(/column "obj.h" has type Float16/);

      const other = join(root, 'other');
      await mkdir(other);
      await writeFile(join(other, 'notes.txt'), 'mine');
      await expect(store.publish('u', other, { format: 'iceberg' })).rejects.toThrow(/holds 1 entries and no Iceberg metadata \(notes.txt\)/);
      expect(await readdir(other)).toEqual(['notes.txt']);

      await store.write('a', narrowTable(10));
      await store.write('b', narrowTable(10));
      const aview = join(root, 'a-view');
      await store.publish('a', aview, { format: 'iceberg' });
      await expect(store.publish('b', aview, { format: 'iceberg' })).rejects.toThrow(/holds table "a" of "main", not table "b" of "main"/);
      await store.createBranch('dev');
      await expect(store.publish('a', aview, { format: 'iceberg', branch: 'dev' })).rejects.toThrow(InvalidArgumentError);
    });
  });

  it('refuses to append to a view the branch no longer leads to', async () => {
    await withTempStore(async (store: Store, root) => {
      const dir = join(root, 'view');
      await store.write('t', narrowTable(10, 1));
      await store.createTag('v1');
      await store.createBranch('dev');
      await store.write('t', narrowTable(10, 2), { branch: 'dev' });
      await store.publish('t', dir, { format: 'iceberg', branch: 'dev' }); // dev's version 2
      await store.deleteBranch('dev');
      await store.createBranch('dev', { from: 'v1' }); // dev reset to version 1
      await expect(store.publish('t', dir, { format: 'iceberg', branch: 'dev' })).rejects.toThrow(/holds version 2 of table "t", newer than version 1 on "dev"/);
      await store.write('t', narrowTable(10, 3), { branch: 'dev' }); // another version 2
      await store.write('t', narrowTable(10, 4), { branch: 'dev' });
      await expect(store.publish('t', dir, { format: 'iceberg', branch: 'dev' })).rejects.toThrow(/holds a version 2 of table "t" that "dev" no longer leads to/);
      expect((await readdir(join(dir, 'metadata'))).filter((n) => n.endsWith('.metadata.json'))).toEqual(['v1.metadata.json']);
    });
  });
});

describe('icebergBound', () => {
  it('serialises bounds as Iceberg single values: little-endian numbers, microseconds, signed zeros, cut strings', () => {
    const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);
    const t = typed(0, 1).schema;
    const type = (name: string) => t.fields.find((f) => f.name === name)!.type;
    expect(hex(icebergBound(type('i32'), -2, 'lower'))).toBe('feffffff');
    expect(hex(icebergBound(type('i64'), '-9007199254740993', 'lower'))).toBe('ffffffffffffdfff');
    expect(hex(icebergBound(type('f64'), 0, 'lower'))).toBe('0000000000000080'); // -0.0
    expect(hex(icebergBound(type('f64'), 0, 'upper'))).toBe('0000000000000000');
    expect(hex(icebergBound(type('f32'), 1.5, 'upper'))).toBe('0000c03f');
    expect(hex(icebergBound(type('ts_ms'), '1', 'lower'))).toBe('e803000000000000'); // 1 ms = 1000 µs
    expect(hex(icebergBound(type('d32'), 19723, 'lower'))).toBe('0b4d0000');
    expect(hex(icebergBound(type('flag'), true, 'upper'))).toBe('01');
    const long = 'é'.repeat(40);
    expect(icebergBound(type('s'), long, 'lower')!.length).toBe(64);
    expect(icebergBound(type('s'), long, 'upper')).toBeUndefined();
    expect(icebergBound(type('dec'), 1, 'lower')).toBeUndefined();
  });
});
