/**
 * Table sources and chunk slicing. Writers accept a whole Arrow table or a stream of record batches
 * (for imports larger than memory); both are cut into chunks of exactly `chunkRows` rows (the last one
 * may be shorter), each made one contiguous batch, so chunk boundaries and bytes depend only on the
 * rows, not on how the input was batched.
 *
 * `toSource` is the one door for Arrow data from users: every form it takes (see `TableInput`), from
 * this copy of apache-arrow or any other (foreign-arrow.ts), becomes a `TableSource` of this copy's
 * objects.
 */
import { RecordBatch, RecordBatchReader, Schema, Table } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { joinBatches } from './concat.js';
import {
  ArrowConverter, tagOf, converting, describeValue, isOwn, isReaderLike, isRecordBatchLike, isSchemaLike, isTableLike,
  type ForeignReader, type ForeignSchema,
} from './foreign-arrow.js';

/** A schema plus its record batches, possibly arriving asynchronously. */
export interface TableSource {
  schema: Schema;
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>;
}

/**
 * What `write`, `update` and `addColumns` take: an Arrow Table, RecordBatch or RecordBatchReader (of
 * any copy of apache-arrow), an iterable or async iterable of record batches, `{ schema, batches }`,
 * or Arrow IPC bytes (stream or file format; an async iterable of byte chunks, e.g. a Node stream,
 * is read as it arrives). Objects of another copy or version of apache-arrow have other classes, so
 * TypeScript sees them only as "has a schema"; the rest is checked at run time.
 */
export type TableInput =
  | Table
  | RecordBatch
  | TableSource
  | RecordBatchReader
  | Uint8Array
  | ArrayBuffer
  | AsyncIterable<Uint8Array>
  | Iterable<RecordBatch | { readonly schema: object }>
  | AsyncIterable<RecordBatch | { readonly schema: object }>
  | { readonly schema: { readonly fields: readonly object[] } | null };

/** A source as `toSource` returns it: `table` is the whole input when it was one table in memory. */
export interface InputSource extends TableSource {
  table?: Table;
}

const ACCEPTED = 'an Arrow Table, RecordBatch, RecordBatchReader, (async) iterable of RecordBatches, { schema, batches } or IPC bytes';

/**
 * Normalises what a caller passed as `what` into a `TableSource` of this copy's Arrow objects. This
 * copy's Table or RecordBatch passes through untouched; another copy's is rebuilt over the same
 * buffers. Streams (readers, iterables, byte streams) stay streams: only their schema is read here.
 * @throws {InvalidArgumentError} naming what was passed when it is not Arrow, the problem with IPC
 * bytes that do not decode, or an empty iterable (which has no schema)
 */
export async function toSource(input: unknown, what = 'data'): Promise<InputSource> {
  if (isOwn(Table, input) || isTableLike(input)) {
    const table = converting(what, 'Table', () => new ArrowConverter().table(input));
    return { schema: table.schema, batches: table.batches, table };
  }
  if (isOwn(RecordBatch, input) || isRecordBatchLike(input)) {
    const table = new Table(converting(what, 'RecordBatch', () => new ArrowConverter().batch(input)));
    return { schema: table.schema, batches: table.batches, table };
  }
  const tag = tagOf(input);
  if (tag === 'Uint8Array' || tag === 'ArrayBuffer') return fromIpcBytes(tag === 'ArrayBuffer' ? new Uint8Array(input as ArrayBuffer) : (input as Uint8Array), what);
  if (isReaderLike(input)) return fromReader(() => input, what, 'a RecordBatchReader');
  if (typeof input === 'object' && input !== null && 'schema' in input && 'batches' in input) return fromSchemaAndBatches(input as TableSource, what);
  if (typeof input === 'object' && input !== null && !ArrayBuffer.isView(input) && (Symbol.asyncIterator in input || Symbol.iterator in input)) {
    return fromIterable(input as Iterable<unknown> | AsyncIterable<unknown>, what);
  }
  throw new InvalidArgumentError(`table: ${what} must be ${ACCEPTED} (got ${describeValue(input)})`);
}

/** True when `input` is whole in memory (a table, a batch or IPC bytes): it can be read again, where a stream is read once. */
export function isInMemory(input: unknown): boolean {
  const tag = tagOf(input);
  return isOwn(Table, input) || isTableLike(input) || isOwn(RecordBatch, input) || isRecordBatchLike(input) || tag === 'Uint8Array' || tag === 'ArrayBuffer';
}

/**
 * Bytes in memory are decoded whole, up front: the batches are views of `bytes` (no copy), and a
 * damaged message fails here, before anything is written.
 */
function fromIpcBytes(bytes: Uint8Array, what: string): InputSource {
  const bad = (problem: string, cause?: unknown) =>
    new InvalidArgumentError(`table: ${what} is ${bytes.byteLength} bytes that are not Arrow IPC (${problem})`, { cause });
  if (bytes.byteLength === 0) throw bad('empty');
  let table: Table;
  try {
    const reader = RecordBatchReader.from(bytes).open();
    const schema = reader.schema; // read before the batches: a reader read to the end closes
    if (!schema) throw bad('no schema message');
    table = new Table(schema, [...reader]);
  } catch (e) {
    throw e instanceof InvalidArgumentError ? e : bad((e as Error).message, e);
  }
  return { schema: table.schema, batches: table.batches, table };
}

/**
 * A reader (any copy), opened for its schema; its batches are read as the writer asks for them.
 * `kind` names it in errors: a reader the caller passed, or one over a stream of IPC bytes.
 */
async function fromReader(open: () => unknown, what: string, kind: string): Promise<InputSource> {
  let reader: ForeignReader;
  try {
    reader = (await open()) as ForeignReader;
    await reader.open();
  } catch (e) {
    throw new InvalidArgumentError(`table: ${what} is ${kind} that does not open (${(e as Error).message})`, { cause: e });
  }
  if (!isSchemaLike(reader.schema)) throw new InvalidArgumentError(`table: ${what} is ${kind} with no schema (an empty or already read stream)`);
  const convert = new ArrowConverter();
  const schema = converting(what, 'Schema', () => convert.schema(reader.schema!));
  const items = (reader.isSync() ? reader : { [Symbol.asyncIterator]: () => reader[Symbol.asyncIterator]!() }) as Iterable<unknown> | AsyncIterable<unknown>;
  return { schema, batches: batchesOf(items, what, convert, (e) => `${kind} failed (${e.message})`) };
}

function fromSchemaAndBatches(input: { schema: unknown; batches: unknown }, what: string): InputSource {
  const { schema, batches } = input;
  if (!isSchemaLike(schema)) throw new InvalidArgumentError(`table: ${what}.schema must be an Arrow Schema (got ${describeValue(schema)})`);
  if (!isIterable(batches)) throw new InvalidArgumentError(`table: ${what}.batches must be an (async) iterable of RecordBatches (got ${describeValue(batches)})`);
  const convert = new ArrowConverter();
  return { schema: converting(what, 'Schema', () => convert.schema(schema as Schema | ForeignSchema)), batches: batchesOf(batches, what, convert) };
}

/**
 * An (async) iterable: of record batches (the schema is the first batch's), or of IPC bytes (a Node
 * or web stream of an IPC stream, decoded as it arrives). The first item says which.
 */
async function fromIterable(items: Iterable<unknown> | AsyncIterable<unknown>, what: string): Promise<InputSource> {
  const it = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const first = await it.next();
  if (first.done) {
    throw new InvalidArgumentError(`table: ${what} is an empty iterable (${describeValue(items)}), with no record batch to take the schema from`);
  }
  const all: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => prepend(first.value, it) };
  const tag = tagOf(first.value);
  if (tag === 'Uint8Array' || tag === 'ArrayBuffer') {
    return fromReader(() => RecordBatchReader.from(all as AsyncIterable<Uint8Array>), what, 'a stream of Arrow IPC bytes');
  }
  if (!isOwn(RecordBatch, first.value) && !isRecordBatchLike(first.value)) {
    await it.return?.(); // e.g. destroys a Node stream
    throw new InvalidArgumentError(`table: ${what} is an iterable whose first item is ${describeValue(first.value)}, not an Arrow RecordBatch or IPC bytes`);
  }
  const convert = new ArrowConverter();
  const schema = converting(what, 'RecordBatch', () => convert.batch(first.value as RecordBatch).schema);
  return { schema, batches: batchesOf(all, what, convert) };
}

/** The items as this copy's record batches, each checked as it arrives. */
async function* batchesOf(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  what: string,
  convert: ArrowConverter,
  failed?: (e: Error) => string,
): AsyncIterable<RecordBatch> {
  let i = 0;
  try {
    for await (const item of items) {
      if (!isOwn(RecordBatch, item) && !isRecordBatchLike(item)) {
        throw new InvalidArgumentError(`table: ${what} item ${i} is ${describeValue(item)}, not an Arrow RecordBatch`);
      }
      yield converting(what, 'RecordBatch', () => convert.batch(item));
      i++;
    }
  } catch (e) {
    if (e instanceof InvalidArgumentError || !failed) throw e;
    throw new InvalidArgumentError(`table: ${what} batch ${i}: ${failed(e as Error)}`, { cause: e });
  }
}

/** `first`, then the rest of `rest`; a consumer that stops early closes `rest` (a stream, a reader). */
async function* prepend<T>(first: T, rest: Iterator<T> | AsyncIterator<T>): AsyncGenerator<T> {
  let done = false;
  try {
    yield first;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
    done = true;
  } finally {
    if (!done) await rest.return?.();
  }
}

function isIterable(x: unknown): x is Iterable<unknown> | AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && (Symbol.asyncIterator in x || Symbol.iterator in x);
}

/** `source` as a stream of `schema` whose batches pass through `fn` as they are read. */
export function mapBatches(source: TableSource, schema: Schema, fn: (batch: RecordBatch) => RecordBatch): TableSource {
  const batches = source.batches;
  return {
    schema,
    batches: (async function* () {
      for await (const b of batches) yield fn(b);
    })(),
  };
}

/** The whole source in memory, as one table. */
export async function collectTable(source: TableSource): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const b of source.batches) batches.push(b);
  return new Table(source.schema, batches);
}

/** Cuts the source into tables of exactly `chunkRows` rows (the last may be shorter), zero-copy. */
export async function* sliceIntoChunks(source: TableSource, chunkRows: number): AsyncIterable<Table> {
  let pending: RecordBatch[] = [];
  let pendingRows = 0;
  for await (const batch of source.batches) {
    if (batch.numRows === 0) continue;
    pending.push(batch);
    pendingRows += batch.numRows;
    while (pendingRows >= chunkRows) {
      const all = new Table(source.schema, pending);
      yield contiguous(all.slice(0, chunkRows));
      const rest = all.slice(chunkRows);
      pending = rest.batches.filter((b) => b.numRows > 0);
      pendingRows -= chunkRows;
    }
  }
  if (pendingRows > 0) yield contiguous(new Table(source.schema, pending));
}

/**
 * Cuts the source into tables of `chunksPerRun` chunks (the last may hold fewer) for a phase that
 * cuts chunks itself, with every chunk inside one batch, so that phase encodes the chunks
 * `sliceIntoChunks` makes. Batches that hold whole chunks are passed on as they are (sliced only
 * where a run ends inside one); only a chunk that spans batches is combined into one, as
 * `sliceIntoChunks` does (and left in its batches where a column type cannot be, as there).
 * Zero-copy otherwise: serializing a sliced string column to IPC copies its
 * offsets, and a combined batch copies everything.
 */
export async function* sliceIntoRuns(source: TableSource, chunkRows: number, chunksPerRun: number): AsyncIterable<Table> {
  const runRows = chunkRows * chunksPerRun;
  let run: RecordBatch[] = [];
  let runHave = 0;
  let partial: RecordBatch[] = []; // the pieces of a chunk that spans batches
  let partialHave = 0;
  for await (const whole of source.batches) {
    let batch = whole;
    while (batch.numRows > 0) {
      let take: number;
      if (partialHave > 0 || batch.numRows < chunkRows) {
        take = Math.min(chunkRows - partialHave, batch.numRows);
        partial.push(take === batch.numRows ? batch : batch.slice(0, take));
        partialHave += take;
        if (partialHave === chunkRows) {
          run.push(...contiguous(new Table(source.schema, partial)).batches);
          runHave += chunkRows;
          partial = [];
          partialHave = 0;
        }
      } else {
        // At a chunk boundary, with at least one whole chunk in this batch.
        take = Math.min(Math.floor(batch.numRows / chunkRows) * chunkRows, runRows - runHave);
        run.push(take === batch.numRows ? batch : batch.slice(0, take));
        runHave += take;
      }
      batch = take === batch.numRows ? batch.slice(0, 0) : batch.slice(take);
      if (runHave === runRows) {
        yield new Table(source.schema, run);
        run = [];
        runHave = 0;
      }
    }
  }
  if (partialHave > 0) run.push(...contiguous(new Table(source.schema, partial)).batches);
  if (run.length > 0) yield new Table(source.schema, run);
}

/** One batch per chunk, so chunk bytes depend on the rows and not on the input's batching. */
function contiguous(chunk: Table): Table {
  // Joined only as bytes: a column rebuilt from its values (per-batch dictionaries) would cost an encode.
  const one = chunk.batches.length > 1 ? joinBatches(chunk) : undefined;
  return one ? new Table(chunk.schema, [one]) : chunk;
}

/** Groups an async stream into arrays of at most `size` items (bounds memory per phase call). */
export async function* groupsOf<T>(items: AsyncIterable<T>, size: number): AsyncIterable<T[]> {
  let group: T[] = [];
  for await (const item of items) {
    group.push(item);
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}
