import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { SchemaMismatchError } from '../src/index.js';
import { manifestOf, withTempStore } from './helpers.js';

/** A keyed table: id (key), name, score. */
function people(rows: [number, string, number][]) {
  return tableFromArrays({
    id: new Int32Array(rows.map((r) => r[0])),
    name: rows.map((r) => r[1]),
    score: new Float64Array(rows.map((r) => r[2])),
  });
}

async function rowsOf(store: import('../src/index.js').Store, table: string, branch = 'main') {
  const t = await store.read(table, { branch });
  return t.toArray().map((r) => Object.values(r.toJSON() as Record<string, unknown>)).sort((a, b) => (a[0] as number) - (b[0] as number));
}

describe('merge', () => {
  it('fast-forwards when main has not moved, and is up to date afterwards', async () => {
    await withTempStore(async (store) => {
      await store.write('t', people([[1, 'a', 1]]));
      await store.createBranch('dev');
      const w = await store.write('t', people([[2, 'b', 2]]), { branch: 'dev', mode: 'append' });
      expect(await store.merge('dev')).toEqual({ status: 'fast-forward', commit: w.commit, tables: [], conflicts: [] });
      expect((await store.reflog('branch', 'main')).at(-1)!.reason).toBe('merge dev: fast-forward');
      expect(await store.merge('dev')).toMatchObject({ status: 'up-to-date' });
      expect(await rowsOf(store, 't')).toEqual([[1, 'a', 1], [2, 'b', 2]]);
    });
  });

  it('takes each side’s tables when they changed different tables', async () => {
    await withTempStore(async (store) => {
      await store.write('a', people([[1, 'a', 1]]));
      await store.write('b', people([[1, 'b', 1]]));
      await store.createBranch('dev');
      await store.write('a', people([[1, 'a2', 1]]));
      await store.write('b', people([[1, 'b2', 1]]), { branch: 'dev' });
      await store.write('c', people([[3, 'c', 3]]), { branch: 'dev' });
      const r = await store.merge('dev', { message: 'bring dev in' });
      expect(r.status).toBe('merged');
      expect(r.tables).toEqual([{ table: 'b', action: 'theirs' }, { table: 'c', action: 'theirs' }]);
      expect(await rowsOf(store, 'a')).toEqual([[1, 'a2', 1]]);
      expect(await rowsOf(store, 'b')).toEqual([[1, 'b2', 1]]);
      expect(await rowsOf(store, 'c')).toEqual([[3, 'c', 3]]);
      const head = (await store.log({ limit: 1 }))[0]!;
      expect(head.message).toBe('bring dev in');
      expect(head.parents).toHaveLength(2);
    });
  });

  it('merges a keyed table row by row: inserts, deletes and updates of different columns from both sides', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cid', 30], [4, 'dan', 40]]), { keys: ['id'] });
      await store.createBranch('dev');
      // main: update 1.score, delete 3, insert 5
      await store.write('p', people([[1, 'ann', 11], [2, 'bob', 20], [4, 'dan', 40], [5, 'eve', 50]]));
      // dev: update 1.name, update 2.score, insert 6
      await store.write('p', people([[1, 'ANN', 10], [2, 'bob', 22], [3, 'cid', 30], [4, 'dan', 40], [6, 'fay', 60]]), { branch: 'dev' });
      const r = await store.merge('dev');
      expect(r).toMatchObject({ status: 'merged', conflicts: [], tables: [{ table: 'p', action: 'row-merge' }] });
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ANN', 11], [2, 'bob', 22], [4, 'dan', 40], [5, 'eve', 50], [6, 'fay', 60]]);
      expect((await store.describe('p')).keys).toEqual(['id']);
    });
  });

  it('merges row by row across schema changes: a column added, renamed, dropped or widened on one side', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cid', 30], [4, 'dan', 40]]), { keys: ['id'] });
      await store.createBranch('dev');
      // dev adds a column and renames one; main edits rows under the old schema.
      await store.transaction(async (tx) => {
        await tx.addColumns('p', tableFromArrays({ team: ['a', 'b', 'c', 'd'] }));
        await tx.renameColumn('p', 'name', 'label');
      }, { branch: 'dev' });
      await store.write('p', people([[1, 'ann', 11], [2, 'bob', 20], [3, 'CID', 30], [5, 'eve', 50]]));
      expect(await store.merge('dev')).toMatchObject({ status: 'merged', conflicts: [], tables: [{ table: 'p', action: 'row-merge' }] });
      const merged = await store.read('p');
      expect(merged.schema.fields.map((f) => f.name)).toEqual(['id', 'label', 'score', 'team']);
      // Row 4, deleted on main, stays deleted: dev's new column alone is no edit of it.
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 11, 'a'], [2, 'bob', 20, 'b'], [3, 'CID', 30, 'c'], [5, 'eve', 50, null]]);

      // dev drops a column that main then changes: a conflict naming the row, not a change lost.
      await store.transaction((tx) => tx.dropColumns('p', ['team']), { branch: 'dev' });
      await store.write('p', tableFromArrays({ id: Int32Array.from([1, 2, 3, 5]), label: ['ann', 'bob', 'CID', 'eve'], score: Float64Array.from([11, 20, 30, 50]), team: ['a', 'B', 'c', null] }));
      const dropped = await store.merge('dev');
      expect(dropped.conflicts).toEqual([{ table: 'p', kind: 'row', key: { id: 2 }, column: 'team', base: 'b', ours: 'B', theirs: null, reason: 'changed on ours, column dropped on theirs' }]);
      expect((await store.merge('dev', { strategy: 'theirs' })).status).toBe('merged');
      expect((await store.read('p')).schema.fields.map((f) => f.name)).toEqual(['id', 'label', 'score']);
    });
  });

  it('widens a column one side widened, and names a schema the two sides changed apart', async () => {
    await withTempStore(async (store) => {
      await store.write('c', tableFromArrays({ id: Int32Array.from([1, 2]), n: Int32Array.from([10, 20]), s: ['x', 'y'] }), { keys: ['id'] });
      await store.createBranch('dev');
      await store.write('c', tableFromArrays({ id: Int32Array.from([3]), n: BigInt64Array.from([2n ** 40n]), s: ['z'] }), { branch: 'dev', mode: 'append', schema: 'merge' });
      await store.write('c', tableFromArrays({ id: Int32Array.from([1, 2]), n: Int32Array.from([11, 20]), s: ['x', 'y'] }));
      expect((await store.merge('dev')).status).toBe('merged');
      const c = await store.read('c');
      expect(String(c.schema.fields[1]!.type)).toBe('Int64');
      expect(c.toArray().map((r) => [r.id, r.n])).toEqual([[1, 11n], [2, 20n], [3, 2n ** 40n]]);

      await store.createBranch('other');
      await store.transaction((tx) => tx.renameColumn('c', 's', 'mine'));
      await store.transaction((tx) => tx.renameColumn('c', 's', 'yours'), { branch: 'other' });
      await store.write('c', tableFromArrays({ id: Int32Array.from([9]), n: BigInt64Array.from([9n]), yours: ['q'] }), { branch: 'other', mode: 'append' });
      const head = (await store.log({ limit: 1 }))[0]!.commit;
      const r = await store.merge('other');
      expect(r).toMatchObject({ status: 'conflicts', commit: head });
      expect(r.conflicts).toEqual([{ table: 'c', kind: 'table', reason: 'schema changed on both sides: column "s" was renamed to "mine" on ours and to "yours" on theirs' }]);
    });
  });

  it('stores a row-level merge as what it changed of ours, not the table again', async () => {
    await withTempStore(async (store) => {
      const n = 20_000;
      const rows = Array.from({ length: n }, (_, i): [number, string, number] => [i, `p${i}`, i]);
      await store.write('p', people(rows), { keys: ['id'], chunkRows: 5000 });
      await store.createBranch('dev');
      await store.transaction((tx) => tx.update('p', people([[10, 'main', 1]])));
      await store.transaction((tx) => tx.update('p', people([[15_000, 'dev', 2]])), { branch: 'dev' });
      await store.write('p', people([[n, 'new', 3]]), { branch: 'dev', mode: 'append' });
      const ours = (await store.describe('p')).manifest;
      const before = await manifestOf(store, 'p');
      expect((await store.merge('dev')).tables).toEqual([{ table: 'p', action: 'row-merge' }]);
      const after = await manifestOf(store, 'p');
      expect((await store.describe('p')).manifest).not.toBe(ours);
      // Ours' four chunks are kept (one gains a patch for dev's update); dev's new row is one small chunk.
      expect(after.chunks.slice(0, 4).map((c) => c.id)).toEqual(before.chunks.map((c) => c.id));
      expect(after.chunks).toHaveLength(5);
      const t = await store.read('p', { filter: { column: 'id', op: 'in', values: [10, 15_000, n] } });
      expect(t.toArray().map((r) => Object.values(r.toJSON() as Record<string, unknown>))).toEqual([[10, 'main', 1], [15_000, 'dev', 2], [n, 'new', 3]]);
    });
  });

  it('reports conflicts per key and column and commits nothing', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20]]), { keys: ['id'] });
      await store.write('plain', people([[1, 'x', 0]]));
      await store.createBranch('dev');
      await store.write('p', people([[1, 'ann', 11]]));
      await store.write('p', people([[1, 'ann', 12], [2, 'bob', 21]]), { branch: 'dev' });
      await store.write('plain', people([[1, 'y', 0]]));
      await store.write('plain', people([[1, 'z', 0]]), { branch: 'dev' });
      const head = (await store.log({ limit: 1 }))[0]!.commit;
      const r = await store.merge('dev');
      expect(r.status).toBe('conflicts');
      expect(r.commit).toBe(head);
      expect(r.conflicts).toEqual([
        { table: 'p', kind: 'row', key: { id: 1 }, column: 'score', base: 10, ours: 11, theirs: 12, reason: 'changed on both sides to different values' },
        { table: 'p', kind: 'row', key: { id: 2 }, column: '*', reason: 'updated on theirs, deleted on ours' },
        { table: 'plain', kind: 'table', reason: 'changed on both sides and the table declares no key columns' },
      ]);
      expect((await store.log({ limit: 1 }))[0]!.commit).toBe(head);
      // Settled by strategy: theirs for every table, or per table.
      const theirs = await store.merge('dev', { strategy: 'theirs' });
      expect(theirs).toMatchObject({ status: 'merged', tables: [{ table: 'p', action: 'row-merge' }, { table: 'plain', action: 'theirs' }] });
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 12], [2, 'bob', 21]]);
      expect(await rowsOf(store, 'plain')).toEqual([[1, 'z', 0]]);
      await store.reset('main', head);
      expect((await store.log({ limit: 1 }))[0]!.commit).toBe(head);
      const mixed = await store.merge('dev', { strategy: { p: 'ours', plain: 'theirs' } });
      expect(mixed.status).toBe('merged');
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 11]]);
      expect(await rowsOf(store, 'plain')).toEqual([[1, 'z', 0]]);
      await store.reset('main', head);
      expect(await store.merge('dev', { strategy: { p: 'ours' } })).toMatchObject({ status: 'conflicts', conflicts: [{ table: 'plain', kind: 'table' }] });
    });
  });

  it('keeps a conflicted merge pending, settles it row by row from given rows, and finishes or aborts it', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cy', 30]]), { keys: ['id'] });
      await store.createBranch('dev');
      await store.transaction((tx) => tx.update('p', people([[1, 'ann', 11], [2, 'bob', 21]])), { branch: 'dev' });
      await store.transaction((tx) => tx.update('p', people([[1, 'ann', 12], [2, 'bob', 22], [3, 'cy', 33]])));
      const head = (await store.log({ limit: 1 }))[0]!.commit;
      const first = await store.merge('dev', { message: 'bring dev in' });
      expect(first.conflicts.map((c) => [c.key, c.column])).toEqual([[{ id: 1 }, 'score'], [{ id: 2 }, 'score']]);
      const dev = (await store.log({ branch: 'dev', limit: 1 }))[0]!.commit;
      expect(await store.pendingMerge()).toMatchObject({ source: 'dev', theirs: dev, message: 'bring dev in' });
      // Rows for one of the two keys settle that one; the other is still a conflict, and nothing landed.
      const half = await store.merge(dev, { resolve: { p: people([[1, 'ann', 100]]) }, dryRun: true });
      expect(half.conflicts.map((c) => c.key)).toEqual([{ id: 2 }]);
      expect((await store.log({ limit: 1 }))[0]!.commit).toBe(head);
      // Rows given for every conflicting key settle them all; other rows merge as usual.
      const done = await store.merge(dev, { resolve: { p: people([[1, 'ann', 100], [2, 'bob', 200]]) } });
      expect(done.status).toBe('merged');
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 100], [2, 'bob', 200], [3, 'cy', 33]]);
      expect(await store.pendingMerge()).toBeUndefined();
      // Rows must fit: the table's columns, keys once each, and a table merged row by row.
      await store.transaction((tx) => tx.update('p', people([[3, 'cy', 1]])), { branch: 'dev' });
      await store.transaction((tx) => tx.update('p', people([[3, 'cy', 2]])));
      expect((await store.merge('dev')).status).toBe('conflicts');
      await expect(store.merge('dev', { resolve: { p: tableFromArrays({ id: new Int32Array([3]) }) } })).rejects.toThrow(SchemaMismatchError);
      await expect(store.merge('dev', { resolve: { p: people([[3, 'a', 1], [3, 'b', 2]]) } })).rejects.toThrow('merge: key [3] appears twice in the rows resolving "p"');
      await expect(store.merge('dev', { resolve: { q: people([[3, 'a', 1]]) } })).rejects.toThrow('merge: rows given to resolve table "q"');
      expect(await store.abortMerge()).toMatchObject({ source: 'dev' });
      await expect(store.abortMerge()).rejects.toThrow('merge: no merge into "main" is pending');
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 100], [2, 'bob', 200], [3, 'cy', 2]]);
    });
  });

  it('cherry-picks and reverts one commit row by row, and resets a branch', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cy', 30]]), { keys: ['id'] });
      await store.createBranch('dev');
      const fix = await store.transaction((tx) => tx.update('p', people([[2, 'bob', 25]])), { branch: 'dev', message: 'fix bob' });
      await store.write('p', people([[4, 'dee', 40]]), { mode: 'append' }); // main moves on
      const picked = await store.cherryPick(fix.commit!);
      expect(picked.status).toBe('merged');
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 10], [2, 'bob', 25], [3, 'cy', 30], [4, 'dee', 40]]);
      const [top] = await store.log({ limit: 1 });
      expect(top).toMatchObject({ parents: [expect.any(String)], message: expect.stringContaining('cherry-pick') });
      expect(await store.cherryPick(fix.commit!)).toMatchObject({ status: 'up-to-date' });
      // Reverting the append while a later commit changed another row keeps that change.
      const append = (await store.log())[1]!.commit;
      await store.transaction((tx) => tx.update('p', people([[1, 'ann', 11]])));
      expect((await store.revert(append)).status).toBe('merged');
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 11], [2, 'bob', 25], [3, 'cy', 30]]);
      const before = (await store.log({ limit: 1 }))[0]!.commit;
      expect(await store.reset('main', 'dev')).toEqual({ from: before, to: fix.commit });
      expect(await rowsOf(store, 'p')).toEqual([[1, 'ann', 10], [2, 'bob', 25], [3, 'cy', 30]]);
    });
  });
});

describe('diff', () => {
  it('lists changed tables and chunks, and rows by key for keyed tables', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cid', 30]]), { keys: ['id'], chunkRows: 2 });
      await store.write('u', people([[1, 'u', 1]]));
      await store.createTag('v1');
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 25], [4, 'dan', 40]]), { chunkRows: 2 });
      await store.write('n', people([[9, 'new', 9]]));
      const d = await store.diff('v1', 'main');
      expect(d.tables.map((t) => [t.table, t.status])).toEqual([['n', 'added'], ['p', 'changed']]);
      const p = d.tables[1]!;
      expect(p).toMatchObject({ fromVersion: 1, toVersion: 2, rowsAdded: 3, rowsRemoved: 3 });
      expect(p.chunksAdded).toHaveLength(1); // ann's chunk is kept (a deletion vector hides bob); one new chunk holds bob and dan
      expect(p.keyed).toEqual({ keys: ['id'], inserted: [{ id: 4 }], deleted: [{ id: 3 }], updated: [{ key: { id: 2 }, columns: ['score'] }] });
    });
  });

  it('reads nothing for a table whose chunks are all shared', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'a', 1], [2, 'b', 2]]), { keys: ['id'], chunkRows: 1 });
      await store.createTag('v1');
      await store.write('p', people([[3, 'c', 3]]), { mode: 'append', chunkRows: 1 });
      const d = await store.diff('v1', 'main');
      expect(d.tables[0]).toMatchObject({ chunksRemoved: [], rowsAdded: 1, keyed: { inserted: [{ id: 3 }], deleted: [], updated: [] } });
    });
  });
});

describe('change feed', () => {
  it('lists commits since a given one, oldest first', async () => {
    await withTempStore(async (store) => {
      const first = await store.write('a', people([[1, 'a', 1]]));
      await store.write('b', people([[1, 'b', 1]]), { message: 'b1' });
      await store.write('a', people([[2, 'a', 2]]), { message: 'a2', mode: 'append' });
      const changes = await store.changes({ since: first.commit });
      expect(changes.map((c) => [c.message, c.tables.map((t) => `${t.table}@${t.version}`)])).toEqual([
        ['b1', ['b@1']],
        ['a2', ['a@2']],
      ]);
      expect(await store.changes({ since: (await store.log({ limit: 1 }))[0]!.commit })).toEqual([]);
    });
  });

  it('delivers new commits to a subscriber as they land', async () => {
    await withTempStore(async (store) => {
      await store.write('a', people([[1, 'a', 1]]));
      const sub = store.subscribe({ intervalMs: 20 });
      const seen: string[] = [];
      const reader = (async () => {
        for await (const c of sub) {
          seen.push(c.message);
          if (seen.length === 3) sub.close();
        }
      })();
      await store.write('a', people([[2, 'a', 2]]), { message: 'one' });
      await store.write('b', people([[1, 'b', 1]]), { message: 'two' });
      await store.transaction(async (tx) => {
        await tx.write('a', people([[3, 'a', 3]]));
        await tx.write('b', people([[3, 'b', 3]]));
      }, { message: 'three' });
      await reader;
      expect(seen).toEqual(['one', 'two', 'three']);
    });
  });
});
