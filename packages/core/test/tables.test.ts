import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { CommitConflictError, InvalidNameError, openStore, TableNotFoundError, VersionNotFoundError } from '../src/index.js';
import { runCli, storeDigest, withTempDir, withTempStore } from './helpers.js';

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
      await store.close();
    });
  });
});
