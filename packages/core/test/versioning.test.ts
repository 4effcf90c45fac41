import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { BranchNotFoundError, CommitConflictError, InvalidNameError, RefNotFoundError, withRetry } from '../src/index.js';
import { objectPath, REF_VALUES_DIR } from '../src/backend/layout.js';
import { narrowTable } from './fixtures.js';
import { getManifest } from '../src/catalog/manifest.js';
import { manifestOf, withTempStore } from './helpers.js';

const ints = (...xs: number[]) => tableFromArrays({ id: new Int32Array(xs) });
const ids = async (p: Promise<import('apache-arrow').Table>) => [...(await p).getChild('id')!].map(Number);

describe('branches and tags', () => {
  it('creates a branch in O(1) that diverges from main', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1, 2));
      await store.createBranch('dev');
      await store.write('t', ints(3), { branch: 'dev', mode: 'append' });
      expect(await ids(store.read('t'))).toEqual([1, 2]);
      expect(await ids(store.read('t', { branch: 'dev' }))).toEqual([1, 2, 3]);
      expect((await store.branches()).map((b) => b.name)).toEqual(['dev', 'main']);
    });
  });

  it('keeps refs created at one commit independent although they share one file on disk', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('t', ints(1));
      const at = await store.createBranch('a');
      await store.createBranch('b');
      await store.createTag('v1');
      const value = join(dir, REF_VALUES_DIR, at);
      expect((await stat(value)).nlink).toBe(5); // main, a, b, v1 and the value file itself
      const moved = await store.write('t', ints(2), { branch: 'a', mode: 'append' });
      // An update links the new commit's value file over the ref, as a creation does.
      expect((await stat(join(dir, 'refs', 'heads', 'a'))).ino).toBe((await stat(join(dir, REF_VALUES_DIR, moved.commit))).ino);
      await store.deleteBranch('b');
      await store.write('t', ints(3), { mode: 'append' });
      expect(await ids(store.read('t', { branch: 'a' }))).toEqual([1, 2]);
      expect(await ids(store.read('t', { ref: 'v1' }))).toEqual([1]);
      expect(await ids(store.read('t'))).toEqual([1, 3]);
      expect(await readFile(value, 'utf8')).toBe(`${at}\n`);

      // gc drops a value file once no ref links to it, and the next ref at that commit writes it again.
      const old = new Date(Date.now() - 2 * 3600_000);
      await utimes(value, old, old);
      await store.gc({ graceMs: 0 });
      expect((await stat(value)).nlink).toBe(2); // v1 still links it
      await store.deleteTag('v1');
      await store.gc({ graceMs: 0 });
      await expect(stat(value)).rejects.toMatchObject({ code: 'ENOENT' });
      await store.createBranch('again', { from: at });
      expect(await ids(store.read('t', { branch: 'again' }))).toEqual([1]);
    });
  });

  it('renames and deletes branches, keeping a reflog to recover them', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      const at = await store.createBranch('feature/x');
      await store.renameBranch('feature/x', 'feature/y');
      await expect(store.read('t', { branch: 'feature/x' })).rejects.toThrow(BranchNotFoundError);
      expect(await store.deleteBranch('feature/y')).toBe(at);
      const log = await store.reflog('branch', 'feature/y');
      expect(log.map((e) => [e.old, e.new, e.reason])).toEqual([
        [null, at, 'branch rename from feature/x'],
        [at, null, 'branch delete'],
      ]);
      await store.createBranch('restored', { from: log[0]!.new! });
      expect(await ids(store.read('t', { branch: 'restored' }))).toEqual([1]);
    });
  });

  it('reads the per-ref reflog files of stores written before the shared log', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('t', ints(1));
      const old = await store.createBranch('old');
      await store.deleteBranch('old');
      // The same history as an older store would hold it: logs/refs/heads/old, one entry per line.
      const legacy = { time: new Date().toISOString(), old: null, new: old, reason: 'branch create from main' };
      await mkdir(join(dir, 'logs/refs/heads'), { recursive: true });
      await writeFile(join(dir, 'logs/refs/heads/old'), `${JSON.stringify(legacy)}\n`);
      const log = await store.reflog('branch', 'old');
      expect(log.map((e) => [e.old, e.new, e.reason])).toEqual([
        [null, old, 'branch create from main'],
        [null, old, 'branch create from main'],
        [old, null, 'branch delete'],
      ]);
    });
  });

  it('rejects taken, clashing and protected names', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      await store.createBranch('a');
      await expect(store.createBranch('a')).rejects.toThrow('names: invalid branch name "a": a branch with this name already exists');
      await expect(store.createBranch('a/b')).rejects.toThrow('names: invalid branch name "a/b": clashes with existing branch "a"');
      await expect(store.createBranch('../../x')).rejects.toThrow(InvalidNameError);
      await expect(store.deleteBranch('main')).rejects.toThrow('refs: the default branch "main" cannot be deleted');
      await expect(store.createBranch('b', { from: 'nope' })).rejects.toThrow(RefNotFoundError);
    });
  });

  it('reads at a tag after the branch moved on', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      await store.createTag('v1');
      await store.write('t', ints(2));
      expect(await ids(store.read('t', { ref: 'v1' }))).toEqual([1]);
      expect(await ids(store.read('t', { ref: 'tags/v1' }))).toEqual([1]);
      expect((await store.tags()).map((t) => t.name)).toEqual(['v1']);
      await store.deleteTag('v1');
      await expect(store.read('t', { ref: 'v1' })).rejects.toThrow('catalog: ref "v1" not found');
    });
  });
});

describe('time travel', () => {
  it('finds any version and any instant of a long history', async () => {
    await withTempStore(async (store) => {
      const times: string[] = [];
      for (let i = 1; i <= 40; i++) {
        await store.write('t', ints(i));
        if (i % 3 === 0) await store.write('other', ints(-i)); // interleaved commits to another table
        times.push((await store.log({ limit: 1 }))[0]!.time);
        await new Promise((r) => setTimeout(r, 2));
      }
      for (const v of [1, 2, 17, 39, 40]) expect(await ids(store.read('t', { version: v }))).toEqual([v]);
      expect(await ids(store.read('t', { asOf: times[9]! }))).toEqual([10]);
      await expect(store.read('t', { asOf: '2000-01-01T00:00:00Z' })).rejects.toThrow(
        'catalog: table "t" not found on branch "main" as of 2000-01-01T00:00:00Z',
      );
      const head = (await store.log({ limit: 1 }))[0]!.commit;
      expect(await ids(store.read('t', { ref: head, version: 5 }))).toEqual([5]);
    });
  });
});

describe('transactions', () => {
  it('commits several tables atomically, or nothing when the function throws', async () => {
    await withTempStore(async (store) => {
      const r = await store.transaction(async (tx) => {
        await tx.write('a', ints(1));
        await tx.write('b', ints(2));
        expect(await ids(tx.read('a'))).toEqual([1]); // sees its own writes
        return 'done';
      }, { message: 'load a and b' });
      expect(r).toMatchObject({ value: 'done', versions: { a: 1, b: 1 } });
      expect((await store.log()).map((e) => [e.message, e.changes.map((c) => c.table)])).toEqual([['load a and b', ['a', 'b']]]);
      await expect(
        store.transaction(async (tx) => {
          await tx.write('a', ints(9));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await ids(store.read('a'))).toEqual([1]);
      expect(await store.log()).toHaveLength(1);
    });
  });

  it('rebases over a concurrent commit to another table', async () => {
    await withTempStore(async (store) => {
      await store.write('a', ints(1));
      const tx = await store.begin();
      await tx.write('b', ints(2));
      await store.write('a', ints(3)); // lands first
      const out = await tx.commit('b');
      expect(out!.versions).toEqual({ b: 1 });
      expect(await ids(store.read('a'))).toEqual([3]);
      expect(await ids(store.read('b'))).toEqual([2]);
    });
  });

  it('rebases an append over a concurrent append, and conflicts on an overwrite', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      const tx = await store.begin();
      await tx.write('t', ints(2), { mode: 'append' });
      await store.write('t', ints(3), { mode: 'append' });
      await tx.commit('append 2');
      expect(await ids(store.read('t'))).toEqual([1, 3, 2]);
      expect((await store.describe('t')).version).toBe(3);

      const tx2 = await store.begin();
      await tx2.write('t', ints(7)); // overwrite
      await store.write('t', ints(4), { mode: 'append' });
      const err = await tx2.commit('overwrite').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommitConflictError);
      expect(err).toMatchObject({
        retryable: true,
        table: 't',
        expectedVersion: 3,
        actualVersion: 4,
        message: 'transaction: conflict on table "t" (base v3, head v4): branch "main" moved',
      });
      expect(await ids(store.read('t'))).toEqual([1, 3, 2, 4]);
    });
  });

  it('retries a conflicting transaction from the new head', async () => {
    await withTempStore(async (store) => {
      await store.write('counter', ints(0));
      let attempts = 0;
      await withRetry(async () => {
        const tx = await store.begin();
        const n = (await ids(tx.read('counter')))[0]!;
        if (attempts++ === 0) await store.write('counter', ints(100)); // someone else wins the first race
        await tx.write('counter', ints(n + 1));
        return tx.commit('increment');
      });
      expect(attempts).toBe(2);
      expect(await ids(store.read('counter'))).toEqual([101]);
    });
  });

  it('deletes rows by predicate, rewriting only the chunks that hold them', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(1000), { chunkRows: 250 });
      const before = await store.describe('n');
      const r = await store.transaction((tx) =>
        tx.delete('n', { or: [{ column: 'id', op: '<', value: 10n }, { column: 'id', op: '=', value: 999 }] }),
      );
      expect(r.value).toBe(11);
      const after = await store.read('n');
      expect(after.numRows).toBe(989);
      expect(Number(after.getChild('id')!.get(0))).toBe(10);
      const m1 = await getManifest(store.chunks, before.manifest);
      const m2 = await manifestOf(store, 'n');
      expect(m2.chunks.slice(1, 3)).toEqual(m1.chunks.slice(1, 3)); // untouched chunks kept
      // The touched chunks keep their bytes and gain deletion vectors.
      expect(m2.chunks.map((c) => c.id)).toEqual(m1.chunks.map((c) => c.id));
      expect([m2.chunks[0]!.deleted?.rows, m2.chunks[3]!.deleted?.rows]).toEqual([10, 1]);
      expect(m2.rows).toBe(989);
    });
  });

  it('stores a contiguous delete as one run and a scattered one as positions', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(1000);
      await store.write('n', t, { chunkRows: 500 });
      await store.transaction((tx) => tx.delete('n', { and: [{ column: 'id', op: '>=', value: 100n }, { column: 'id', op: '<', value: 300n }] }));
      await store.transaction((tx) => tx.delete('n', { or: [{ column: 'id', op: '=', value: 600n }, { column: 'id', op: '=', value: 900n }] }));
      const [a, b] = (await manifestOf(store, 'n')).chunks;
      expect([a!.deleted, (await store.chunks.get(a!.deleted!.id)).byteLength]).toEqual([{ id: a!.deleted!.id, rows: 200, runs: 1 }, 8]);
      expect(b!.deleted).toEqual({ id: b!.deleted!.id, rows: 2 }); // two positions: 8 bytes, as two runs would be 16
      const ids = [...(await store.read('n')).getChild('id')!].map(Number);
      expect(ids).toEqual([...Array(1000).keys()].filter((i) => (i < 100 || i >= 300) && i !== 600 && i !== 900));
    });
  });

  it('deletes again through a deletion vector, rewrites a chunk that loses half its rows, and keeps it all through gc', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(1000);
      await store.write('n', t, { chunkRows: 250, keys: ['id'] });
      await store.createTag('full');
      await store.transaction((tx) => tx.delete('n', { column: 'id', op: '<', value: 20n }));
      await store.transaction((tx) => tx.delete('n', { and: [{ column: 'id', op: '>=', value: 20n }, { column: 'id', op: '<', value: 40n }] }));
      let m = await manifestOf(store, 'n');
      expect(m.chunks[0]!.deleted?.rows).toBe(40); // both deletes in one vector
      expect(await store.read('n')).toEqualTable(t.slice(40));
      const d = await store.diff('full', 'main');
      expect(d.tables[0]).toMatchObject({ chunksAdded: [], chunksRemoved: [], rowsRemoved: 250, rowsAdded: 210 });
      expect(d.tables[0]!.keyed!.deleted).toHaveLength(40);

      await store.transaction((tx) => tx.delete('n', { column: 'id', op: '<', value: 200n }));
      m = await manifestOf(store, 'n');
      expect(m.chunks[0]!.deleted).toBeUndefined(); // rewritten: 50 of 250 rows left
      expect(m.chunks[0]!.rows).toBe(50);
      expect(await store.read('n', { filter: { column: 'id', op: '<', value: 300n } })).toEqualTable(t.slice(200, 300));

      await store.gc({ graceMs: 0 });
      expect((await store.verify()).problems).toEqual([]);
      expect(await store.read('n', { ref: 'full' })).toEqualTable(t);
    });
  });
});

describe('filtered reads', () => {
  it('returns exactly the matching rows and skips chunks by statistics', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(1000), { chunkRows: 100 });
      const t = await store.read('n', { filter: { and: [{ column: 'id', op: '>=', value: 250n }, { column: 'id', op: '<', value: 260n }] }, columns: ['id'] });
      expect([...t.getChild('id')!].map(Number)).toEqual([250, 251, 252, 253, 254, 255, 256, 257, 258, 259]);
      expect(t.schema.fields.map((f) => f.name)).toEqual(['id']);
      await expect(store.read('n', { filter: { column: 'nope', op: '=', value: 1 } })).rejects.toThrow(
        'filter: column "nope" not found in table "n"',
      );
    });
  });
});

describe('gc', () => {
  it('keeps everything reachable from branches, tags and young objects, and deletes the rest', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('t', narrowTable(300, 1));
      const v1 = await store.describe('t');
      await store.createTag('keep');
      await store.write('t', narrowTable(300, 2));
      await store.createBranch('side');
      await store.write('s', narrowTable(300, 3), { branch: 'side' });
      await store.deleteBranch('side');
      const orphan = await store.chunks.put(Buffer.from('never referenced'));
      const young = await store.chunks.put(Buffer.from('written a moment ago'));
      const old = new Date(Date.now() - 2 * 3600_000);
      for await (const o of store.backend.listObjects()) if (o.id !== young.id) await utimes(objectPath(dir, o.id), old, old);

      const report = await store.gc({ reflogRetentionMs: 0 });
      expect(report.keptYoung).toBe(1);
      expect(await store.chunks.has(orphan.id)).toBe(false);
      expect(await store.chunks.has(young.id)).toBe(true);
      expect(report.deleted).toBeGreaterThanOrEqual(3); // orphan + side branch's commit, manifest, chunk
      expect((await store.read('t', { ref: 'keep' })).numRows).toBe(300);
      expect((await store.describe('t', { version: 1 })).manifest).toBe(v1.manifest);
      expect(await store.verify()).toMatchObject({ problems: [] });
    });
  });

  it('keeps what recent reflog entries reach, so a deleted branch can be restored', async () => {
    await withTempStore(async (store) => {
      await store.write('t', ints(1));
      await store.createBranch('tmp');
      await store.write('t', ints(2), { branch: 'tmp' });
      const head = await store.deleteBranch('tmp');
      await store.gc({ graceMs: 0 });
      await store.createBranch('back', { from: head });
      expect(await ids(store.read('t', { branch: 'back' }))).toEqual([2]);
    });
  });
});
