import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, TableNotFoundError, type Store } from '../src/index.js';
import { runCli, withTempStore } from './helpers.js';

/** id (key), name, score. */
function people(rows: [number, string, number][]) {
  return tableFromArrays({
    id: new Int32Array(rows.map((r) => r[0])),
    name: rows.map((r) => r[1]),
    score: new Float64Array(rows.map((r) => r[2])),
  });
}

/** Rows as [change type, version, ...table columns], the change columns other than those left out. */
function changed(t: Table): unknown[][] {
  return t.toArray().map((r) => {
    const { _change_type, _commit_version, _commit_timestamp: _t, _commit: _c, ...row } = r.toJSON() as Record<string, unknown>;
    return [_change_type, Number(_commit_version), ...Object.values(row)];
  });
}

const head = async (store: Store) => (await store.log({ limit: 1 }))[0]!;

describe('change data feed (tableChanges)', () => {
  it('gives a keyed table’s inserts, deletes and updates with their values, per commit', async () => {
    await withTempStore(async (store) => {
      const first = await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cid', 30]]), { keys: ['id'] });
      await store.transaction(async (tx) => {
        await tx.update('p', tableFromArrays({ id: new Int32Array([2]), score: new Float64Array([21]) }));
        await tx.delete('p', { column: 'id', op: '=', value: 3 });
      }, { message: 'fix bob, drop cid' });
      const second = await head(store);
      await store.write('p', people([[4, 'dan', 40]]), { mode: 'append' });
      const third = await head(store);

      const all = await store.tableChanges('p');
      expect(changed(all)).toEqual([
        ['insert', 1, 1, 'ann', 10],
        ['insert', 1, 2, 'bob', 20],
        ['insert', 1, 3, 'cid', 30],
        ['delete', 2, 3, 'cid', 30],
        ['update_preimage', 2, 2, 'bob', 20],
        ['update_postimage', 2, 2, 'bob', 21],
        ['insert', 3, 4, 'dan', 40],
      ]);
      expect(all.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'score', '_change_type', '_commit_version', '_commit_timestamp', '_commit']);
      const commits = all.getChild('_commit')!.toArray() as string[];
      expect([...new Set(commits)]).toEqual([first.commit, second.commit, third.commit]);
      expect(all.getChild('_commit_timestamp')!.get(6)).toBe(Date.parse(third.time));

      // A range: after `since`, up to `until`.
      expect(changed(await store.tableChanges('p', { since: first.commit, until: second.commit })).map((r) => r[0])).toEqual(['delete', 'update_preimage', 'update_postimage']);
      const none = await store.tableChanges('p', { since: third.commit });
      expect([none.numRows, none.schema.fields.length]).toEqual([0, 7]);

      // Reverting brings the deleted row back (its chunk loses the deletion vector) and bob's old score.
      await store.revert(second.commit);
      expect(changed(await store.tableChanges('p', { since: third.commit })).map((r) => r.slice(0, 1).concat(r.slice(2)))).toEqual([
        ['update_preimage', 2, 'bob', 21],
        ['update_postimage', 2, 'bob', 20],
        ['insert', 3, 'cid', 30],
      ]);
    });
  });

  it('matches whole rows of a table without keys: a changed row is a delete and an insert, a kept row nothing', async () => {
    await withTempStore(async (store) => {
      await store.write('t', people([[1, 'a', 1], [2, 'b', 2], [2, 'b', 2], [3, 'c', 3]]));
      const first = await head(store);
      // One copy of a duplicated row goes, one row changes, the rest stays (the overwrite keeps their chunk).
      await store.write('t', people([[1, 'a', 1], [2, 'b', 2], [3, 'c', 33]]));
      expect(changed(await store.tableChanges('t', { since: first.commit }))).toEqual([
        ['delete', 2, 2, 'b', 2],
        ['delete', 2, 3, 'c', 3],
        ['insert', 2, 3, 'c', 33],
      ]);
    });
  });

  it('conforms rows from before a schema change to the newest schema, and shows a drop as deletes', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10]]), { keys: ['id'] });
      const wider = tableFromArrays({ id: new Int32Array([2]), name: ['bob'], score: new Float64Array([20]), team: ['red'] });
      await store.write('p', wider, { mode: 'append', schema: 'merge' });
      const all = await store.tableChanges('p');
      // The evolving commit changed no old row's values (the new column is null there): only its insert.
      expect(changed(all)).toEqual([
        ['insert', 1, 1, 'ann', 10, null],
        ['insert', 2, 2, 'bob', 20, 'red'],
      ]);
      const before = await head(store);
      await store.transaction((tx) => tx.dropTable('p'), { message: 'drop p' });
      const dropped = await store.tableChanges('p', { since: before.commit });
      expect(changed(dropped)).toEqual([
        ['delete', -1, 1, 'ann', 10, null],
        ['delete', -1, 2, 'bob', 20, 'red'],
      ]);
      // Nothing at the end of the range and nothing in it: not found.
      await expect(store.tableChanges('p', { since: (await head(store)).commit })).rejects.toThrow(TableNotFoundError);
    });
  });

  it('shows a renamed column as no change, and earlier rows under its new name', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20]]), { keys: ['id'] });
      const first = await head(store);
      await store.transaction((tx) => tx.renameColumn('p', 'score', 'points'), { message: 'rename' });
      expect((await store.tableChanges('p', { since: first.commit })).numRows).toBe(0);
      await store.transaction((tx) => tx.update('p', tableFromArrays({ id: new Int32Array([1]), points: new Float64Array([11]) })));
      const all = await store.tableChanges('p');
      expect(all.schema.fields.map((f) => f.name).slice(0, 3)).toEqual(['id', 'name', 'points']);
      expect(changed(all)).toEqual([
        ['insert', 1, 1, 'ann', 10],
        ['insert', 1, 2, 'bob', 20],
        ['update_preimage', 3, 1, 'ann', 10],
        ['update_postimage', 3, 1, 'ann', 11],
      ]);
    });
  });

  it('refuses a table with a column named like a change column, naming it', async () => {
    await withTempStore(async (store) => {
      await store.write('t', tableFromArrays({ _change_type: ['x'] }));
      await expect(store.tableChanges('t')).rejects.toThrow(InvalidArgumentError);
      await expect(store.tableChanges('t')).rejects.toThrow(/"_change_type"/);
    });
  });
});

describe('diff across schema changes', () => {
  it('compares rows by key in the newer schema: renamed columns by their new names, added ones from null', async () => {
    await withTempStore(async (store) => {
      await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20], [3, 'cid', 30]]), { keys: ['id'] });
      await store.createTag('v1');
      await store.transaction(async (tx) => {
        await tx.renameColumn('p', 'score', 'points');
        await tx.update('p', tableFromArrays({ id: new Int32Array([2]), points: new Float64Array([21]) }));
        await tx.addColumns('p', tableFromArrays({ team: ['red', null, null] }));
      });
      const d = (await store.diff('v1', 'main')).tables[0]!;
      expect(d.keyed).toEqual({
        keys: ['id'],
        inserted: [],
        deleted: [],
        updated: [{ key: { id: 1 }, columns: ['team'] }, { key: { id: 2 }, columns: ['points'] }],
      });
    });
  });
});

describe('changes and watch (CLI)', () => {
  it('lists commits since one, and prints a table’s changed rows as text and JSON', async () => {
    await withTempStore(async (store, dir) => {
      const first = await store.write('p', people([[1, 'ann', 10], [2, 'bob', 20]]), { keys: ['id'] });
      await store.transaction((tx) => tx.update('p', tableFromArrays({ id: new Int32Array([2]), score: new Float64Array([21]) })), { message: 'fix bob' });
      await store.write('q', people([[9, 'zed', 90]]), { message: 'add q' });

      const log = await runCli('--store', dir, 'changes', '--since', first.commit);
      expect(log.code).toBe(0);
      expect(log.out.split('\n').filter(Boolean).map((l) => l.replace(/^\S+ {2}\S+ {2}/, ''))).toEqual(['p@v2  fix bob', 'q@v1  add q']);

      const json = await runCli('--store', dir, 'changes', 'p', '--since', first.commit, '--json');
      const rows = JSON.parse(json.out) as Record<string, unknown>[];
      expect(rows.map(({ _commit: _c, _commit_timestamp: t, ...r }) => ({ ...r, at: typeof t }))).toEqual([
        { id: 2, name: 'bob', score: 20, _change_type: 'update_preimage', _commit_version: 2, at: 'string' },
        { id: 2, name: 'bob', score: 21, _change_type: 'update_postimage', _commit_version: 2, at: 'string' },
      ]);
      const text = await runCli('--store', dir, 'changes', 'p', '--since', first.commit);
      expect(text.out).toMatch(/update_postimage/);
      expect(text.out).toMatch(/\(2 rows\)\n$/);

      const missing = await runCli('--store', dir, 'changes', 'nope');
      expect(missing).toMatchObject({ code: 2, err: 'error: catalog: table "nope" not found on branch "main"\n' });
    });
  });

  it('watches a table: one JSON line per commit that changed it, with its rows, until --count', async () => {
    await withTempStore(async (store, dir) => {
      const start = await store.write('p', people([[1, 'ann', 10]]), { keys: ['id'] });
      // From a given commit, so that no commit is missed however soon the watch starts.
      const watching = runCli('--store', dir, 'watch', 'p', '--since', start.commit, '--count', '2', '--interval', '20', '--json');
      await store.write('p', people([[2, 'bob', 20]]), { mode: 'append', message: 'add bob' });
      await store.write('q', people([[9, 'zed', 90]]), { message: 'not p' });
      await store.transaction((tx) => tx.delete('p', { column: 'id', op: '=', value: 1 }), { message: 'drop ann' });
      const { code, out } = await watching;
      expect(code).toBe(0);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { message: string; rows: { id: number; _change_type: string }[] });
      expect(lines.map((l) => [l.message, l.rows.map((r) => `${r._change_type} ${r.id}`)])).toEqual([
        ['add bob', ['insert 2']],
        ['drop ann', ['delete 1']],
      ]);
    });
  });
});
