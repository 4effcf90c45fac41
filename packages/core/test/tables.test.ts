import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { CommitConflictError, InvalidNameError, nativeStatus, openStore, PHASE_ORDER, TableNotFoundError, VersionNotFoundError } from '../src/index.js';
import { PHASES } from '../src/internals.js';
import { manifestOf, runCli, storeDigest, withTempDir, withTempStore } from './helpers.js';

const ints = (...xs: number[]) => tableFromArrays({ id: new Int32Array(xs) });
const ids = async (p: Promise<import('apache-arrow').Table>) => [...(await p).getChild('id')!].map(Number);

describe('drop and rename tables', () => {
  it('drops a table in one commit, keeping its versions in history', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      await store.write('t', ints(1, 2));
      await store.write('other', ints(9));
      const before = (await store.log({ limit: 1 }))[0]!.commit;
      const r = await store.transaction((tx) => tx.dropTable('t'));
      expect(r.versions).toEqual({});
      expect((await store.tables()).map((t) => t.name)).toEqual(['other']);
      await expect(store.read('t')).rejects.toThrow(TableNotFoundError);
      expect(await ids(store.read('t', { ref: before }))).toEqual([1, 2]);
      expect((await store.log({ limit: 1 }))[0]!.changes).toEqual([{ table: 't', version: -1 }]);
      await expect(store.transaction((tx) => tx.dropTable('t'))).rejects.toThrow(TableNotFoundError);
    });
  });

  it('numbers a table made again after a drop from 1, and time travel by version finds only the new lineage', async () => {
    await withTempStore(async (store) => {
      for (let v = 1; v <= 4; v++) await store.write('t', ints(...Array(v).fill(100)));
      await store.transaction((tx) => tx.dropTable('t'));
      await store.write('t', ints(1));
      await store.write('t', ints(1, 2));
      await store.write('t', ints(1, 2, 3));
      expect((await store.describe('t')).version).toBe(3);
      // Versions 1 and 2 are the new table's, never the dropped one's (which had 4 versions).
      expect(await ids(store.read('t', { version: 1 }))).toEqual([1]);
      expect(await ids(store.read('t', { version: 2 }))).toEqual([1, 2]);
      await expect(store.read('t', { version: 4 })).rejects.toThrow(VersionNotFoundError);
    });
  });

  it('renames a table without writing data, and refuses a taken name or a name that breaks the rules', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('a', ints(1, 2), { keys: ['id'] });
      await store.write('a', ints(1, 2, 3), { keys: ['id'] });
      await store.write('b', ints(7));
      const manifest = (await store.describe('a')).manifest;
      const r = await store.transaction((tx) => tx.renameTable('a', 'c'));
      expect(r.versions).toEqual({ c: 1 });
      const c = await store.describe('c');
      expect(c).toMatchObject({ manifest, version: 1, keys: ['id'] });
      await expect(store.read('a')).rejects.toThrow(TableNotFoundError);
      const digest = await storeDigest(dir);
      await expect(store.transaction((tx) => tx.renameTable('c', 'b'))).rejects.toThrow('table: cannot rename "c" to "b": a table "b" exists (drop it first)');
      await expect(store.transaction((tx) => tx.renameTable('c', '../x'))).rejects.toThrow(InvalidNameError);
      await expect(store.transaction((tx) => tx.renameTable('zz', 'y'))).rejects.toThrow(TableNotFoundError);
      expect(await storeDigest(dir)).toBe(digest);
      // Swapping two names in one transaction works: a name freed in it can be taken (and keeps its versions' count).
      await store.transaction(async (tx) => {
        await tx.renameTable('b', 'tmp');
        await tx.renameTable('c', 'b');
        await tx.renameTable('tmp', 'c');
      });
      expect(await ids(store.read('b'))).toEqual([1, 2, 3]);
      expect(await ids(store.read('c'))).toEqual([7]);
      expect((await store.verify()).problems).toEqual([]);
      await store.close();
    });
  });

  it('conflicts when another writer changed the table it drops', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      const tx = await store.begin();
      await tx.dropTable('t');
      await store.write('t', ints(2), { mode: 'append' });
      await expect(tx.commit('drop t')).rejects.toThrow(CommitConflictError);
      expect(await ids(store.read('t'))).toEqual([1, 2]);
    });
  });

  it('drops and renames from the CLI', async () => {
    await withTempDir(async (dir) => {
      await runCli('--store', dir, 'init');
      const store = await openStore(dir, { fsync: false });
      await store.write('a', ints(1));
      await store.write('b', ints(2));
      expect(await runCli('--store', dir, 'rename-table', 'a', 'c')).toMatchObject({ code: 0, out: expect.stringMatching(/^a: renamed to c, version 1, commit [0-9a-f]{12}\n$/) });
      expect(await runCli('--store', dir, 'drop-table', 'b')).toMatchObject({ code: 0, out: expect.stringMatching(/^b: dropped, commit [0-9a-f]{12}\n$/) });
      expect(JSON.parse((await runCli('--store', dir, 'tables', '--json')).out).map((t: { name: string }) => t.name)).toEqual(['c']);
      expect(await runCli('--store', dir, 'drop-table', 'b')).toMatchObject({ code: 2, err: expect.stringContaining('table "b" not found') });
      await store.write('w', tableFromArrays({ id: Int32Array.of(1), x: Int32Array.of(2), y: Int32Array.of(3) }));
      expect(await runCli('--store', dir, 'drop-column', 'w', 'x,y')).toMatchObject({ code: 0, out: expect.stringMatching(/^w: dropped x, y, version 2, commit [0-9a-f]{12}\n$/) });
      expect(await runCli('--store', dir, 'drop-column', 'w', 'zz')).toMatchObject({ code: 2, err: 'error: table: table "w" has no column "zz" (columns: id)\n' });
      await store.close();
    });
  });
});

describe('drop columns', () => {
  const wide = (from: number, n: number) =>
    tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => from + i), a: Float64Array.from({ length: n }, (_, i) => (from + i) / 2), b: Array.from({ length: n }, (_, i) => `b${from + i}`) });

  it('drops a column without rewriting a chunk; old versions keep it; appends, filters, SQL and a re-added column of the same name work', async () => {
    await withTempStore(async (store) => {
      await store.write('w', wide(0, 1000), { chunkRows: 250, keys: ['id'] });
      const before = await store.describe('w');
      await store.transaction((tx) => tx.dropColumns('w', ['b']));
      const after = await store.describe('w');
      expect(after.schema.fields.map((f) => f.name)).toEqual(['id', 'a']);
      expect(after.bytes).toBe(before.bytes); // the chunk files are the same ones
      expect((await store.read('w')).getChild('b')).toBeNull();
      expect((await store.read('w', { version: 1 })).getChild('b')!.get(999)).toBe('b999');
      // Appends without the column, filters and SQL over old and new chunks alike.
      await store.write('w', wide(1000, 10).select(['id', 'a']), { mode: 'append' });
      const hit = await store.read('w', { filter: { column: 'id', op: '>=', value: 995 } });
      expect([...hit.getChild('id')!]).toEqual([995, 996, 997, 998, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
      const sql = await store.sql('SELECT count(*) AS n, sum(a) AS s FROM w');
      expect(sql.toArray()[0]!.toJSON()).toMatchObject({ n: 1010n, s: (1009 * 1010) / 4 });
      await expect(store.sql('SELECT b FROM w')).rejects.toThrow(/b/);
      // A column of the dropped name added again holds its new values, never the old ones.
      await store.transaction((tx) => tx.addColumns('w', tableFromArrays({ b: Array.from({ length: 1010 }, () => 'new') })));
      const t = await store.read('w');
      expect(new Set([...t.getChild('b')!])).toEqual(new Set(['new']));
      await store.transaction((tx) => tx.delete('w', { column: 'id', op: '<', value: 10 }));
      expect((await store.read('w')).numRows).toBe(1000);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('refuses a column the table lacks, a key column and every column, and changes nothing', async () => {
    await withTempStore(async (store) => {
      await store.write('w', wide(0, 10), { keys: ['id'] });
      const manifest = (await store.describe('w')).manifest;
      const drop = (columns: string[]) => store.transaction((tx) => tx.dropColumns('w', columns));
      await expect(drop(['zz'])).rejects.toThrow('table: table "w" has no column "zz" (columns: id, a, b)');
      await expect(drop(['id'])).rejects.toThrow('table: cannot drop key column "id" of "w"');
      await expect(drop([])).rejects.toThrow('table: no column to drop from "w"');
      expect((await store.describe('w')).manifest).toBe(manifest);
    });
  });
});

describe('rename columns', () => {
  const phases = PHASE_ORDER.filter((p) => !PHASES[p].needsNative || nativeStatus().available);
  const wide = (from: number, n: number) =>
    tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => from + i), a: Float64Array.from({ length: n }, (_, i) => (from + i) / 2), b: Array.from({ length: n }, (_, i) => `b${from + i}`) });
  const rowsOf = (t: import('apache-arrow').Table) => t.toArray().map((r) => r.toJSON() as Record<string, unknown>);

  it.each(phases)('renames without rewriting a chunk, under patches, deletes, added columns and later writes (phase %s)', async (phase) => {
    await withTempStore(async (store) => {
      await store.write('w', wide(0, 1000), { chunkRows: 250, keys: ['id'] });
      await store.transaction(async (tx) => {
        await tx.update('w', tableFromArrays({ id: Int32Array.of(3, 600), a: Float64Array.of(-3, -600) })); // patches
        await tx.delete('w', { column: 'id', op: '=', value: 7 }); // a deletion vector
        await tx.addColumns('w', tableFromArrays({ c: Array.from({ length: 999 }, (_, i) => `c${i}`) })); // whole-column patches
      });
      const before = await store.describe('w');
      const expected: Record<string, unknown>[] = rowsOf(await store.read('w')).map(({ a, c, ...r }) => ({ ...r, score: a, label: c }));
      await store.transaction(async (tx) => {
        await tx.renameColumn('w', 'a', 'tmp');
        await tx.renameColumn('w', 'tmp', 'score'); // renames compose
        await tx.renameColumn('w', 'c', 'label'); // a column only patches hold
        await tx.renameColumn('w', 'id', 'key'); // a key column
      });
      const after = await store.describe('w');
      expect(after.schema.fields.map((f) => f.name)).toEqual(['key', 'score', 'b', 'label']);
      expect(after.keys).toEqual(['key']);
      expect(after.bytes).toBe(before.bytes); // no chunk or patch written
      expect(rowsOf(await store.read('w'))).toEqual(expected.map(({ id, ...r }) => ({ key: id, ...r })));
      expect(rowsOf(await store.read('w', { version: before.version })).slice(0, 1)).toEqual([{ id: 0, a: 0, b: 'b0', c: 'c0' }]);
      // Filters and projections by the new names, statistics included; SQL; updates, appends and diffs after.
      const hit = await store.read('w', { filter: { column: 'score', op: '<', value: -100 }, columns: ['key', 'label'] });
      expect(rowsOf(hit)).toEqual([{ key: 600, label: 'c599' }]);
      expect(rowsOf(await store.sql('SELECT count(*) AS n, min(score) AS lo FROM w WHERE label IS NOT NULL'))).toEqual([{ n: 999n, lo: -600 }]);
      await store.transaction((tx) => tx.update('w', tableFromArrays({ key: Int32Array.of(10), score: Float64Array.of(-10) })));
      await store.write('w', tableFromArrays({ key: Int32Array.of(1000), score: Float64Array.of(1), b: ['new'], label: ['L'] }), { mode: 'append' });
      const t = await store.read('w', { filter: { column: 'key', op: '>=', value: 999 } });
      expect(rowsOf(t)).toEqual([{ key: 999, score: 499.5, b: 'b999', label: 'c998' }, { key: 1000, score: 1, b: 'new', label: 'L' }]);
      expect(rowsOf(await store.read('w', { filter: { column: 'key', op: '=', value: 10 } }))).toEqual([{ key: 10, score: -10, b: 'b10', label: 'c9' }]);
      // Compaction writes the renamed chunks again under the new names: the same rows, nothing left to rename.
      const rows = rowsOf(await store.read('w'));
      await store.transaction((tx) => tx.optimize('w'));
      expect(rowsOf(await store.read('w'))).toEqual(rows);
      expect((await manifestOf(store, 'w')).chunks.filter((c) => c.renamed)).toEqual([]);
      expect((await store.verify()).problems).toEqual([]);
    }, { phase });
  });

  it('refuses a column the table lacks and a name it has, and changes nothing; the CLI renames', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('w', wide(0, 10), { keys: ['id'] });
      const manifest = (await store.describe('w')).manifest;
      const rename = (from: string, to: string) => store.transaction((tx) => tx.renameColumn('w', from, to));
      await expect(rename('zz', 'y')).rejects.toThrow('table: table "w" has no column "zz" (columns: id, a, b)');
      await expect(rename('a', 'b')).rejects.toThrow('table: cannot rename "a" of "w" to "b": the table has a column of that name');
      await expect(rename('a', '')).rejects.toThrow(/column 1 has an empty name/);
      expect((await store.describe('w')).manifest).toBe(manifest);
      expect(await runCli('--store', dir, 'rename-column', 'w', 'a', 'score')).toMatchObject({ code: 0, out: expect.stringMatching(/^w: renamed a to score, version 2, commit [0-9a-f]{12}\n$/) });
      expect((await store.describe('w')).schema.fields.map((f) => f.name)).toEqual(['id', 'score', 'b']);
    });
  });
});
