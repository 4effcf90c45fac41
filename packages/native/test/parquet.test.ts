import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { blake3 } from '@napi-rs/blake-hash';
import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, Dictionary, Field, Float16, Float32, Float64, Int8,
  Int16, Int32, Int64, LargeUtf8, List, makeData, makeVector, Null, Struct, Table, tableFromIPC,
  tableToIPC, TimeMillisecond, TimestampMicrosecond, TimestampMillisecond, Uint8, Uint16, Uint32, Uint64,
  Utf8, Vector, vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { loadNative, objectPath, rejection, withTempRoot } from './helpers.js';

type ParquetWasm = typeof import('parquet-wasm');

const native = loadNative();
// parquet-wasm's CJS node build initialises synchronously.
const wasm = createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
const ipc = (table: Table) => Buffer.from(tableToIPC(table, 'stream'));

/** 1..n rows of many types, with nulls in every nullable column. */
function mixedTable(n: number, offset = 0): Table {
  const idx = Array.from({ length: n }, (_, i) => i + offset);
  const maybe = <T>(i: number, v: T) => (i % 7 === 3 ? null : v);
  const decimalWords = new Uint32Array(n * 4);
  idx.forEach((v, i) => (decimalWords[i * 4] = v * 100 + 25));
  return new Table({
    i8: vectorFromArray(idx.map((i) => maybe(i, (i % 200) - 100)), new Int8()),
    i16: vectorFromArray(idx.map((i) => maybe(i, i - 30000)), new Int16()),
    i32: vectorFromArray(idx.map((i) => maybe(i, i * 1000 - 5)), new Int32()),
    i64: vectorFromArray(idx.map((i) => maybe(i, BigInt(i) * 10_000_000_000n - 1n)), new Int64()),
    u8: vectorFromArray(idx.map((i) => maybe(i, i % 256)), new Uint8()),
    u16: vectorFromArray(idx.map((i) => maybe(i, i % 65536)), new Uint16()),
    u32: vectorFromArray(idx.map((i) => maybe(i, 4_000_000_000 + i)), new Uint32()),
    u64: vectorFromArray(idx.map((i) => maybe(i, 18_000_000_000_000_000_000n + BigInt(i))), new Uint64()),
    f16: vectorFromArray(idx.map((i) => maybe(i, i / 4)), new Float16()),
    f32: vectorFromArray(idx.map((i) => maybe(i, i * 0.5)), new Float32()),
    f64: vectorFromArray(idx.map((i) => maybe(i, i % 11 === 0 ? Number.NaN : Math.sin(i))), new Float64()),
    bool: vectorFromArray(idx.map((i) => maybe(i, i % 2 === 0)), new Bool()),
    utf8: vectorFromArray(idx.map((i) => maybe(i, `user_${i} é`)), new Utf8()),
    large: vectorFromArray(idx.map((i) => maybe(i, 'x'.repeat(i % 5))), new LargeUtf8()),
    dict: vectorFromArray(idx.map((i) => maybe(i, ['A', 'B', 'C', 'D'][i % 4]!)), new Dictionary(new Utf8(), new Int32())),
    ts: vectorFromArray(idx.map((i) => maybe(i, 1_700_000_000_000 + i)), new TimestampMillisecond()),
    tsTz: vectorFromArray(idx.map((i) => maybe(i, 1_700_000_000_000 + i)), new TimestampMicrosecond('Europe/Paris')),
    date: vectorFromArray(idx.map((i) => maybe(i, new Date(Date.UTC(2024, 0, 1 + i)))), new DateDay()),
    date64: vectorFromArray(idx.map((i) => maybe(i, new Date(Date.UTC(2020, 1, 1 + i)))), new DateMillisecond()),
    time: vectorFromArray(idx.map((i) => maybe(i, i * 1000)), new TimeMillisecond()),
    dec: makeVector(makeData({ type: new Decimal(2, 12, 128), length: n, data: decimalWords })),
    bin: vectorFromArray(idx.map((i) => maybe(i, new Uint8Array([i % 256, 1, 2]))), new Binary()),
    list: vectorFromArray(idx.map((i) => maybe(i, [i, i + 1])), new List(new Field('item', new Int32(), true))),
    struct: vectorFromArray(
      idx.map((i) => maybe(i, { a: i, b: `s${i}` })),
      new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
    ),
    nothing: vectorFromArray(idx.map(() => null), new Null()),
  });
}

/** Plain JS values of a column, comparable with toEqual (NaN-safe, bigint-safe). */
function columnValues(vector: Vector | null): unknown[] {
  const norm = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
    if (v instanceof Uint8Array || v instanceof Uint32Array) return Array.from(v);
    if (v && typeof v === 'object' && 'toJSON' in v) return norm((v as { toJSON(): unknown }).toJSON());
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
    return v;
  };
  return Array.from(vector ?? [], norm);
}

function expectSameTable(actual: Table, expected: Table) {
  expect(actual.numRows).toBe(expected.numRows);
  expect(actual.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(
    expected.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
  );
  for (const f of expected.schema.fields) {
    expect(columnValues(actual.getChild(f.name)), f.name).toEqual(columnValues(expected.getChild(f.name)));
  }
}

/** Core's parquet-wasm writer settings for the same contract. */
function wasmEncode(slice: Table, chunkRows: number, compression: 'uncompressed' | 'snappy' | 'zstd'): Buffer {
  const codec = { uncompressed: wasm.Compression.UNCOMPRESSED, snappy: wasm.Compression.SNAPPY, zstd: wasm.Compression.ZSTD }[compression];
  let builder = new wasm.WriterPropertiesBuilder().setCompression(codec).setWriterVersion(wasm.WriterVersion.V2).setDictionaryEnabled(true).setDictionaryPageSizeLimit(64 * 1024);
  for (const f of slice.schema.fields) {
    if (f.type instanceof Float16 || f.type instanceof Float32 || f.type instanceof Float64) {
      builder = builder.setColumnDictionaryEnabled(f.name, false);
    }
  }
  builder = builder.setMaxRowGroupSize(chunkRows).setStatisticsEnabled(wasm.EnabledStatistics.Chunk).setCreatedBy('armillaria');
  return Buffer.from(wasm.writeParquet(wasm.Table.fromIPCStream(ipc(slice)), builder.build()));
}

describe('encodeChunks / decodeChunks', () => {
  it('round-trips a table of many types, with nulls, through Parquet', async () => {
    const table = mixedTable(1000);
    const chunks = await native.encodeChunks(ipc(table), { chunkRows: 300, compression: 'snappy' });
    expect(chunks.map((c) => c.rows)).toEqual([300, 300, 300, 100]);
    const back = tableFromIPC(await native.decodeChunks(chunks.map((c) => c.data)));
    expect(back.batches.map((b) => b.numRows)).toEqual([300, 300, 300, 100]);
    expectSameTable(back, table);
  });

  it('projects top-level columns, returned in schema order', async () => {
    const table = mixedTable(50);
    const chunks = await native.encodeChunks(ipc(table), { chunkRows: 20, compression: 'zstd' });
    const back = tableFromIPC(await native.decodeChunks(chunks.map((c) => c.data), { columns: ['struct', 'i64'] }));
    expect(back.schema.fields.map((f) => f.name)).toEqual(['i64', 'struct']);
    expect(columnValues(back.getChild('struct'))).toEqual(columnValues(table.getChild('struct')));
  });

  it('decodes only the selected rows of each chunk', async () => {
    const table = mixedTable(100);
    const chunks = await native.encodeChunks(ipc(table), { chunkRows: 50, compression: 'snappy' });
    const rows = [Uint32Array.of(0, 7, 49), Uint32Array.of(3)];
    const back = tableFromIPC(await native.decodeChunks(chunks.map((c) => c.data), { columns: ['i64'], rows }));
    expect(back.batches.map((b) => b.numRows)).toEqual([3, 1]);
    expect(columnValues(back.getChild('i64'))).toEqual([0, 7, 49, 53].map((r) => columnValues(table.getChild('i64'))[r]));
    const err = await rejection(native.decodeChunks(chunks.map((c) => c.data), { rows: rows.slice(1) }));
    expect(err).toMatchObject({ code: 'ARM_INVALID_ARGUMENT', message: 'decodeChunks: 1 row selections for 2 chunks' });
  });

  it('computes per-chunk stats following the shared rules', async () => {
    const table = mixedTable(14);
    const [chunk] = await native.encodeChunks(ipc(table), { chunkRows: 100, compression: 'uncompressed' });
    const stats = JSON.parse(chunk!.stats);
    expect(Object.keys(stats)).toEqual(table.schema.fields.map((f) => f.name));
    expect(stats.i8).toEqual({ nulls: 2, min: -100, max: -87 });
    expect(stats.i64).toEqual({ nulls: 2, min: '-1', max: '129999999999' });
    expect(stats.u64).toEqual({ nulls: 2, min: '18000000000000000000', max: '18000000000000000013' });
    expect(stats.f64.nulls).toBe(2); // NaN at rows 0 and 11 is ignored, not counted as null
    expect(stats.f64.min).toBe(Math.min(...[1, 2, 4, 5, 6, 7, 8, 9, 12, 13].map(Math.sin)));
    expect(stats.bool).toEqual({ nulls: 2, min: false, max: true });
    expect(stats.utf8).toEqual({ nulls: 2, min: 'user_0 é', max: 'user_9 é' });
    expect(stats.ts).toEqual({ nulls: 2, min: '1700000000000', max: '1700000000013' });
    expect(stats.tsTz).toEqual({ nulls: 2, min: '1700000000000000', max: '1700000000013000' }); // raw microseconds
    expect(stats.date).toEqual({ nulls: 2, min: 19723, max: 19736 });
    expect(stats.time).toEqual({ nulls: 2, min: 0, max: 13000 });
    for (const name of ['bin', 'dict', 'list', 'struct']) expect(stats[name]).toEqual({ nulls: 2 });
    expect(stats.dec).toEqual({ nulls: 0 }); // built without a validity bitmap
    expect(stats.nothing).toEqual({ nulls: 14 });
  });

  it.each(['uncompressed', 'snappy', 'zstd'] as const)(
    'writes Parquet byte-identical to parquet-wasm 0.8.0 with the same settings (%s)',
    async (compression) => {
      const chunkRows = 4000;
      // Several input batches, cut across chunk boundaries, as apache-arrow hands them to core.
      // apache-arrow 21 writes null_count -1 for a *sliced* Null column, which arrow-rs (and so
      // parquet-wasm too) rejects; leave that column out here.
      const whole = mixedTable(9000).select(mixedTable(0).schema.fields.map((f) => f.name).filter((n) => n !== 'nothing'));
      const table = new Table([[0, 3000], [3000, 6500], [6500, 7000], [7000, 9000]].flatMap(([a, b]) => whole.slice(a, b).batches));
      expect(table.batches.length).toBe(4);
      const chunks = await native.encodeChunks(ipc(table), { chunkRows, compression });
      expect(chunks.length).toBe(Math.ceil(table.numRows / chunkRows));
      chunks.forEach((chunk, k) => {
        const slice = table.slice(k * chunkRows, (k + 1) * chunkRows);
        const expected = wasmEncode(slice, chunkRows, compression);
        expect(chunk.data.equals(expected), `chunk ${k}`).toBe(true);
      });
    },
  );

  it('rejects bad input with typed errors', async () => {
    let err = await rejection(native.encodeChunks(Buffer.from('not arrow'), { chunkRows: 10, compression: 'snappy' }));
    expect(err.code).toBe('ARM_ARROW');
    expect(err.message).toMatch(/^arrow: cannot read IPC stream: /);

    err = await rejection(native.encodeChunks(ipc(mixedTable(3)), { chunkRows: 0, compression: 'snappy' }));
    expect([err.code, err.message]).toEqual(['ARM_INVALID_ARGUMENT', 'parquet: chunkRows must be a positive integer, got 0']);

    // @ts-expect-error: an invalid codec name is a runtime error too
    err = await rejection(native.encodeChunks(ipc(mixedTable(3)), { chunkRows: 1, compression: 'gzip' }));
    expect([err.code, err.message]).toEqual([
      'ARM_INVALID_ARGUMENT',
      'parquet: invalid compression "gzip": expected one of uncompressed, snappy, zstd',
    ]);

    err = await rejection(native.decodeChunks([Buffer.from('definitely not parquet')]));
    expect(err.code).toBe('ARM_PARQUET');
    expect(err.message).toMatch(/^parquet: cannot decode chunk 0: /);

    err = await rejection(native.decodeChunks([]));
    expect([err.code, err.message]).toEqual([
      'ARM_INVALID_ARGUMENT',
      'parquet: no chunks to decode (the schema comes from the first chunk)',
    ]);

    const [chunk] = await native.encodeChunks(ipc(mixedTable(3)), { chunkRows: 10, compression: 'snappy' });
    err = await rejection(native.decodeChunks([chunk!.data], { columns: ['i8', 'nope'] }));
    expect(err.code).toBe('ARM_INVALID_ARGUMENT');
    expect(err.message).toMatch(/^parquet: unknown column "nope" \(columns: i8, i16, i32, /);
  });

  it('returns no chunks for an empty table', async () => {
    expect(await native.encodeChunks(ipc(mixedTable(0)), { chunkRows: 10, compression: 'snappy' })).toEqual([]);
  });
});

describe('writeTable / readTable', () => {
  it('stores exactly the chunks encodeChunks produces and reads the table back', async () => {
    await withTempRoot(async (root) => {
      const table = mixedTable(2500);
      const options = { chunkRows: 1000, compression: 'snappy' } as const;
      const stored = await native.writeTable(root, ipc(table), options);
      const encoded = await native.encodeChunks(ipc(table), options);
      expect(stored.map((s) => s.id)).toEqual(encoded.map((e) => blake3(e.data).toString('hex')));
      expect(encoded.map((e) => [e.id, e.sum])).toEqual(stored.map((s) => [s.id, s.sum]));
      // From pieces of the stream, the same chunks (what the phases hand over on object storage).
      const stream = ipc(table);
      const pieces = [5, 999, stream.length].map((end, i, ends) => stream.subarray(i ? ends[i - 1] : 0, end));
      expect((await native.encodeChunks(pieces, options)).map((e) => e.id)).toEqual(encoded.map((e) => e.id));
      expect(stored.map((s) => [s.rows, s.bytes, s.stats])).toEqual(encoded.map((e) => [e.rows, e.data.length, e.stats]));
      expect(stored.every((s) => s.written)).toBe(true);
      for (const [i, s] of stored.entries()) expect(readFileSync(objectPath(root, s.id))).toEqual(encoded[i]!.data);

      const back = tableFromIPC(await native.readTable(root, stored.map((s) => s.id), { verify: true }));
      expectSameTable(back, table);
      const again = await native.writeTable(root, ipc(table), { ...options, fsync: false });
      expect(again.map((s) => s.written)).toEqual([false, false, false]);
    });
  });

  it('takes the stream in pieces, small or over 32 MiB, and stores the same chunks as from one buffer', async () => {
    await withTempRoot(async (root) => {
      const rows = 4_500_000; // 36 MB of int64: as pieces, read in place
      const big = new Table({ n: makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * 3))) });
      for (const [table, chunkRows] of [[mixedTable(2500), 1000], [big, 1_000_000]] as const) {
        const whole = await native.writeTable(root, ipc(table), { chunkRows, compression: 'snappy', fsync: false });
        const stream = ipc(table);
        const pieces = [1, 7, 4096, stream.length].reduce<Buffer[]>((out, end, i, ends) => [...out, stream.subarray(i ? ends[i - 1] : 0, end)], []);
        const fromPieces = await native.writeTable(root, pieces, { chunkRows, compression: 'snappy', fsync: false });
        expect(fromPieces.map((c) => c.id)).toEqual(whole.map((c) => c.id));
      }
      const err = await rejection(native.writeTable(root, [ipc(mixedTable(3)).subarray(0, 50)], { chunkRows: 10, compression: 'snappy' }));
      expect(err.code).toBe('ARM_ARROW');
    });
  });

  it('hands a result over 32 MiB to JS from its own mapping, intact after the read and a gc', async () => {
    await withTempRoot(async (root) => {
      const rows = 4_500_000; // 36 MB of int64
      const table = new Table({ n: makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i * 3))) });
      const stored = await native.writeTable(root, ipc(table), { chunkRows: 1_000_000, compression: 'snappy', fsync: false });
      const bytes = await native.readTable(root, stored.map((s) => s.id));
      (globalThis as { gc?: () => void }).gc?.();
      const back = tableFromIPC(bytes);
      expect(back.numRows).toBe(rows);
      const n = back.getChild('n')!;
      expect([n.get(0), n.get(rows - 1), n.get(2_345_678)]).toEqual([0n, BigInt((rows - 1) * 3), BigInt(2_345_678 * 3)]);
    });
  });

  it('decodes chunks with different dictionaries into one stream', async () => {
    await withTempRoot(async (root) => {
      const dict = new Dictionary(new Utf8(), new Int32());
      const table = new Table({ d: vectorFromArray(['a', 'b', 'a', 'x', 'y', 'z'], dict) });
      const stored = await native.writeTable(root, ipc(table), { chunkRows: 3, compression: 'zstd' });
      const back = tableFromIPC(await native.readTable(root, stored.map((s) => s.id), { columns: ['d'] }));
      expect(Array.from(back.getChild('d')!)).toEqual(['a', 'b', 'a', 'x', 'y', 'z']);
    });
  });

  it('reports missing and corrupt chunks by id', async () => {
    await withTempRoot(async (root) => {
      const stored = await native.writeTable(root, ipc(mixedTable(100)), { chunkRows: 50, compression: 'snappy', fsync: false });
      const ids = stored.map((s) => s.id);
      const missing = '0'.repeat(64);
      let err = await rejection(native.readTable(root, [ids[0]!, missing]));
      expect([err.code, err.message]).toEqual(['ARM_CHUNK_NOT_FOUND', `chunk-store: chunk ${missing} not found`]);

      const bytes = readFileSync(objectPath(root, ids[1]!));
      bytes[40] = bytes[40]! ^ 0x10;
      writeFileSync(objectPath(root, ids[1]!), bytes);
      err = await rejection(native.readTable(root, ids, { verify: true }));
      expect(err.code).toBe('ARM_CORRUPT_CHUNK');
      expect(err.message).toBe(`chunk-store: chunk ${ids[1]} is corrupt (content hashes to ${blake3(bytes).toString('hex')})`);
    });
  });
});
