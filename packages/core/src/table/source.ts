/**
 * Table sources and chunk slicing. Writers accept a whole Arrow table or a stream of record batches
 * (for imports larger than memory); both are cut into chunks of exactly `chunkRows` rows (the last one
 * may be shorter), each made one contiguous batch, so chunk boundaries and bytes depend only on the
 * rows, not on how the input was batched.
 */
import { RecordBatch, Schema, Table } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { combineBatches } from './concat.js';

/** A schema plus its record batches, possibly arriving asynchronously. */
export interface TableSource {
  schema: Schema;
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>;
}

export type TableInput = Table | RecordBatch | TableSource;

/** Normalises what a caller passed to `write` into a `TableSource`, naming anything unusable. */
export function toSource(input: unknown, what = 'data'): TableSource {
  if (input instanceof Table || Table.isTable?.(input)) {
    const t = input as Table;
    return { schema: t.schema, batches: t.batches };
  }
  if (input instanceof RecordBatch) return { schema: input.schema, batches: [input] };
  if (
    input &&
    typeof input === 'object' &&
    (input as TableSource).schema instanceof Schema &&
    ((input as TableSource).batches as object | undefined) !== undefined
  ) {
    return input as TableSource;
  }
  const kind = input === null ? 'null' : typeof input === 'object' ? ((input as object).constructor?.name ?? 'object') : typeof input;
  throw new InvalidArgumentError(`table: ${what} must be an Arrow Table, RecordBatch or { schema, batches } (got ${kind})`);
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
  const one = chunk.batches.length > 1 ? combineBatches(chunk) : undefined;
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
