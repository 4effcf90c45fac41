/** Test helpers: temp directories, the venv's Python, and small tables with every kind the checksum supports. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ensureVenv } from '@armillaria/testkit';
import {
  Binary,
  Bool,
  Decimal,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float64,
  Int32,
  Int64,
  List,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';

export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(os.tmpdir(), 'armillaria-bench-test-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `withTempDir`, with the dataset payloads (`ARMILLARIA_DATASETS_DIR`) in `<dir>/data` meanwhile. */
export async function withDatasetsDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  return withTempDir(async (dir) => {
    const prev = process.env.ARMILLARIA_DATASETS_DIR;
    process.env.ARMILLARIA_DATASETS_DIR = join(dir, 'data');
    try {
      return await fn(dir);
    } finally {
      if (prev === undefined) delete process.env.ARMILLARIA_DATASETS_DIR;
      else process.env.ARMILLARIA_DATASETS_DIR = prev;
    }
  });
}

/** A small table with nulls in ints, strings and bools, a timestamp, floats with -0 and NaN-free values. */
export function mixedTable(n = 1000, opts: { timestampUnit?: 'ms' | 'us' } = {}): Table {
  const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
  const ints = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : i * 3 - 500));
  const strs = Array.from({ length: n }, (_, i) => (i % 11 === 5 ? null : i % 13 === 0 ? '' : `s${i}-é`));
  const flags = Array.from({ length: n }, (_, i) => (i % 17 === 1 ? null : i % 2 === 0));
  const floats = Float64Array.from({ length: n }, (_, i) => (i === 2 ? -0 : i / 7));
  const msValues = BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000n + BigInt(i) * 1000n);
  const ts =
    opts.timestampUnit === 'us'
      ? makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: n, nullCount: 0, data: msValues.map((v) => v * 1000n) }))
      : makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: n, nullCount: 0, data: msValues }));
  return new Table({
    id: makeVector(makeData({ type: new Int64(), length: n, nullCount: 0, data: ids })),
    i32: vectorFromArray(ints, new Int32()),
    s: vectorFromArray(strs, new Utf8()),
    b: vectorFromArray(flags, new Bool()),
    f: makeVector(makeData({ type: new Float64(), length: n, nullCount: 0, data: floats })),
    ts,
  });
}

/**
 * Byte kinds of the checksum: variable and fixed-size binary with nulls and empty values, and
 * decimal128(12, 2) with nulls and negative values (its unscaled values in 4 little-endian words).
 */
export function bytesTable(n = 1000): Table {
  const blobs = Array.from({ length: n }, (_, i) => (i % 9 === 4 ? null : Uint8Array.from({ length: i % 5 }, (_, k) => (i + k) & 0xff)));
  const fixed = Array.from({ length: n }, (_, i) => (i % 10 === 7 ? null : Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0xab, i % 3)));
  const words = new Uint32Array(4 * n);
  const valid = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    const unscaled = BigInt.asUintN(128, BigInt(i % 2 ? -i * 12_345 : i * 98_765));
    for (let w = 0; w < 4; w++) words[4 * i + w] = Number((unscaled >> BigInt(32 * w)) & 0xffffffffn);
    if (i % 8 !== 6) valid[i >> 3]! |= 1 << (i & 7);
  }
  const nulls = Array.from({ length: n }, (_, i) => i % 8 === 6).filter(Boolean).length;
  return new Table({
    id: makeVector(makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) })),
    blob: vectorFromArray(blobs, new Binary()),
    fixed: vectorFromArray(fixed, new FixedSizeBinary(4)),
    price: makeVector(makeData({ type: new Decimal(2, 12, 128), length: n, nullCount: nulls, nullBitmap: valid, data: words })),
  });
}

/**
 * Nested kinds of the checksum: a list of nullable ints with null and empty lists, a fixed-size list
 * of floats, a struct {n int64, s utf8} with null rows and null fields, and a list of structs.
 */
export function nestedTable(n = 1000): Table {
  const ints = Array.from({ length: n }, (_, i) => (i % 9 === 2 ? null : Array.from({ length: i % 4 }, (_, k) => (k === 1 && i % 5 === 0 ? null : i * 10 + k))));
  const pairs = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : [i / 3, -i]));
  const structs = Array.from({ length: n }, (_, i) => (i % 6 === 1 ? null : { n: BigInt(i * 7), s: i % 4 === 0 ? null : `v${i}` }));
  const fields = [new Field('n', new Int64(), true), new Field('s', new Utf8(), true)];
  const entries = Array.from({ length: n }, (_, i) => (i % 10 === 9 ? null : Array.from({ length: i % 3 }, (_, k) => ({ n: BigInt(k), s: `e${i}.${k}` }))));
  return new Table({
    id: makeVector(makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) })),
    ints: vectorFromArray(ints, new List(new Field('item', new Int32(), true))),
    pairs: vectorFromArray(pairs, new FixedSizeList(2, new Field('item', new Float64(), false))),
    st: vectorFromArray(structs, new Struct(fields)),
    entries: vectorFromArray(entries, new List(new Field('item', new Struct(fields), true))),
  });
}

/**
 * The venv's interpreter for the Python tests, made on first use; `undefined` (the tests skip, with a
 * warning) when it cannot be made outside CI. Under CI a missing venv fails.
 */
export function venvPythonOrSkip(): string | undefined {
  try {
    return ensureVenv();
  } catch (e) {
    if (process.env.CI) throw e;
    console.warn(`skipping Python tests: ${(e as Error).message}`);
    return undefined;
  }
}
