/**
 * Manifest -> Arrow. Chunks are fetched and decoded by the phase; batches are given the manifest's
 * exact schema and the caller's column order; a filter skips chunks by statistics, then rows.
 */
import { RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';

import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { InvalidArgumentError } from '../errors.js';
import type { PhaseRuntime } from '../phases/types.js';
import { filterColumns, filterMask, mayMatch, validateFilter, type Filter } from './filter.js';

import { CHUNKS_PER_CALL } from './table-writer.js';

export interface ManifestReadOptions {
  /** Top-level columns to return, in this order. */
  columns?: readonly string[];
  /** Keep only rows matching this predicate; chunks whose statistics rule it out are not read. */
  filter?: Filter;
  /** Re-hash every chunk read. */
  verify?: boolean;
}

export async function readManifest(runtime: PhaseRuntime, manifest: Manifest, table: string, options: ManifestReadOptions = {}): Promise<Table> {
  const schema = projectSchema(manifestSchema(manifest), options.columns, table);
  const batches: RecordBatch[] = [];
  for await (const b of scanManifest(runtime, manifest, table, options)) batches.push(b);
  return new Table(schema, batches);
}

/**
 * Streams a table version chunk group by chunk group (bounded memory). With a pushdown runtime, chunks
 * that the filter rules out by statistics are skipped and only the needed columns are fetched;
 * otherwise every column of every chunk is fetched and the filter and projection apply afterwards.
 */
export async function* scanManifest(
  runtime: PhaseRuntime,
  manifest: Manifest,
  table: string,
  options: ManifestReadOptions = {},
): AsyncIterable<RecordBatch> {
  const full = manifestSchema(manifest);
  const schema = projectSchema(full, options.columns, table);
  const { filter, columns } = options;
  if (filter) validateFilter(filter, full, table);
  const refs: ChunkRef[] = filter && runtime.pushdown ? manifest.chunks.filter((c) => mayMatch(filter, c.stats, c.rows)) : manifest.chunks;
  const fetch = !runtime.pushdown || !columns ? undefined : filter ? [...new Set([...columns, ...filterColumns(filter)])] : columns;
  const fetchedSchema = fetch ? projectSchema(full, fetch, table) : full;
  for (let i = 0; i < refs.length; i += CHUNKS_PER_CALL) {
    for (const b of await readChunkColumns(runtime, fetchedSchema, full, refs.slice(i, i + CHUNKS_PER_CALL), options.verify)) {
      for (const kept of filter ? maskedSlices(b, filterMask(filter, b)) : [b]) {
        yield new RecordBatch(schema, columns ? selectColumns(kept, columns) : kept.data);
      }
    }
  }
}

/**
 * Fetches the columns of `schema` (a projection of the table's `full` schema) of each chunk, one phase
 * call per column, and zips them into one record batch per chunk.
 */
export async function readChunkColumns(runtime: PhaseRuntime, schema: Schema, full: Schema, refs: readonly ChunkRef[], verify?: boolean): Promise<RecordBatch[]> {
  const positions = schema.fields.map((f) => full.fields.findIndex((g) => g.name === f.name));
  const columns: RecordBatch[][] = [];
  for (const c of positions) columns.push(await runtime.readChunks(refs.map((r) => ({ id: r.columns[c]!, rows: r.rows })), { verify }));
  const type = new Struct(schema.fields);
  return refs.map((r, i) => new RecordBatch(schema, makeData({ type, length: r.rows, nullCount: 0, children: columns.map((col) => col[i]!.data.children[0]!) })));
}

/** The batch's data with `columns` in that order. */
function selectColumns(batch: RecordBatch, columns: readonly string[]) {
  const names = batch.schema.fields.map((f) => f.name);
  return batch.selectAt(columns.map((c) => names.indexOf(c))).data;
}

/** The rows where `mask` is set, as zero-copy slices of `batch` (one per run of consecutive rows). */
export function maskedSlices(batch: RecordBatch, mask: Uint8Array): RecordBatch[] {
  const out: RecordBatch[] = [];
  let start = -1;
  for (let r = 0; r <= mask.length; r++) {
    const on = r < mask.length && mask[r] === 1;
    if (on && start < 0) start = r;
    else if (!on && start >= 0) {
      out.push(batch.slice(start, r));
      start = -1;
    }
  }
  return out;
}

export function projectSchema(schema: Schema, columns: readonly string[] | undefined, table: string): Schema {
  if (!columns) return schema;
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new InvalidArgumentError(`table: column "${dup}" requested twice`);
  const fields = columns.map((c) => {
    const f = byName.get(c);
    if (!f) throw new InvalidArgumentError(`table: column "${c}" not found in table "${table}" (columns: ${[...byName.keys()].join(', ')})`);
    return f;
  });
  return new Schema(fields, schema.metadata);
}
