/**
 * Arrow from other copies of apache-arrow (issue #28): apache-arrow 20 (ESM) and the CommonJS build
 * of 21.2.0 are distinct module instances with their own classes. Everything they make must write
 * exactly what the same data from core's own copy writes: same rows, same chunk hashes.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

import * as own from 'apache-arrow';
import * as arrow20 from 'apache-arrow-20';
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, type Store } from '../src/index.js';
import { ArrowConverter } from '../src/table/foreign-arrow.js';
import { toSource } from '../src/table/source.js';
import { manifestOf, storeDigest, withTempStore } from './helpers.js';

type Arrow = typeof own;
const cjs21 = createRequire(import.meta.url)('apache-arrow') as Arrow;
const COPIES: [string, Arrow][] = [
  ['apache-arrow 20.0.0', arrow20 as unknown as Arrow],
  ['apache-arrow 21.2.0 (CommonJS)', cjs21],
];

const N = 7; // every column has nulls at rows 2 and 5
const withNulls = <T>(f: (i: number) => T): (T | null)[] => Array.from({ length: N }, (_, i) => (i === 2 || i === 5 ? null : f(i)));

/** The same table (every type core stores, with nulls) built with the classes of copy `A`. */
function allTypes(A: Arrow): own.Table {
  const field = (name: string, type: own.DataType) => new A.Field(name, type, true);
  const cols: [string, own.DataType, unknown[]][] = [
    ['i8', new A.Int8(), withNulls((i) => (i % 2 ? -128 : 127))],
    ['i16', new A.Int16(), withNulls((i) => i * -1000)],
    ['i32', new A.Int32(), withNulls((i) => i * 100000 - 2147483648 * (i % 2))],
    ['i64', new A.Int64(), withNulls((i) => BigInt(i) * 1234567890123n - 9007199254740993n)],
    ['u8', new A.Uint8(), withNulls((i) => 255 - i)],
    ['u32', new A.Uint32(), withNulls((i) => 4294967295 - i)],
    ['u64', new A.Uint64(), withNulls((i) => 18446744073709551615n - BigInt(i))],
    ['f32', new A.Float32(), withNulls((i) => i * 1.5)],
    ['f64', new A.Float64(), withNulls((i) => (i === 3 ? NaN : i === 4 ? -Infinity : i * Math.PI))],
    ['flag', new A.Bool(), withNulls((i) => i % 3 === 0)],
    ['s', new A.Utf8(), withNulls((i) => ['', 'héllo', 'x', '日本語', '𝄞 clef', 'z', 'a'][i])],
    ['ls', new A.LargeUtf8(), withNulls((i) => `large-${i}`.repeat(i))],
    ['bin', new A.Binary(), withNulls((i) => Uint8Array.from({ length: i }, (_, k) => (k * 37 + i) % 256))],
    ['dict', new A.Dictionary(new A.Utf8(), new A.Int32()), withNulls((i) => ['red', 'green', 'blue'][i % 3])],
    ['ts_ms', new A.TimestampMillisecond(), withNulls((i) => 1_700_000_000_000 + i)],
    ['ts_us_tz', new A.TimestampMicrosecond('Europe/Paris'), withNulls((i) => 1_700_000_000_000 + i * 1000)],
    ['ts_ns_utc', new A.TimestampNanosecond('UTC'), withNulls((i) => 1_700_000_000_000 + i)],
    ['d32', new A.DateDay(), withNulls((i) => new Date(Date.UTC(2024, 0, 1 + i)))],
    ['d64', new A.DateMillisecond(), withNulls((i) => new Date(Date.UTC(1969, 11, 31, 0, 0, i)))],
    ['dec', new A.Decimal(2, 12, 128), withNulls((i) => new Uint32Array([i * 12345, 0, 0, 0]))],
    ['list', new A.List(field('item', new A.Int32())), withNulls((i) => (i === 1 ? [] : [i, null, i * 2]))],
    ['obj', new A.Struct([field('a', new A.Int32()), field('b', new A.Utf8())]), withNulls((i) => ({ a: i === 3 ? null : i, b: `b${i}` }))],
    ['nothing', new A.Null(), Array.from({ length: N }, () => null)],
  ];
  const columns = cols.map(([, type, values]) => {
    const b = A.makeBuilder({ type, nullValues: [null, undefined] });
    for (const v of values) b.append(v as never);
    return b.finish().flush();
  });
  const schema = new A.Schema(cols.map(([name, type]) => field(name, type)), new Map([['owner', 'armillaria-tests']]));
  const data = A.makeData({ type: new A.Struct(schema.fields), length: N, nullCount: 0, children: columns });
  return new A.Table(schema, [new A.RecordBatch(schema, data)]);
}

/** Rows 0..n-1 in batches of `per` rows, with a key, a float and a (dictionary) string column. */
function keyed(A: Arrow, n: number, per = n): own.Table {
  const ids = Array.from({ length: n }, (_, i) => i);
  const whole = A.tableFromArrays({ id: Int32Array.from(ids), v: Float64Array.from(ids, (i) => i / 4), s: ids.map((i) => `row ${i}`) });
  const batch = whole.batches[0]!;
  return new A.Table(whole.schema, ids.filter((i) => i % per === 0).map((at) => batch.slice(at, Math.min(at + per, n))));
}

const chunkIds = async (store: Store, name: string) => (await manifestOf(store, name)).chunks.map((c) => c.id);

async function* asyncOf<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const x of items) yield x;
}

describe('copies of apache-arrow', () => {
  it('are really distinct module instances', () => {
    expect(cjs21.Table).not.toBe(own.Table);
    expect((arrow20 as unknown as Arrow).Table).not.toBe(own.Table);
    // apache-arrow 21.2's own instanceof answers true for another copy's table (a Symbol.for brand),
    // which is why core checks the prototype chain.
    expect(new cjs21.Table() instanceof own.Table).toBe(true);
    expect(Function.prototype[Symbol.hasInstance].call(own.Table, new cjs21.Table())).toBe(false);
  });
});

describe.each(COPIES)('Arrow from %s', (_name, A) => {
  it('writes a Table exactly as core writes the same table of its own copy', async () => {
    await withTempStore(async (store) => {
      const foreign = allTypes(A);
      expect(Function.prototype[Symbol.hasInstance].call(own.Table, foreign)).toBe(false);
      await store.write('own', allTypes(own));
      await store.write('foreign', foreign);
      expect(await chunkIds(store, 'foreign')).toEqual(await chunkIds(store, 'own'));
      expect((await store.describe('foreign')).schema.fields.map(String)).toEqual((await store.describe('own')).schema.fields.map(String));
      const back = await store.read('foreign');
      expect(back).toEqualTable(await store.read('own'));
      expect(back.schema.metadata.get('owner')).toBe('armillaria-tests');
      expect(String(back.schema.fields.find((f) => f.name === 'ts_us_tz')!.type)).toBe('Timestamp<MICROSECOND, Europe/Paris>');
    });
  });

  it('writes a RecordBatch, a reader, an (async) iterable of batches and IPC bytes', async () => {
    await withTempStore(async (store) => {
      const t = keyed(A, 1000, 300); // 4 batches
      const single = keyed(A, 1000);
      await store.write('own', keyed(own, 1000), { chunkRows: 256 });
      const want = await chunkIds(store, 'own');
      const stream = A.tableToIPC(t, 'stream');
      const file = A.tableToIPC(t, 'file');
      const inputs: [string, unknown][] = [
        ['RecordBatch', single.batches[0]],
        ['RecordBatchReader', A.RecordBatchReader.from(stream)],
        ['async RecordBatchReader', await A.RecordBatchReader.from(asyncOf([stream.subarray(0, 1000), stream.subarray(1000)]))],
        ['array of batches', t.batches],
        ['async iterable of batches', asyncOf(t.batches)],
        ['{ schema, batches }', { schema: t.schema, batches: asyncOf(t.batches) }],
        ['IPC stream bytes', stream],
        ['IPC file bytes', file],
        ['IPC file bytes as an ArrayBuffer', file.slice().buffer],
        ['a Node stream of IPC bytes', Readable.from([Buffer.from(stream.subarray(0, 77)), Buffer.from(stream.subarray(77))])],
      ];
      for (const [what, input] of inputs) {
        await store.write('x', input as never, { chunkRows: 256 });
        expect(await chunkIds(store, 'x'), what).toEqual(want);
        expect(await store.read('x'), what).toEqualTable(await store.read('own'));
      }
    });
  });

  it('appends, updates and adds columns with its tables', async () => {
    await withTempStore(async (store) => {
      for (const [name, X] of [['own', own], ['foreign', A]] as const) {
        await store.write(name, keyed(own, 500), { chunkRows: 100, keys: ['id'] });
        await store.write(name, new X.Table(keyed(X, 600).batches.map((b) => b.slice(500))), { mode: 'append' });
        await store.transaction(async (tx) => {
          await tx.update(name, X.tableFromArrays({ id: Int32Array.from([3, 550]), s: ['three', 'five fifty'] }));
          await tx.addColumns(name, X.tableFromArrays({ w: Float64Array.from({ length: 600 }, (_, i) => -i) }));
        });
      }
      const back = await store.read('foreign');
      expect(back).toEqualTable(await store.read('own'));
      expect(back.numRows).toBe(600);
      expect(back.get(550)!.toJSON()).toMatchObject({ id: 550, s: 'five fifty', w: -550 });
      expect(await chunkIds(store, 'foreign')).toEqual(await chunkIds(store, 'own'));
    });
  });

  it('converts without copying buffers, keeping one dictionary shared by its batches', () => {
    const t = allTypes(A);
    const twice = new A.Table([t.batches[0]!, t.batches[0]!.slice(1)]);
    const converted = new ArrowConverter().table(twice);
    expect(Function.prototype[Symbol.hasInstance].call(own.Table, converted)).toBe(true);
    const i = t.schema.fields.findIndex((f) => f.name === 's');
    expect(converted.batches[0]!.data.children[i]!.values).toBe(t.batches[0]!.data.children[i]!.values);
    const d = t.schema.fields.findIndex((f) => f.name === 'dict');
    const [a, b] = converted.batches.map((x) => x.data.children[d]!.dictionary);
    expect(a).toBeDefined();
    expect(a).toBe(b);
  });
});

describe('toSource', () => {
  it('passes core\'s own tables through untouched', async () => {
    const t = keyed(own, 10);
    expect((await toSource(t)).table).toBe(t);
    expect((await toSource(t)).batches).toBe(t.batches);
  });
});

describe('input that is not Arrow', () => {
  const cases: [string, unknown, string | RegExp][] = [
    ['a plain object', { rows: [1], columns: ['a'] }, '(got Object { rows, columns })'],
    ['a string', 'events.parquet', '(got string)'],
    ['a promise', Promise.resolve(1), '(got Promise)'],
    ['bytes that are not IPC', new TextEncoder().encode('id,name\n1,x\n'), /^table: data is 12 bytes that are not Arrow IPC \(/],
    ['no bytes', new Uint8Array(0), 'table: data is 0 bytes that are not Arrow IPC (empty)'],
    ['an empty iterable', [], 'table: data is an empty iterable (Array(0)), with no record batch to take the schema from'],
    ['an empty async iterable', asyncOf([]), 'table: data is an empty iterable (AsyncGenerator), with no record batch to take the schema from'],
    ['an iterable of rows', [{ id: 1 }], 'table: data is an iterable whose first item is Object { id }, not an Arrow RecordBatch or IPC bytes'],
    ['{ schema, batches } without a schema', { schema: 'id: int', batches: [] }, 'table: data.schema must be an Arrow Schema (got string)'],
  ];
  it.each(cases)('rejects %s with a typed error naming it, and changes nothing', async (_what, input, message) => {
    await withTempStore(async (store, dir) => {
      await store.write('t', keyed(own, 10));
      const before = await storeDigest(dir);
      const write = store.write('t', input as never);
      await expect(write).rejects.toThrow(InvalidArgumentError);
      await expect(write).rejects.toThrow(message);
      await expect(store.transaction((tx) => tx.update('t', input as never))).rejects.toThrow(InvalidArgumentError);
      expect(await storeDigest(dir)).toBe(before);
    });
  });

  it('names the must-be list for something that is not Arrow', async () => {
    await expect(toSource(42)).rejects.toThrow(
      'table: data must be an Arrow Table, RecordBatch, RecordBatchReader, (async) iterable of RecordBatches, { schema, batches } or IPC bytes (got number)',
    );
  });

  it('reports a stream of IPC bytes that breaks off as a typed error, leaving the branch as it was', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('t', keyed(own, 10));
      const before = await storeDigest(dir, { refsOnly: true });
      const bytes = own.tableToIPC(keyed(own, 1000, 100), 'stream');
      await expect(store.write('t', Readable.from([Buffer.from(bytes.subarray(0, bytes.length - 100))]))).rejects.toThrow(
        /^table: data batch 9: a stream of Arrow IPC bytes failed \(/,
      );
      await expect(store.write('t', bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/^table: data is \d+ bytes that are not Arrow IPC \(/);
      expect(await storeDigest(dir, { refsOnly: true })).toBe(before);
    });
  });
});
