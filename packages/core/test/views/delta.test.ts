import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { InvalidArgumentError, InvalidNameError, UnsupportedTypeError, type Store } from '../../src/index.js';
import { objectPath } from '../../src/backend/layout.js';
import { allTypesTable, narrowTable } from '../fixtures.js';
import { manifestOf, runCli, withTempDir, withTempStore } from '../helpers.js';
import { allOk, python, readWithEngines } from './engines.js';
import { keyedRows, typedRows } from './tables.js';

/** The all-types columns Delta Lake can hold (it has no unsigned ints, 16-bit floats, date64 or ns/s timestamps). */
const DELTA_COLUMNS = ['i8', 'i16', 'i32', 'i64', 'f32', 'f64', 'flag', 's', 'ls', 'bin', 'lbin', 'dict', 'ts_ms', 'ts_us_tz', 'd32', 'dec', 'list', 'obj'];

beforeAll(() => {
  python(); // the venv, once
}, 600_000);

const typed = (from: number, to: number): Table => typedRows(from, to, DELTA_COLUMNS);

async function deltaLog(dir: string): Promise<Record<string, Record<string, unknown>>[][]> {
  const names = (await readdir(join(dir, '_delta_log'))).sort();
  return Promise.all(names.map(async (n) => (await readFile(join(dir, '_delta_log', n), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>)));
}

describe('publish delta', () => {
  it('publishes appends, deletes, updates and added columns that deltalake and Polars read as store.read does', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      await store.write('t', typed(0, 9), { chunkRows: 3, keys: ['k'] }); // v1: 3 chunks, linked
      expect((await store.publish('t', dir)).published).toMatchObject([{ deltaVersion: 0, version: 1, added: 3, removed: 0 }]);
      await store.write('t', typed(9, 14), { mode: 'append' }); // v2
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [1, 10] })); // v3: deletion vectors
      await store.transaction((tx) => tx.update('t', typed(4, 6).slice(0, 1), { on: ['k'] }).then(() => undefined)); // v4: a patch
      const extra = tableFromArrays({ note: Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? null : `n${i}`)) });
      await store.transaction((tx) => tx.addColumns('t', extra)); // v5: a column, in patches
      const report = await store.publish('t', dir);
      expect(report.published.map((p) => [p.deltaVersion, p.version])).toEqual([[1, 2], [2, 3], [3, 4], [4, 5]]);
      expect(report.files.folded).toBeGreaterThan(0);

      const expected = [];
      for (let v = 1; v <= 5; v++) expected.push(await store.read('t', { version: v }));
      expect(await readWithEngines(dir, scratch, [0, 1, 2, 3, 4], expected)).toEqual(allOk([0, 1, 2, 3, 4]));

      const log = await deltaLog(dir);
      expect(log[0]!.map((a) => Object.keys(a)[0])).toEqual(['commitInfo', 'protocol', 'metaData', 'add', 'add', 'add']);
      expect(log[4]!.some((a) => a.metaData !== undefined)).toBe(true); // the added column
      expect(log[1]!.some((a) => a.metaData !== undefined)).toBe(false);
      const stats = JSON.parse(log[0]!.find((a) => a.add)!.add!.stats as string) as Record<string, Record<string, unknown>>;
      expect(stats).toMatchObject({ numRecords: 3, minValues: { k: 0, s: '' }, maxValues: { k: 2, s: 'héllo' }, nullCount: { k: 0, s: 1 } });
      expect((await store.publish('t', dir)).published).toEqual([]); // up to date: no commit
      expect((await deltaLog(dir)).length).toBe(5);
    });
  }, 180_000);

  it('publishes a dropped column as gone and a renamed one by its new name: chunks folded, earlier versions as they were', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      await store.write('t', typed(0, 6), { chunkRows: 3, keys: ['k'] }); // v1
      await store.publish('t', dir);
      await store.transaction((tx) => tx.dropColumns('t', ['s', 'obj'])); // v2
      await store.write('t', typed(6, 8).select((await store.describe('t')).schema.fields.map((f) => f.name)), { mode: 'append' }); // v3
      await store.transaction((tx) => tx.renameColumn('t', 'f64', 'score')); // v4
      const report = await store.publish('t', dir);
      expect(report.published.map((p) => [p.deltaVersion, p.version])).toEqual([[1, 2], [2, 3], [3, 4]]);
      expect(report.files.folded).toBe(2 + 3); // v2's two chunks; v4's three, under the new name
      const expected = [];
      for (let v = 1; v <= 4; v++) expected.push(await store.read('t', { version: v }));
      expect(expected[3]!.getChild('score')).not.toBeNull();
      expect(await readWithEngines(dir, scratch, [0, 1, 2, 3], expected)).toEqual(allOk([0, 1, 2, 3]));
    });
  }, 120_000);

  it('mirrors the whole history with --history, and links plain chunks instead of writing them', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view'); // inside the store's directory: same file system, so links
      await store.write('t', typed(0, 6), { chunkRows: 2 });
      await store.write('t', typed(6, 8), { mode: 'append' });
      const report = await store.publish('t', dir, { history: true });
      expect(report.published.map((p) => [p.deltaVersion, p.version])).toEqual([[0, 1], [1, 2]]);
      expect(report.files).toMatchObject({ linked: 4, folded: 0, copied: 0 });
      expect(report.bytesWritten).toBe(0);
      const chunk = (await manifestOf(store, 't')).chunks[0]!;
      expect((await stat(join(dir, `${chunk.id}.parquet`))).ino).toBe((await stat(objectPath(root, chunk.id))).ino);
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      expect(await readWithEngines(dir, scratch, [0, 1], [await store.read('t', { version: 1 }), await store.read('t')])).toEqual(allOk([0, 1]));
    });
  }, 120_000);

  it('publishes a one-chunk change of a 100-chunk table as one folded file and one small commit', async () => {
    await withTempStore(async (store, root) => {
      const dir = join(root, 'view');
      await store.write('t', keyedRows(), { chunkRows: 100, keys: ['k'] });
      await store.publish('t', dir);
      await store.transaction((tx) => tx.update('t', tableFromArrays({ k: Int32Array.of(4242), value: Float64Array.of(-1) })).then(() => undefined));
      const report = await store.publish('t', dir);
      expect(report.published).toMatchObject([{ deltaVersion: 1, added: 1, removed: 1 }]);
      expect(report.files).toMatchObject({ folded: 1, linked: 0 });
      const folded = (await readdir(dir)).filter((f) => f.endsWith('.parquet'));
      expect(folded.length).toBe(101);
      const [, second] = await deltaLog(dir);
      expect(second!.length).toBe(3); // commitInfo, remove, add
      expect(report.bytesWritten).toBe((second!.find((a) => a.add)!.add!.size as number));
    });
  }, 120_000);

  it('publishes a chunk the table holds twice as two files, so readers see every row', async () => {
    await withTempStore(async (store, root) => {
      await store.write('t', tableFromArrays({ k: Int32Array.of(1, 2, 1, 2, 3) }), { chunkRows: 2 }); // chunks 0 and 1 are one object
      expect(new Set((await manifestOf(store, 't')).chunks.map((c) => c.id)).size).toBe(2);
      const dir = join(root, 'view');
      const report = await store.publish('t', dir);
      expect(report.files).toMatchObject({ linked: 3 });
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      expect(await readWithEngines(dir, scratch, [0], [await store.read('t')])).toEqual(allOk([0]));
    });
  }, 120_000);

  it('refuses what Delta cannot hold, and directories that hold something else, writing nothing', async () => {
    await withTempStore(async (store, root) => {
      const all = allTypesTable();
      await store.write('u', new Table({ k: vectorFromArray(Int32Array.of(1, 2, 3, 4, 5, 6, 7)), u32: all.getChild('u32')! }));
      const uview = join(root, 'u-view');
      const e = await store.publish('u', uview).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnsupportedTypeError);
      expect((e as Error).message).toMatch(/column "u32" has type Uint32, which Delta Lake cannot express \(it has no unsigned integers\)/);
      expect(await readdir(uview).catch(() => [])).toEqual([]);
      await store.write('ns', new Table({ ts: all.getChild('ts_ns_utc')! }));
      await expect(store.publish('ns', join(root, 'ns-view'))).rejects.toThrow(/column "ts" has type Timestamp<NANOSECOND, UTC>/);
      await store.write('sp', tableFromArrays({ 'a b': Int32Array.of(1) }));
      await expect(store.publish('sp', join(root, 'sp-view'))).rejects.toThrow(InvalidNameError);

      const other = join(root, 'other');
      await mkdir(other);
      await writeFile(join(other, 'notes.txt'), 'mine');
      await expect(store.publish('u', other)).rejects.toThrow(/holds 1 entries and no Delta log \(notes.txt\)/);
      expect(await readdir(other)).toEqual(['notes.txt']);

      await store.write('a', narrowTable(10));
      await store.write('b', narrowTable(10));
      const aview = join(root, 'a-view');
      await store.publish('a', aview);
      await expect(store.publish('b', aview)).rejects.toThrow(/holds table "a" of "main", not table "b" of "main"/);
      await store.createBranch('dev');
      await expect(store.publish('a', aview, { branch: 'dev' })).rejects.toThrow(InvalidArgumentError);
      await expect(store.publish('missing', join(root, 'm-view'))).rejects.toThrow(/table "missing" not found/);
    });
  });

  it('refuses to append to a view the branch no longer leads to', async () => {
    await withTempStore(async (store: Store, root) => {
      const dir = join(root, 'view');
      await store.write('t', narrowTable(10, 1));
      await store.createTag('v1');
      await store.createBranch('dev');
      await store.write('t', narrowTable(10, 2), { branch: 'dev' });
      await store.publish('t', dir, { branch: 'dev' }); // dev's version 2
      await store.deleteBranch('dev');
      await store.createBranch('dev', { from: 'v1' }); // dev reset to version 1
      await expect(store.publish('t', dir, { branch: 'dev' })).rejects.toThrow(/holds version 2 of table "t", newer than version 1 on "dev"/);
      await store.write('t', narrowTable(10, 3), { branch: 'dev' }); // another version 2
      await store.write('t', narrowTable(10, 4), { branch: 'dev' });
      await expect(store.publish('t', dir, { branch: 'dev' })).rejects.toThrow(/holds a version 2 of table "t" that "dev" no longer leads to/);
      expect((await deltaLog(dir)).length).toBe(1);
    });
  });
});

describe('armillaria publish', () => {
  it('publishes every branch into its own directory and reports as JSON', async () => {
    await withTempDir(async (root) => {
      const s = join(root, 'store');
      expect((await runCli('--store', s, 'init')).code).toBe(0);
      const file = join(root, 'rows.csv');
      await writeFile(file, 'k,name\n1,a\n2,b\n3,c\n');
      expect((await runCli('--store', s, 'import', 't', file)).code).toBe(0);
      expect((await runCli('--store', s, 'branch', 'create', 'dev')).code).toBe(0);
      const views = join(root, 'views');
      const r = await runCli('--store', s, 'publish', 'delta', 't', views, '--all-branches', '--json');
      expect(r.code).toBe(0);
      const reports = JSON.parse(r.out) as { dir: string; ref: string; published: unknown[] }[];
      expect(reports.map((x) => [x.dir, x.ref, x.published.length])).toEqual([
        [join(views, 'dev'), 'dev', 1],
        [join(views, 'main'), 'main', 1],
      ]);
      const again = await runCli('--store', s, 'publish', 'delta', 't', join(views, 'main'));
      expect(again).toMatchObject({ code: 0 });
      expect(again.out).toContain('up to date');
      const ice = await runCli('--store', s, 'publish', 'iceberg', 't', join(root, 'ice'), '--branch', 'dev');
      expect(ice.code).toBe(0);
      expect(ice.out).toMatch(/ice: t on dev published up to version 1 \(1 snapshot\(s\), 0 delete file\(s\)/);
      expect(ice.err).toMatch(/snapshot \d+ \(seq 1\) <- t version 1 \(\+1 -0 files, 0 delete files\)/);
      const bad = await runCli('--store', s, 'publish', 'delta', 't', file);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/rows.csv is a file, not a directory/);
    });
  });
});
