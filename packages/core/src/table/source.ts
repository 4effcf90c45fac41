/**
 * Table sources and chunk slicing. Writers accept a whole Arrow table or a stream of record batches
 * (for imports larger than memory); both are cut into chunks at content-defined boundaries, each made
 * one contiguous batch, so chunk boundaries and bytes depend only on the rows, not on how the input
 * was batched, and an insert or delete changes only the chunks around it.
 */
import { RecordBatch, Schema, Table } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { combineBatches } from './concat.js';
import { hashable, rowHashes } from './row-hash.js';

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

export interface ChunkingSettings {
  /** Average rows per chunk: boundaries fall after rows whose hash is below 2^32 * 2 / chunkRows. */
  chunkRows: number;
  /** Columns whose values place boundaries: the table's keys when it has them (default: the first hashable column). */
  keys?: readonly string[];
}

/**
 * Content-defined chunking over rows (the row-level analogue of FastCDC). A chunk ends after a row
 * whose hash (row-hash.ts, over the keys or the first hashable column) falls below a threshold,
 * once it holds at least chunkRows/2 rows; it ends at 3 * chunkRows rows regardless. Boundaries so depend on the rows themselves: inserting or
 * deleting rows moves only the boundaries next to the edit, and every other chunk keeps its bytes
 * and id. Chunk lengths: chunkRows on average, between chunkRows/2 and 3 * chunkRows. A schema
 * without a hashable column falls back to chunks of exactly chunkRows rows.
 */
export async function* sliceIntoChunks(source: TableSource, settings: ChunkingSettings): AsyncIterable<Table> {
  const { chunkRows } = settings;
  const min = Math.max(1, Math.floor(chunkRows / 2));
  const max = chunkRows * 3;
  const threshold = Math.min(2 ** 32, Math.floor((2 ** 32 * 2) / chunkRows));
  const columns = hashColumns(source.schema, settings.keys);
  let pending: RecordBatch[] = [];
  let run = 0; // rows since the last boundary, all in `pending`
  for await (const batch of source.batches) {
    if (batch.numRows === 0) continue;
    const hashes = rowHashes(columns.map((c) => batch.data.children[c]!), batch.numRows);
    pending.push(batch);
    for (let r = 0; r < batch.numRows; r++) {
      run++;
      const cut = run >= max || (hashes ? run >= min && hashes[r]! < threshold : run === chunkRows);
      if (!cut) continue;
      const all = new Table(source.schema, pending);
      const rows = all.numRows - (batch.numRows - r - 1);
      yield contiguous(all.slice(0, rows));
      pending = r + 1 < batch.numRows ? [batch.slice(r + 1)] : [];
      run = 0;
    }
  }
  if (pending.length > 0) yield contiguous(new Table(source.schema, pending));
}

/**
 * Indices of the columns that place boundaries: the keys, else the first hashable column. Not every
 * column: then adding a column, or updating any other column, would move every boundary and store
 * every column again (measured: adding a column to seed-narrow 500K stored 2.5x the column's size).
 */
function hashColumns(schema: Schema, keys: readonly string[] | undefined): number[] {
  const names = schema.fields.map((f) => f.name);
  if (keys && keys.length > 0) return keys.map((k) => names.indexOf(k)).filter((i) => i >= 0);
  const first = schema.fields.findIndex((f) => hashable(f.type));
  return first >= 0 ? [first] : [];
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
