/** Test helpers: temp directories and small tables with every kind the checksum supports. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  Bool,
  Float64,
  Int32,
  Int64,
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
