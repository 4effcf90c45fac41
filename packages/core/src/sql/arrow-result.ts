/**
 * DuckDB results as Arrow: the result's types map to Arrow types the way DuckDB's own Arrow export
 * maps them (HUGEINT and every DECIMAL become Decimal128, TIMESTAMP WITH TIME ZONE a UTC timestamp),
 * and its data chunks (2,048 rows each) gather into record batches of up to `BATCH_ROWS` rows.
 * Fixed-width columns are copied from DuckDB's vectors as bytes (their validity masks are Arrow's
 * bitmaps already); strings and blobs go value by value, as the binding offers them.
 */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk, DuckDBResult, DuckDBType } from '@duckdb/node-api';
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Time,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';

import { SqlError } from '../errors.js';

/** Rows per record batch of a result (DuckDB hands them over 2,048 at a time). */
export const BATCH_ROWS = 65_536;

// DuckDB type ids (DuckDBTypeId in @duckdb/node-api), named here to keep the table below readable.
const T = { BOOLEAN: 1, TINYINT: 2, SMALLINT: 3, INTEGER: 4, BIGINT: 5, UTINYINT: 6, USMALLINT: 7, UINTEGER: 8, UBIGINT: 9, FLOAT: 10, DOUBLE: 11, TIMESTAMP: 12, DATE: 13, TIME: 14, HUGEINT: 16, VARCHAR: 17, BLOB: 18, DECIMAL: 19, TIMESTAMP_S: 20, TIMESTAMP_MS: 21, TIMESTAMP_NS: 22, ENUM: 23, UUID: 27, TIMESTAMP_TZ: 31 } as const;

/** How one result column becomes Arrow: its type, and the byte width DuckDB stores it in (0: by value). */
interface ColumnPlan {
  type: DataType;
  width: number;
}

function plan(name: string, t: DuckDBType): ColumnPlan {
  switch (t.typeId as number) {
    case T.BOOLEAN: return { type: new Bool(), width: 1 };
    case T.TINYINT: return { type: new Int8(), width: 1 };
    case T.SMALLINT: return { type: new Int16(), width: 2 };
    case T.INTEGER: return { type: new Int32(), width: 4 };
    case T.BIGINT: return { type: new Int64(), width: 8 };
    case T.UTINYINT: return { type: new Uint8(), width: 1 };
    case T.USMALLINT: return { type: new Uint16(), width: 2 };
    case T.UINTEGER: return { type: new Uint32(), width: 4 };
    case T.UBIGINT: return { type: new Uint64(), width: 8 };
    case T.FLOAT: return { type: new Float32(), width: 4 };
    case T.DOUBLE: return { type: new Float64(), width: 8 };
    case T.DATE: return { type: new DateDay(), width: 4 };
    case T.TIME: return { type: new Time(TimeUnit.MICROSECOND, 64), width: 8 };
    case T.TIMESTAMP: return { type: new Timestamp(TimeUnit.MICROSECOND), width: 8 };
    case T.TIMESTAMP_S: return { type: new Timestamp(TimeUnit.SECOND), width: 8 };
    case T.TIMESTAMP_MS: return { type: new Timestamp(TimeUnit.MILLISECOND), width: 8 };
    case T.TIMESTAMP_NS: return { type: new Timestamp(TimeUnit.NANOSECOND), width: 8 };
    case T.TIMESTAMP_TZ: return { type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), width: 8 };
    case T.HUGEINT: return { type: new Decimal(0, 38, 128), width: 16 };
    case T.DECIMAL: {
      const { width, scale } = t as unknown as { width: number; scale: number };
      return { type: new Decimal(scale, width, 128), width: width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16 };
    }
    case T.VARCHAR: case T.ENUM: case T.UUID: return { type: new Utf8(), width: 0 };
    case T.BLOB: return { type: new Binary(), width: 0 };
    default:
      throw new SqlError(`sql: result column "${name}" has type ${t.toString()}, which results cannot carry yet: CAST it (for example to VARCHAR)`);
  }
}

/** The Arrow schema of a DuckDB result. */
export function resultSchema(result: DuckDBResult): { schema: Schema; plans: ColumnPlan[] } {
  const names = result.columnNames();
  const plans = result.columnTypes().map((t, i) => plan(names[i]!, t));
  return { schema: new Schema(plans.map((p, i) => new Field(names[i]!, p.type, true))), plans };
}

/** The result's rows as record batches of up to BATCH_ROWS rows; at least one batch, maybe empty. */
export async function* resultBatches(result: DuckDBResult, schema: Schema, plans: ColumnPlan[]): AsyncGenerator<RecordBatch> {
  let pending: DuckDBDataChunk[] = [];
  let rows = 0;
  let yielded = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    const done = !chunk || chunk.rowCount === 0; // the end is an empty chunk (or none)
    if (!done) {
      pending.push(chunk);
      rows += chunk.rowCount;
    }
    if ((done && (rows > 0 || !yielded)) || rows >= BATCH_ROWS) {
      yield toBatch(pending, rows, schema, plans);
      yielded = true;
      pending = [];
      rows = 0;
    }
    if (done) return;
  }
}

function toBatch(chunks: DuckDBDataChunk[], rows: number, schema: Schema, plans: ColumnPlan[]): RecordBatch {
  const children = plans.map((p, c) => columnData(chunks, rows, c, p));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

function columnData(chunks: DuckDBDataChunk[], rows: number, column: number, { type, width }: ColumnPlan): Data {
  if (width === 0) {
    const values: unknown[] = [];
    for (const chunk of chunks) {
      for (const v of chunk.getColumnValues(column)) values.push(v === null ? null : type instanceof Binary ? (v as { bytes: Uint8Array }).bytes : String(v));
    }
    return vectorFromArray(values, type).data[0]!;
  }
  const bytes = new Uint8Array(rows * width);
  const valid = new Uint8Array(rows); // one byte per row, packed below
  let nulls = 0;
  let at = 0;
  for (const chunk of chunks) {
    const n = chunk.rowCount;
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
    bytes.set(duckdb.vector_get_data(vector, n * width), at * width);
    const mask = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
    for (let r = 0; r < n; r++) {
      const ok = !mask || (mask[r >> 3]! >> (r & 7)) & 1;
      valid[at + r] = ok ? 1 : 0;
      if (!ok) nulls++;
    }
    at += n;
  }
  const nullBitmap = nulls > 0 ? packBits(valid) : undefined;
  if (type instanceof Bool) return makeData({ type, length: rows, nullCount: nulls, nullBitmap, data: packBits(bytes) });
  if (type instanceof Decimal) return makeData({ type, length: rows, nullCount: nulls, nullBitmap, data: widenTo128(bytes, width, rows) });
  const ArrayType = (type as DataType & { ArrayType: TypedArrayConstructor }).ArrayType;
  return makeData({ type: type as never, length: rows, nullCount: nulls, nullBitmap, data: new ArrayType(bytes.buffer, 0, (rows * width) / ArrayType.BYTES_PER_ELEMENT) as never });
}

type TypedArrayConstructor = { new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

/** Bytes of 0/1 packed into an LSB-first bitmap. */
function packBits(flags: Uint8Array): Uint8Array {
  const out = new Uint8Array((flags.length + 7) >> 3);
  for (let i = 0; i < flags.length; i++) if (flags[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Little-endian two's-complement integers of `width` bytes as 128-bit ones (Arrow's Decimal128 words). */
function widenTo128(bytes: Uint8Array, width: number, rows: number): Uint32Array {
  if (width === 16) return new Uint32Array(bytes.buffer, 0, rows * 4);
  const out = new BigInt64Array(rows * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < rows; i++) {
    const v = width === 2 ? BigInt(view.getInt16(i * 2, true)) : width === 4 ? BigInt(view.getInt32(i * 4, true)) : view.getBigInt64(i * 8, true);
    out[2 * i] = v;
    out[2 * i + 1] = v < 0n ? -1n : 0n;
  }
  return new Uint32Array(out.buffer);
}
