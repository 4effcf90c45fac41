/** Writes a stream of record batches to a Parquet, CSV or Arrow IPC file, chosen by extension. */
import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';

import { RecordBatch, RecordBatchFileWriter, Table, Type, type DataType, type Schema } from 'apache-arrow';
import { stringify } from 'csv-stringify';
import * as pw from 'parquet-wasm/node';

import { storageError } from '../errors.js';
import { tableToIpcStream } from '../table/arrow-ipc.js';
import { encodeChunk, wasmCompression } from '../table/parquet-codec.js';
import { formatOf } from './formats.js';
import { ParquetReadable } from './parquet-units.js';
import { DictionaryUnifier } from './unify-dictionaries.js';
import { DEFAULT_CODEC } from '../store.js';

/**
 * Writes `batches` (all with `schema`) to `path`. The file appears only when complete: it is written
 * beside the target and renamed at the end.
 * @throws {UnsupportedFormatError} an extension none of the formats has
 * @throws {StorageError} the file cannot be created or written (naming the path)
 */
export async function writeTableFile(path: string, schema: Schema, batches: AsyncIterable<RecordBatch>): Promise<number> {
  const format = formatOf(path);
  const tmp = `${path}.${process.pid}.partial`;
  // Opened before the stream exists, so a path that cannot be written is one typed error (a stream
  // opening it would report it as an 'error' event that could fire before anyone listens).
  const handle = await open(tmp, 'wx').catch((e: unknown) => {
    throw storageError(e, 'create', path);
  });
  const out = handle.createWriteStream();
  out.on('error', () => undefined); // reported through the writes and `finished`, once
  try {
    let rows = 0;
    const counted = (async function* () {
      for await (const b of batches) {
        rows += b.numRows;
        yield b;
      }
    })();
    switch (format) {
      case 'parquet':
        await writeParquet(out, schema, counted);
        break;
      case 'arrow':
        await writeArrow(out, schema, counted);
        break;
      case 'csv':
        await writeCsv(out, schema, counted);
        break;
    }
    out.end();
    await finished(out);
    await rename(tmp, path);
    return rows;
  } catch (e) {
    // Writes may still be in flight: wait for the stream to close (and swallow the error they
    // report) before removing the file, so the failure is the one reported, once.
    out.destroy();
    await finished(out).catch(() => undefined);
    await rm(tmp, { force: true });
    throw storageError(e, 'write', path);
  }
}

async function write(out: Writable, bytes: Uint8Array): Promise<void> {
  if (!out.write(bytes)) await once(out, 'drain');
}

/**
 * Streams batches through parquet-wasm's writer: one row group per input batch. Timestamps and times
 * in seconds are written in milliseconds (parquet-units.ts), which other readers take for times.
 */
async function writeParquet(out: Writable, tableSchema: Schema, batches: AsyncIterable<RecordBatch>): Promise<void> {
  const readable = new ParquetReadable(tableSchema);
  const schema = readable.schema;
  const toWasm = (b: RecordBatch) => toWasmBatch(new RecordBatch(schema, readable.apply(b.data)));
  const it = batches[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) {
    await write(out, await encodeChunk(new Table(schema), DEFAULT_CODEC, 1));
    return;
  }
  const input = new ReadableStream<pw.RecordBatch>({
    start(controller) {
      controller.enqueue(toWasm(first.value));
    },
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(toWasm(next.value));
    },
  });
  // The streaming writer takes its schema from the batches, which carry no schema-level metadata;
  // pass it as key-value metadata, which Arrow readers restore as schema metadata.
  const props = new pw.WriterPropertiesBuilder().setCompression(wasmCompression(DEFAULT_CODEC)).setKeyValueMetadata(schema.metadata).build();
  const bytes = (await pw.transformParquetStream(input, props)) as ReadableStream<Uint8Array>;
  for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) await write(out, chunk);
}

function toWasmBatch(batch: RecordBatch): pw.RecordBatch {
  return pw.Table.fromIPCStream(tableToIpcStream(new Table(batch.schema, [batch]))).recordBatch(0)!;
}

/** Streams batches into an Arrow IPC file; dictionary columns share one growing dictionary. */
async function writeArrow(out: Writable, schema: Schema, batches: AsyncIterable<RecordBatch>): Promise<void> {
  const writer = new RecordBatchFileWriter();
  const drained = (async () => {
    for await (const bytes of writer) await write(out, bytes);
  })();
  try {
    writer.reset(undefined, schema);
    const dictionaries = new DictionaryUnifier(schema);
    let any = false;
    for await (const b of batches) {
      writer.write(dictionaries.apply(b));
      any = true;
    }
    if (!any) writer.write(new Table(schema));
    writer.finish();
  } catch (e) {
    // Stop the drain before the caller removes the file, so nothing writes to a destroyed stream.
    writer.abort(e);
    await drained.catch(() => undefined);
    throw e;
  }
  await drained;
}

async function writeCsv(out: Writable, schema: Schema, batches: AsyncIterable<RecordBatch>): Promise<void> {
  const csv = stringify({ header: true, columns: schema.fields.map((f) => f.name) });
  csv.pipe(out, { end: false }); // the caller ends `out` once the CSV stream has finished
  const format = schema.fields.map((f) => csvFormatter(f.type));
  for await (const batch of batches) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = batch.schema.fields.map((_, c) => format[c]!(batch.getChildAt(c)!.get(i)));
      if (!csv.write(row)) await once(csv, 'drain');
    }
  }
  csv.end();
  await finished(csv);
}

/** CSV text for one value: nulls empty, bigints exact, dates and timestamps ISO 8601, nested as JSON. */
function csvFormatter(type: DataType): (v: unknown) => string {
  const plain = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  switch (type.typeId) {
    case Type.Date:
    case Type.Timestamp:
      return (v) => (v === null || v === undefined ? '' : new Date(Number(v)).toISOString());
    case Type.List:
    case Type.Struct:
    case Type.Map:
    case Type.FixedSizeList:
      return (v) =>
        v === null || v === undefined
          ? ''
          : JSON.stringify((v as { toJSON(): unknown }).toJSON(), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    default:
      return plain;
  }
}
