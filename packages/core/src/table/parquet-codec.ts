/**
 * Arrow <-> Parquet for one chunk, in WebAssembly (parquet-wasm, which is arrow-rs parquet 59.3
 * compiled to wasm). The native addon pins the same parquet crate and the same writer settings, so
 * both produce byte-identical chunks and hence identical ids.
 *
 * Writer settings, tuned on this machine (defaults were 2-7x slower):
 * - dictionary encoding on, except for floating-point columns (random floats never repeat; trying a
 *   dictionary first costs encode time for nothing) and for columns whose chunk starts with 1024
 *   distinct values (dictionary-policy.ts);
 * - dictionary page size limit 64 KiB (default 1 MiB): a high-cardinality column gives up on its
 *   dictionary after 64 KiB instead of 1 MiB. Measured on 1M rows {id int64 unique, value float64},
 *   131072-row chunks, snappy: encode 45 ms and 12.1 MB, against 227 ms and 14.1 MB with the default
 *   limit; low-cardinality columns keep their dictionary;
 * - format version 2 (data pages v2). Two things follow, both measured on the seed datasets (1M rows,
 *   131072-row chunks, snappy; native writeTable/readTable side by side in one process):
 *   - a column whose dictionary gives up falls back to delta encodings (DELTA_BINARY_PACKED for
 *     integers, DELTA_BYTE_ARRAY for strings) instead of PLAIN: ids and timestamps shrink to a few
 *     bits per row, and `user_<i>` names to their changing suffix;
 *   - a page that the codec does not shrink is stored uncompressed (v2 pages flag compression per
 *     page), so random floats are not run through snappy again on every read.
 *   Stored bytes: narrow 12.1 -> 8.4 MB, wide 22.5 -> 10.8 MB; native write narrow 24.7 -> 21.5 ms,
 *   wide 85.8 -> 68.7 ms; native read narrow 14.5 -> 10.7 ms, wide 61.2 -> 57.7 ms. DuckDB, pyarrow
 *   and Polars read v2 pages and delta encodings;
 * - one row group per chunk (max row group size = chunk rows), chunk-level statistics;
 * - `created_by` fixed to "armillaria" so ids do not depend on a library's version string.
 * Reads decode each chunk as one record batch (batch size = chunk rows).
 */
import { RecordBatch, Struct, Table, Type, type DataType } from 'apache-arrow';
import { parseData } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm/node';

import { ErrorCode, InvalidArgumentError, WrappedError } from '../errors.js';
import { ScratchBuffer } from '../scratch-buffer.js';
import { schemaFromIpc, tableFromIpcBytes, tableToIpcPieces } from './arrow-ipc.js';
import { columnsWithoutDictionary } from './dictionary-policy.js';

export const CODECS = ['uncompressed', 'snappy', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

const WASM_CODEC: Record<Codec, pw.Compression> = {
  uncompressed: pw.Compression.UNCOMPRESSED,
  snappy: pw.Compression.SNAPPY,
  zstd: pw.Compression.ZSTD,
};

/** parquet-wasm's enum value for a codec (exports of whole tables use it too). */
export function wasmCompression(codec: Codec): pw.Compression {
  return WASM_CODEC[codec];
}

export const CREATED_BY = 'armillaria';
export const DICTIONARY_PAGE_LIMIT = 64 * 1024;

export function parseCodec(value: string): Codec {
  if ((CODECS as readonly string[]).includes(value)) return value as Codec;
  throw new InvalidArgumentError(`table: invalid codec ${JSON.stringify(value)}: expected one of ${CODECS.join(', ')}`);
}

function writerProperties(slice: Table, codec: Codec, chunkRows: number): pw.WriterProperties {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(wasmCompression(codec))
    .setWriterVersion(pw.WriterVersion.V2)
    .setDictionaryEnabled(true)
    .setDictionaryPageSizeLimit(DICTIONARY_PAGE_LIMIT)
    .setMaxRowGroupSize(chunkRows)
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk)
    .setCreatedBy(CREATED_BY);
  for (const name of columnsWithoutDictionary(slice)) b = b.setColumnDictionaryEnabled(name, false);
  return b.build();
}

// The IPC stream of the chunk being encoded. It is joined and handed to wasm (which copies it) in one
// synchronous step, so concurrent encodes never see each other's bytes.
const ipcScratch = new ScratchBuffer();

/** Encodes one chunk (its record batches as given) into a Parquet file. */
export async function encodeChunk(slice: Table, codec: Codec, chunkRows: number): Promise<Uint8Array> {
  try {
    const pieces = await tableToIpcPieces(slice);
    const wasmTable = pw.Table.fromIPCStream(ipcScratch.join(pieces));
    return pw.writeParquet(wasmTable, writerProperties(slice, codec, chunkRows));
  } catch (e) {
    throw new WrappedError(ErrorCode.Parquet, `parquet: encode failed: ${messageOf(e)}`, { cause: e });
  }
}

/**
 * Decodes one Parquet chunk to Arrow, as a single record batch of `rows` rows.
 *
 * The decoded columns are copied straight out of wasm memory through the Arrow C data interface
 * (arrow-js-ffi) rather than serialised to an IPC stream, copied out and parsed back. 1M rows in 8
 * chunks, medians of 31 with the two paths interleaved: seed-narrow 14.8 -> 13.9 ms (10.4 -> 9.1 in a
 * second run), seed-wide 64.4 -> 57.5 ms. Either way most of the time is the first touch of 16 or
 * 44 MB of fresh result memory (readParquet alone: 3.4 ms of the narrow 13.9). The types
 * come from the chunk's own Arrow schema (a few hundred bytes of IPC), not from arrow-js-ffi's schema
 * parser, which mistypes dictionaries; a schema with a type arrow-js-ffi does not copy exactly takes
 * the IPC path.
 */
export function decodeChunk(bytes: Uint8Array, rows: number, columns?: readonly string[]): Table {
  try {
    const decoded = pw.readParquet(bytes, {
      batchSize: Math.max(rows, 1),
      ...(columns ? { columns: [...columns] } : {}),
    });
    const schema = schemaFromIpc(decoded.schema.intoIPCStream());
    // Both calls below consume `decoded`.
    if (!schema.fields.every((f) => copiesExactly(f.type))) return tableFromIpcBytes(decoded.intoIPCStream());
    const ffi = decoded.intoFFI();
    try {
      const struct = new Struct(schema.fields);
      // Fetched after the decode, which may have grown the memory (and so replaced its buffer).
      const memory = pw.wasmMemory().buffer;
      return new Table(schema, [...ffi.arrayAddrs()].map((addr) => new RecordBatch(schema, parseData(memory, addr, struct, true))));
    } finally {
      ffi.free();
    }
  } catch (e) {
    throw new WrappedError(ErrorCode.Parquet, `parquet: decode failed: ${messageOf(e)}`, { cause: e });
  }
}

/**
 * Types arrow-js-ffi 0.4 copies into exactly the arrow-js type asked for. Left out: LargeUtf8 and
 * LargeBinary (it narrows their offsets to 32 bits under a Utf8 / Binary type, so arrow-js later
 * writes a LargeBinary column with 4-byte offsets that arrow-rs rejects), maps and intervals
 * (untested there), unions and views (Parquet never decodes to them).
 */
function copiesExactly(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Null: case Type.Int: case Type.Float: case Type.Bool: case Type.Decimal:
    case Type.Date: case Type.Time: case Type.Timestamp: case Type.Duration:
    case Type.Utf8: case Type.Binary: case Type.FixedSizeBinary:
      return true;
    case Type.List: case Type.FixedSizeList: case Type.Struct:
      return type.children.every((f) => copiesExactly(f.type));
    default:
      return false;
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
