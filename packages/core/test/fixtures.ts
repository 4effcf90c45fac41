/** Arrow tables covering the types users meet, with nulls everywhere. */
import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, Dictionary, DurationMillisecond, Field, Float16, Float32, Float64, Int16,
  Int32, Int64, Int8, LargeBinary, LargeUtf8, List, Schema, Struct, Table, TimeMicrosecond, TimeSecond, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint16, Uint32, Uint64, Uint8, Utf8, Vector, makeBuilder,
  makeData, makeVector, tableFromArrays, vectorFromArray, type DataType,
} from 'apache-arrow';

function column<T extends DataType>(type: T, values: unknown[]) {
  const b = makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) b.append(v as never);
  return b.finish().toVector();
}

const N = 7; // rows in the all-types table; every column has nulls at rows 2 and 5

function withNulls<T>(f: (i: number) => T): (T | null)[] {
  return Array.from({ length: N }, (_, i) => (i === 2 || i === 5 ? null : f(i)));
}

export function allTypesTable(): Table {
  const cols: [string, DataType, unknown[]][] = [
    ['i8', new Int8(), withNulls((i) => (i % 2 ? -128 : 127))],
    ['i16', new Int16(), withNulls((i) => i * -1000)],
    ['i32', new Int32(), withNulls((i) => i * 100000 - 2147483648 * (i % 2))],
    ['i64', new Int64(), withNulls((i) => BigInt(i) * 1234567890123n - 9007199254740993n)],
    ['u8', new Uint8(), withNulls((i) => 255 - i)],
    ['u16', new Uint16(), withNulls((i) => 65535 - i)],
    ['u32', new Uint32(), withNulls((i) => 4294967295 - i)],
    ['u64', new Uint64(), withNulls((i) => 18446744073709551615n - BigInt(i))],
    ['f16', new Float16(), withNulls((i) => i / 4)],
    ['f32', new Float32(), withNulls((i) => i * 1.5)],
    ['f64', new Float64(), withNulls((i) => (i === 3 ? NaN : i === 4 ? -Infinity : i * Math.PI))],
    ['flag', new Bool(), withNulls((i) => i % 3 === 0)],
    ['s', new Utf8(), withNulls((i) => ['', 'héllo', 'x', '日本語', '𝄞 clef', 'z', 'a'][i])],
    ['ls', new LargeUtf8(), withNulls((i) => `large-${i}`.repeat(i))],
    ['bin', new Binary(), withNulls((i) => Uint8Array.from({ length: i }, (_, k) => (k * 37 + i) % 256))],
    ['lbin', new LargeBinary(), withNulls((i) => Uint8Array.from({ length: 2 * i }, (_, k) => 255 - ((k + i) % 256)))],
    ['dict', new Dictionary(new Utf8(), new Int32()), withNulls((i) => ['red', 'green', 'blue'][i % 3])],
    ['ts_ms', new TimestampMillisecond(), withNulls((i) => 1_700_000_000_000 + i)],
    ['ts_us_tz', new TimestampMicrosecond('Europe/Paris'), withNulls((i) => 1_700_000_000_000 + i * 1000)],
    ['ts_ns_utc', new TimestampNanosecond('UTC'), withNulls((i) => 1_700_000_000_000 + i)],
    ['d32', new DateDay(), withNulls((i) => new Date(Date.UTC(2024, 0, 1 + i)))],
    ['d64', new DateMillisecond(), withNulls((i) => new Date(Date.UTC(1969, 11, 31, 0, 0, i)))],
    ['dec', new Decimal(2, 12, 128), withNulls((i) => new Uint32Array([i * 12345, 0, 0, 0]))],
    ['list', new List(new Field('item', new Int32(), true)), withNulls((i) => (i === 1 ? [] : [i, null, i * 2]))],
    [
      'obj',
      new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
      withNulls((i) => ({ a: i === 3 ? null : i, b: `b${i}` })),
    ],
  ];
  const fields = cols.map(([name, type]) => new Field(name, type, true));
  const vectors = Object.fromEntries(cols.map(([name, type, values]) => [name, column(type, values)]));
  const t = new Table(vectors);
  const metadata = new Map([['owner', 'armillaria-tests'], ['purpose', 'round trip']]);
  return new Table(new Schema(fields, metadata), t.batches);
}

/**
 * Columns whose statistics are easy to get wrong (8 rows, nulls at rows 2 and 5): NaN beside numbers,
 * only NaN, signed zeros, infinities, strings longer than the 64 bytes Parquet statistics keep,
 * integer-like types stored as raw integers (seconds, times, durations), and an all-null column.
 */
export function statsEdgeTable(): Table {
  const rows = 8;
  const nullsAt = (f: (i: number) => unknown) => Array.from({ length: rows }, (_, i) => (i === 2 || i === 5 ? null : f(i)));
  const cols: [string, DataType, unknown[]][] = [
    ['nan_mixed', new Float64(), nullsAt((i) => (i % 3 === 0 ? NaN : i - 4))],
    ['nan_only', new Float64(), nullsAt(() => NaN)],
    ['zeros', new Float64(), nullsAt((i) => (i % 2 ? 0 : -0))],
    ['infinite', new Float32(), nullsAt((i) => (i === 0 ? Infinity : i === 7 ? -Infinity : i))],
    ['long_text', new Utf8(), nullsAt((i) => `${'é'.repeat(40)}${7 - i}`)],
    ['ts_s', new TimestampSecond(), nullsAt((i) => 1_700_000_000_000 - i * 1000)],
    ['time_s', new TimeSecond(), nullsAt((i) => (7 - i) * 60)],
    ['time_us', new TimeMicrosecond(), nullsAt((i) => BigInt(i) * 60_000_000n)],
    ['duration', new DurationMillisecond(), nullsAt((i) => BigInt(i) * 1000n - 3000n)],
    ['u64_high', new Uint64(), nullsAt((i) => (i % 2 ? 2n ** 63n + BigInt(i) : BigInt(i)))],
    ['all_null', new Int32(), Array(rows).fill(null)],
  ];
  return new Table(Object.fromEntries(cols.map(([name, type, values]) => [name, column(type, values)])));
}

/** `{ id int64 0..n-1, value float64 }`, deterministic. */
export function narrowTable(n: number, seed = 1): Table {
  const ids = new BigInt64Array(n);
  const values = new Float64Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(i);
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    values[i] = x / 0x100000000;
  }
  return tableFromArrays({ id: ids, value: values });
}

/** The rows of `t` in batches of `rows` rows (the last may be shorter), as a source arrives from a file. */
export function rebatched(t: Table, rows: number): Table {
  const batches = [];
  for (let at = 0; at < t.numRows; at += rows) batches.push(...t.slice(at, Math.min(at + rows, t.numRows)).batches);
  return new Table(t.schema, batches);
}

/**
 * One column per case of the dictionary policy (src/table/dictionary-policy.ts), in `pieces` record
 * batches. Expected without a dictionary in every chunk of 1024+ rows: `f64`, `unique_i64`,
 * `cycle_i32` (repeats only after row 1500), `unique_u64`, `ts_ns` (rows 1 ns apart: equal in ms),
 * `d32`, `d64`, `names`, `large_names`.
 */
export function dictionaryPolicyTable(n: number, pieces = 1): Table {
  const cols: [string, DataType, (i: number) => unknown][] = [
    ['f64', new Float64(), (i) => i / 3],
    ['unique_i64', new Int64(), (i) => BigInt(i) * 7919n - 5n],
    ['repeat_i32', new Int32(), (i) => i % 1000],
    ['cycle_i32', new Int32(), (i) => i % 1500],
    ['unique_u64', new Uint64(), (i) => 18446744073709551615n - BigInt(i)],
    ['i8', new Int8(), (i) => (i % 256) - 128],
    ['ts_ns', new TimestampNanosecond('UTC'), (i) => 1_700_000_000_000_000_000n + BigInt(i)],
    ['d32', new DateDay(), (i) => new Date(Date.UTC(2000, 0, 1 + i))],
    ['d64', new DateMillisecond(), (i) => new Date(Date.UTC(2000, 0, 1, 0, 0, 0, i))],
    ['names', new Utf8(), (i) => `user_${i}`],
    ['tags', new Utf8(), (i) => ['a', 'b', 'c'][i % 3]],
    ['large_names', new LargeUtf8(), (i) => `名前-${i}`],
    ['nullable_i64', new Int64(), (i) => (i === 7 ? null : BigInt(i))],
  ];
  const batches = Array.from({ length: pieces }, (_, p) => {
    const [from, to] = [Math.floor((n * p) / pieces), Math.floor((n * (p + 1)) / pieces)];
    const rows = Array.from({ length: to - from }, (_, k) => from + k);
    // Nanoseconds 1 apart are built from raw int64s: the builder would take them as float milliseconds.
    const vector = (type: DataType, f: (i: number) => unknown) =>
      type instanceof TimestampNanosecond ? makeVector(makeData({ type, length: rows.length, data: BigInt64Array.from(rows, (i) => f(i) as bigint) })) : column(type, rows.map(f));
    return new Table(Object.fromEntries(cols.map(([name, type, f]) => [name, vector(type, f)]))).batches;
  });
  return new Table(batches.flat());
}

/** Rows as plain values (nested lists and structs too), for comparing tables built differently. */
export function rowsOf(t: Table): Record<string, unknown>[] {
  return [...t].map((row) => plain(row) as Record<string, unknown>);
}

function plain(v: unknown): unknown {
  if (v instanceof Vector) return [...v].map(plain);
  if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries((v as { toJSON(): object }).toJSON()).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/**
 * The all-types table keyed by `k` (0..6), an update of rows 2..6 taking the values of rows 1..5
 * (so nulls move in both directions: 2 null -> value, 3 value -> null), and the rows expected after it.
 */
export function allTypesUpdate(): { table: Table; updates: Table; expected: Record<string, unknown>[] } {
  const keyed = (t: Table, keys: number[]) =>
    new Table({ k: vectorFromArray(Int32Array.from(keys)), ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])) });
  const base = allTypesTable();
  const table = keyed(base, [0, 1, 2, 3, 4, 5, 6]);
  const updates = keyed(base.slice(1, 6), [2, 3, 4, 5, 6]);
  const before = rowsOf(table);
  const expected = before.map((row, r) => (r >= 2 ? { ...before[r - 1]!, k: r } : row));
  return { table, updates, expected };
}

/** Two batches of a dictionary column with different dictionaries (arrow-js cannot concatenate them). */
export function twoDictionaries(): Table {
  const type = new Dictionary(new Utf8(), new Int32());
  const part = (values: string[]) => new Table({ s: vectorFromArray(values, type) }).batches;
  return new Table([...part(['a', 'b', 'a']), ...part(['c', 'd', 'd', 'c'])]);
}
