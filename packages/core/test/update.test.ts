import { RecordBatch, Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, KeyNotFoundError, SchemaMismatchError } from '../src/index.js';
import { MAX_PATCHES } from '../src/catalog/column-patch.js';
import { narrowTable, rowsOf } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

/** New `value`s for the given ids of a narrow table. */
const valuesAt = (ids: number[], value: (id: number) => number) =>
  tableFromArrays({ id: BigInt64Array.from(ids.map(BigInt)), value: Float64Array.from(ids.map(value)) });

const valuesOf = (t: Table) => [...t.getChild('value')!] as number[];

describe('update', () => {
  it('patches the touched chunks by key, storing only the new values', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(1000);
      await store.write('n', t, { chunkRows: 250, keys: ['id'] });
      const before = await manifestOf(store, 'n');
      const ids = [3, 7, 260, 999];
      const r = await store.transaction((tx) => tx.update('n', valuesAt([...ids, 5000], (id) => -id), { ignoreMissing: true }));
      expect(r.value).toBe(4); // id 5000 matches no row, and is skipped as asked
      const after = await manifestOf(store, 'n');
      expect(after.chunks.map((c) => c.id)).toEqual(before.chunks.map((c) => c.id));
      expect(after.chunks.map((c) => c.patches?.[0]?.rows ?? 0)).toEqual([2, 1, 0, 1]);
      expect(after.chunks[2]).toEqual(before.chunks[2]);
      // A patch holds 2 rows of (uint32, float64): far below one chunk.
      expect(after.chunks[0]!.patches![0]!.bytes).toBeLessThan(before.chunks[0]!.bytes / 4);
      const expected = valuesOf(t).map((v, id) => (ids.includes(id) ? -id : v));
      expect(valuesOf(await store.read('n'))).toEqual(expected);
      expect(valuesOf(await store.read('n', { ref: String(r.commit), version: 1 }))).toEqual(valuesOf(t));
    });
  });

  it('stacks patches, newest last, and filters on the patched values', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(400), { chunkRows: 100 });
      await store.transaction((tx) => tx.update('n', valuesAt([10, 20], () => 5), { on: ['id'] }));
      await store.transaction((tx) => tx.update('n', valuesAt([20, 30], () => 7), { on: ['id'] }));
      const m = await manifestOf(store, 'n');
      expect(m.chunks[0]!.patches!.map((p) => p.rows)).toEqual([2, 2]);
      expect(m.chunks[0]!.stats.value!.max).toBe(7); // statistics follow the patches
      const big = await store.read('n', { filter: { column: 'value', op: '>', value: 1 } });
      expect([...big.getChild('id')!].map(Number)).toEqual([10, 20, 30]);
      expect(valuesOf(big)).toEqual([5, 7, 7]);
    });
  });

  it('rewrites a chunk, folding in its patches and deleted rows, once patches pile up', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(200);
      await store.write('n', t, { chunkRows: 100 });
      await store.transaction((tx) => tx.delete('n', { column: 'id', op: '=', value: 0n }));
      for (let i = 1; i <= MAX_PATCHES; i++) await store.transaction((tx) => tx.update('n', valuesAt([i], () => 100 + i), { on: ['id'] }));
      expect((await manifestOf(store, 'n')).chunks[0]!.patches).toHaveLength(MAX_PATCHES);
      await store.transaction((tx) => tx.update('n', valuesAt([50], () => -1), { on: ['id'] }));
      const c = (await manifestOf(store, 'n')).chunks[0]!;
      expect([c.patches, c.deleted, c.rows]).toEqual([undefined, undefined, 99]);
      const got = await store.read('n');
      const want = valuesOf(t).map((v, id) => (id === 50 ? -1 : id >= 1 && id <= MAX_PATCHES ? 100 + id : v)).slice(1);
      expect(valuesOf(got)).toEqual(want);
    });
  });

  it('leaves deleted rows deleted, and deletes by patched values', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(100), { chunkRows: 50, keys: ['id'] });
      await store.transaction((tx) => tx.delete('n', { column: 'id', op: '=', value: 4n }));
      // A deleted row's key is not in the table any more.
      await expect(store.transaction((tx) => tx.update('n', valuesAt([4, 5], () => 9)))).rejects.toThrow('match no row of "n": (id = 4)');
      expect((await store.transaction((tx) => tx.update('n', valuesAt([4, 5], () => 9), { ignoreMissing: true }))).value).toBe(1);
      await store.transaction((tx) => tx.delete('n', { column: 'value', op: '=', value: 9 }));
      const ids = [...(await store.read('n')).getChild('id')!].map(Number);
      expect(ids).toEqual([...Array(100).keys()].filter((i) => i !== 4 && i !== 5));
    });
  });

  it('updates strings and nulls, and shows up in diffs and through gc', async () => {
    await withTempStore(async (store) => {
      const t = new Table({ k: vectorFromArray(['a', 'b', 'c', 'd']), s: vectorFromArray(['x', null, 'long text', 'z']) });
      await store.write('s', t, { keys: ['k'] });
      await store.createTag('v1');
      const u = new Table({ k: vectorFromArray(['b', 'd']), s: vectorFromArray(['now set', null]) });
      await store.transaction((tx) => tx.update('s', u));
      expect(rowsOf(await store.read('s'))).toEqual([
        { k: 'a', s: 'x' },
        { k: 'b', s: 'now set' },
        { k: 'c', s: 'long text' },
        { k: 'd', s: null },
      ]);
      const d = (await store.diff('v1', 'main')).tables[0]!;
      expect(d.keyed!.updated.map((u) => u.key)).toEqual([{ k: 'b' }, { k: 'd' }]);
      await store.gc({ graceMs: 0 });
      expect((await store.verify()).problems).toEqual([]);
      expect(rowsOf(await store.read('s')).map((r) => r.s)).toEqual(['x', 'now set', 'long text', null]);
    });
  });

  it('matches 64-bit keys exactly, beyond what a double holds', async () => {
    await withTempStore(async (store) => {
      const big = [2n ** 60n, 2n ** 60n + 1n, -(2n ** 53n), -(2n ** 53n) + 1n, 7n];
      await store.write('b', tableFromArrays({ id: BigInt64Array.from(big), v: new Int32Array(5) }), { keys: ['id'] });
      // Two updates of one batch each and one of two batches: both key paths meet the same keys.
      const one = tableFromArrays({ id: BigInt64Array.from([2n ** 60n + 1n, -(2n ** 53n)]), v: Int32Array.from([1, 2]) });
      const two = new Table([...tableFromArrays({ id: BigInt64Array.from([7n]), v: Int32Array.from([3]) }).batches, ...tableFromArrays({ id: BigInt64Array.from([-(2n ** 53n) + 1n]), v: Int32Array.from([4]) }).batches]);
      expect((await store.transaction((tx) => tx.update('b', one))).value).toBe(2);
      expect((await store.transaction((tx) => tx.update('b', two))).value).toBe(2);
      expect([...(await store.read('b')).getChild('v')!]).toEqual([0, 1, 2, 4, 3]);
    });
  });

  it('converts numbers to the column types when every value converts exactly', async () => {
    await withTempStore(async (store) => {
      await store.write('n', new Table({ id: vectorFromArray(Int32Array.from([1, 2, 3])), v: vectorFromArray(Float64Array.from([0.5, 0.5, 0.5])) }), { keys: ['id'] });
      // Keys as int64 and values as int32 (as a CSV reader infers them) meet int32 keys and float64 values.
      await store.transaction((tx) => tx.update('n', tableFromArrays({ id: BigInt64Array.from([2n]), v: Int32Array.from([7]) })));
      expect([...(await store.read('n')).getChild('v')!]).toEqual([0.5, 7, 0.5]);
      const lossy = tableFromArrays({ id: Float64Array.from([2.5]), v: Float64Array.from([1]) });
      await expect(store.transaction((tx) => tx.update('n', lossy))).rejects.toThrow('column "id" is Float64, expected Int32');
    });
  });

  it('rejects updates it cannot apply, and changes nothing', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(10));
      const head = (await store.describe('n')).manifest;
      const fail = (rows: Table, on?: string[]) => store.transaction((tx) => tx.update('n', rows, on ? { on } : {}));
      await expect(fail(valuesAt([1], () => 0))).rejects.toThrow('update: table "n" declares no key columns');
      await expect(fail(valuesAt([1, 1], () => 0), ['id'])).rejects.toThrow('update: key id = 1 appears twice in the update');
      await expect(fail(tableFromArrays({ value: new Float64Array([1]) }), ['id'])).rejects.toThrow(InvalidArgumentError);
      await expect(fail(tableFromArrays({ id: new BigInt64Array([1n]) }), ['id'])).rejects.toThrow('update: the update sets no column besides its keys (id)');
      await expect(fail(tableFromArrays({ id: new BigInt64Array([1n]), value: ['one'] }), ['id'])).rejects.toThrow(SchemaMismatchError);
      await expect(fail(tableFromArrays({ id: new BigInt64Array([1n]), other: new Int32Array([1]) }), ['id'])).rejects.toThrow('column "other" (Int32) is not in the table');
      // Keys the table lacks are named (the first ten), not skipped in silence.
      await expect(fail(valuesAt([2, 40, 41], () => 0), ['id'])).rejects.toThrow(KeyNotFoundError);
      await expect(fail(valuesAt([2, 40, 41], () => 0), ['id'])).rejects.toThrow('update: 2 update row(s) match no row of "n": (id = 40), (id = 41) (upsert inserts them');
      await expect(fail(valuesAt([...Array(25).keys()].map((i) => 100 + i), () => 0), ['id'])).rejects.toThrow(/\(id = 109\) and 15 more/);
      expect((await store.describe('n')).manifest).toBe(head);
    });
  });
});

describe('upsert', () => {
  it('updates matching rows, leaves unchanged ones alone, appends the rest and deletes missing ones on request', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(10_000);
      await store.write('n', t, { chunkRows: 1000, keys: ['id'] });
      const before = await manifestOf(store, 'n');
      // 500 rows with new values, 500 as they are, 100 new ids.
      const ids = [...Array.from({ length: 1000 }, (_, k) => k * 10), ...Array.from({ length: 100 }, (_, k) => 20_000 + k)];
      const value = (id: number) => (id >= 20_000 ? id : id % 20 === 0 ? -id : (t.getChild('value')!.get(id) as number));
      const r = await store.transaction((tx) => tx.upsert('n', valuesAt(ids, value)));
      expect(r.value).toEqual({ updated: 500, inserted: 100, deleted: 0, unchanged: 500 });
      const after = await manifestOf(store, 'n');
      expect(after.chunks.slice(0, 10).map((c) => c.id)).toEqual(before.chunks.map((c) => c.id)); // patched in place
      expect(after.chunks.slice(0, 10).map((c) => c.patches?.length)).toEqual(Array(10).fill(1));
      const expected = [...Array.from({ length: 10_000 }, (_, id) => value(id)), ...ids.slice(1000)];
      expect(valuesOf(await store.read('n'))).toEqual(expected);
      // The same rows again change nothing: no commit.
      const again = await store.transaction((tx) => tx.upsert('n', valuesAt(ids, value)));
      expect(again.value).toEqual({ updated: 0, inserted: 0, deleted: 0, unchanged: 1100 });
      expect(again.versions).toEqual({});
      // With deleteMissing the rows are the whole content.
      const whole = await store.transaction((tx) => tx.upsert('n', valuesAt(ids.slice(0, 50), value), { deleteMissing: true }));
      expect(whole.value).toEqual({ updated: 0, inserted: 0, deleted: 10_050, unchanged: 50 });
      expect(rowsOf(await store.read('n'))).toEqual(rowsOf(valuesAt(ids.slice(0, 50), value)));
    });
  });

  it('inserts every new row of rows given in batches whose dictionaries differ', async () => {
    await withTempStore(async (store) => {
      await store.write('p', tableFromArrays({ id: Int32Array.of(1), name: ['ann'] }), { keys: ['id'] });
      // Two batches, each with its own dictionary for `name`: joined by value, no row lost.
      const [a, b] = [tableFromArrays({ id: Int32Array.of(1, 2), name: ['amy', 'bob'] }), tableFromArrays({ id: Int32Array.of(3), name: ['cid'] })];
      const rows = new Table(a.schema, [...a.batches, new RecordBatch(a.schema, b.batches[0]!.data)]);
      expect(await store.transaction((tx) => tx.upsert('p', rows)).then((r) => r.value)).toMatchObject({ updated: 1, inserted: 2 });
      expect(rowsOf(await store.read('p'))).toEqual([{ id: 1, name: 'amy' }, { id: 2, name: 'bob' }, { id: 3, name: 'cid' }]);
    });
  });

  it('refuses rows without every column or with a key twice, and changes nothing', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(100), { keys: ['id'] });
      const head = (await store.log())[0]!.commit;
      await expect(store.transaction((tx) => tx.upsert('n', tableFromArrays({ id: BigInt64Array.of(1n) })))).rejects.toThrow(SchemaMismatchError);
      await expect(store.transaction((tx) => tx.upsert('n', valuesAt([3, 3], () => 1)))).rejects.toThrow('key id = 3 appears twice');
      expect((await store.log())[0]!.commit).toBe(head);
    });
  });
});

describe('addColumns', () => {
  it('adds columns without rewriting a chunk, under deletes, updates, filters and appends', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(1000);
      await store.write('n', t, { chunkRows: 250, keys: ['id'] });
      await store.transaction((tx) => tx.delete('n', { column: 'id', op: '<', value: 10n }));
      const before = await manifestOf(store, 'n');
      const labels = Array.from({ length: 990 }, (_, i) => `row ${i + 10}`);
      await store.transaction((tx) => tx.addColumns('n', new Table({ label: vectorFromArray(labels), twice: vectorFromArray(Float64Array.from(labels, (_, i) => 2 * (i + 10))) })));
      const after = await manifestOf(store, 'n');
      expect(after.chunks.map((c) => c.id)).toEqual(before.chunks.map((c) => c.id));
      const added = after.chunks.reduce((n, c) => n + c.patches![0]!.bytes, 0);
      expect(added).toBeLessThan(before.chunks.reduce((n, c) => n + c.bytes, 0)); // the new columns only
      const read = await store.read('n');
      expect(read.schema.fields.map((f) => f.name)).toEqual(['id', 'value', 'label', 'twice']);
      expect(rowsOf(read).slice(0, 2)).toEqual([
        { id: 10n, value: t.getChild('value')!.get(10), label: 'row 10', twice: 20 },
        { id: 11n, value: t.getChild('value')!.get(11), label: 'row 11', twice: 22 },
      ]);
      expect([...(await store.read('n', { columns: ['twice'], filter: { column: 'twice', op: '>=', value: 1996 } })).getChild('twice')!]).toEqual([1996, 1998]);
      await store.transaction((tx) => tx.update('n', new Table({ id: vectorFromArray(BigInt64Array.from([500n])), label: vectorFromArray(['changed']) })));
      await store.write('n', new Table({ id: vectorFromArray(BigInt64Array.from([1000n])), value: vectorFromArray(Float64Array.from([0.5])), label: vectorFromArray(['new']), twice: vectorFromArray(Float64Array.from([2000])) }), { mode: 'append' });
      const labelsNow = [...(await store.read('n', { columns: ['label'] })).getChild('label')!];
      expect([labelsNow[490], labelsNow.at(-1), labelsNow.length]).toEqual(['changed', 'new', 991]);
      expect((await store.read('n', { version: 1 })).schema.fields.map((f) => f.name)).toEqual(['id', 'value']);
    });
  });

  it('rejects a column that exists and a row count that differs', async () => {
    await withTempStore(async (store) => {
      await store.write('n', narrowTable(10));
      const add = (cols: Table) => store.transaction((tx) => tx.addColumns('n', cols));
      await expect(add(tableFromArrays({ value: new Float64Array(10) }))).rejects.toThrow('add columns: table "n" already has a column "value"');
      await expect(add(tableFromArrays({ extra: new Float64Array(9) }))).rejects.toThrow('add columns: 9 rows given, table "n" has 10');
      expect((await store.describe('n')).version).toBe(1);
    });
  });
});
