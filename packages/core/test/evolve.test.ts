import { DateDay, Field, Int16, Int32, Schema, Table, TimestampMillisecond, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { SchemaMismatchError } from '../src/index.js';
import { rowsOf } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

const int32s = (xs: number[]) => vectorFromArray(xs, new Int32());

describe('schema evolution on append', () => {
  it('stores an overwrite that adds columns as what changed: kept chunks, the changed rows, the new columns as patches', async () => {
    await withTempStore(async (store) => {
      const n = 20_000;
      const base = new Table({ id: int32s(Array.from({ length: n }, (_, i) => i)), score: vectorFromArray(Float64Array.from({ length: n }, (_, i) => i / 4)) });
      await store.write('t', base, { chunkRows: 5000 });
      const before = await manifestOf(store, 't');
      const oneVersion = before.chunks.reduce((c, x) => c + x.bytes, 0);
      // The same rows but one changed score, and a new column at the end.
      const scores = Float64Array.from({ length: n }, (_, i) => (i === 123 ? -1 : i / 4));
      const next = new Table({ id: int32s(Array.from({ length: n }, (_, i) => i)), score: vectorFromArray(scores), flag: vectorFromArray(Int32Array.from({ length: n }, (_, i) => i % 3)) });
      const r = await store.write('t', next, { chunkRows: 5000 });
      const t = await store.read('t');
      expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'score', 'flag']);
      expect(rowsOf(t.slice(122, 125))).toEqual([{ id: 122, score: 30.5, flag: 2 }, { id: 123, score: -1, flag: 0 }, { id: 124, score: 31, flag: 1 }]);
      const after = await manifestOf(store, 't');
      expect(after.chunks.map((c) => c.id)).toEqual(before.chunks.map((c) => c.id)); // every chunk kept
      // A patch for the changed row, and the new column: well under the table again.
      expect(r.newBytes).toBeLessThan(oneVersion * 0.1); // 3.5% here
      expect((await store.read('t', { version: 1 })).schema.fields.map((f) => f.name)).toEqual(['id', 'score']);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('takes in-memory rows with the same types built another way (Int32 vs Int_, fresh dictionary ids)', async () => {
    await withTempStore(async (store) => {
      // Read back from the store, the table's types are Int_ and renumbered dictionaries; the new rows'
      // are Int32 and new dictionaries. Same types: the rows keep every value.
      await store.write('t', tableFromArrays({ id: Int32Array.of(1), name: ['ann'] }));
      await store.write('t', tableFromArrays({ id: Int32Array.of(2), name: ['bob'], team: ['red'] }), { mode: 'append', schema: 'merge' });
      expect(rowsOf(await store.read('t'))).toEqual([{ id: 1, name: 'ann', team: null }, { id: 2, name: 'bob', team: 'red' }]);
    });
  });

  it('adds columns, fills missing nullable ones and widens types, storing about the change', async () => {
    await withTempStore(async (store) => {
      const base = new Table({ id: int32s(Array.from({ length: 10_000 }, (_, i) => i)), score: vectorFromArray(Float32Array.from({ length: 10_000 }, (_, i) => i / 4)) });
      await store.write('t', base, { chunkRows: 2500 });
      const before = await manifestOf(store, 't');
      const oneVersion = before.chunks.reduce((n, c) => n + c.bytes, 0);
      // New rows: id as int64 (wider), score as float64 (wider), and a new string column.
      const more = tableFromArrays({ id: BigInt64Array.of(10_000n, 10_001n), score: Float64Array.of(0.1, 0.2), label: ['a', 'b'] });
      await expect(store.write('t', more, { mode: 'append' })).rejects.toThrow(SchemaMismatchError);
      const r = await store.write('t', more, { mode: 'append', schema: 'merge' });
      expect(r.rows).toBe(2);
      const t = await store.read('t');
      expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['id: Int64', 'score: Float64', 'label: Dictionary<Int32, Utf8>']);
      expect(rowsOf(t.slice(0, 2))).toEqual([{ id: 0n, score: 0, label: null }, { id: 1n, score: 0.25, label: null }]);
      expect(rowsOf(t.slice(10_000))).toEqual([{ id: 10_000n, score: 0.1, label: 'a' }, { id: 10_001n, score: 0.2, label: 'b' }]);
      // Old chunks keep their files; the widened columns cost about one copy of themselves.
      const after = await manifestOf(store, 't');
      expect(after.chunks.slice(0, 4).map((c) => c.id)).toEqual(before.chunks.map((c) => c.id));
      const patchBytes = after.chunks.flatMap((c) => c.patches ?? []).reduce((n, p) => n + p.bytes, 0);
      expect(patchBytes).toBeLessThan(oneVersion * 1.5);
      // Older versions keep their schema; filters see the widened statistics.
      expect((await store.read('t', { version: 1 })).schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Float32']);
      expect((await store.read('t', { filter: { column: 'id', op: '>=', value: 9_999n } })).numRows).toBe(3);
      // Narrower rows are widened to the table's types; a column they lack is null.
      await store.write('t', new Table({ id: vectorFromArray([-5], new Int16()), score: vectorFromArray(Float32Array.of(0.5)) }), { mode: 'append', schema: 'merge' });
      expect(rowsOf((await store.read('t')).slice(-1))).toEqual([{ id: -5n, score: 0.5, label: null }]);
      await expect(store.write('t', new Table({ id: int32s([1]) }), { mode: 'append', schema: 'merge' })).rejects.toThrow('column "score" is non-nullable and the new rows lack it');
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('widens dates to timestamps, and refuses what does not widen, naming every column', async () => {
    await withTempStore(async (store) => {
      const day = new Table({ d: vectorFromArray([new Date(Date.UTC(2024, 2, 1))], new DateDay()) });
      await store.write('d', day);
      const ts = new Table({ d: vectorFromArray([new Date(Date.UTC(2024, 2, 2, 12))], new TimestampMillisecond()) });
      await store.write('d', ts, { mode: 'append', schema: 'merge' });
      expect([...(await store.read('d')).getChild('d')!].map((v) => new Date(Number(v)).toISOString())).toEqual(['2024-03-01T00:00:00.000Z', '2024-03-02T12:00:00.000Z']);

      await store.write('s', new Table({ a: int32s([1]), b: vectorFromArray(['x']) }));
      const head = (await store.log())[0]!.commit;
      const bad = new Table({ a: vectorFromArray(['1']), b: vectorFromArray(Float32Array.of(1)) });
      const error = await store.write('s', bad, { mode: 'append', schema: 'merge' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaMismatchError);
      expect((error as SchemaMismatchError).differences).toEqual([
        'column "a" is Int32 and the new rows hold Dictionary<Int32, Utf8>, which does not widen either way',
        'column "b" is Dictionary<Int32, Utf8> and the new rows hold Float32, which does not widen either way',
      ]);
      const nonNullable = new Schema([new Field('k', new Int32(), false)]);
      await store.write('n', new Table(nonNullable, tableFromArrays({ k: Int32Array.of(1) }).batches));
      await expect(store.write('n', tableFromArrays({ other: Int32Array.of(1) }), { mode: 'append', schema: 'merge' })).rejects.toThrow('column "k" is non-nullable and the new rows lack it');
      await expect(store.write('s', bad, { mode: 'append', schema: 'loose' as never })).rejects.toThrow('invalid schema mode "loose"');
      expect((await store.log())[0]!.commit).not.toBe(head); // n was written after
      expect(rowsOf(await store.read('s'))).toEqual([{ a: 1, b: 'x' }]);
    });
  });
});
