/**
 * Manifest -> Arrow. Chunks are fetched and decoded by the phase; batches are given the manifest's
 * exact schema and the caller's column order; a filter skips chunks by statistics, then rows.
 */
import { RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';

import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { addedColumns, applyPatches, patchAsChunk, patchColumns, patchesFor } from '../catalog/column-patch.js';
import { keepLive, liveMask } from '../catalog/deletion-vector.js';
import { ErrorCode, InvalidArgumentError, WrappedError } from '../errors.js';
import type { PhaseRuntime, ReadChunksOptions } from '../phases/types.js';
import { filterColumns, filterMask, mayMatch, validateFilter, type Filter } from './filter.js';
import { selectRows } from './select-rows.js';

import { CHUNKS_PER_CALL } from './table-writer.js';

export interface ManifestReadOptions {
  /** Top-level columns to return, in this order. */
  columns?: readonly string[];
  /** Keep only rows matching this predicate; chunks whose statistics rule it out are not read. */
  filter?: Filter;
  /** Re-hash every chunk read. */
  verify?: boolean;
}

/** What a read needs: the phase that fetches and decodes chunks, and the store (for deletion vectors). */
export interface ReadContext {
  runtime: PhaseRuntime;
  chunks: ChunkStore;
}

export async function readManifest(ctx: ReadContext, manifest: Manifest, table: string, options: ManifestReadOptions = {}): Promise<Table> {
  const schema = projectSchema(manifestSchema(manifest), options.columns, table);
  const batches: RecordBatch[] = [];
  for await (const b of scanManifest(ctx, manifest, table, options)) batches.push(b);
  return new Table(schema, batches);
}

/**
 * Streams a table version chunk group by chunk group (bounded memory). With a pushdown runtime, chunks
 * that the filter rules out by statistics are skipped and only the needed columns are decoded;
 * otherwise every column of every chunk is decoded and the filter and projection apply afterwards.
 * Deleted rows (deletion-vector.ts) are dropped in every phase.
 */
export async function* scanManifest(
  { runtime, chunks }: ReadContext,
  manifest: Manifest,
  table: string,
  options: ManifestReadOptions = {},
): AsyncIterable<RecordBatch> {
  const full = manifestSchema(manifest);
  const schema = projectSchema(full, options.columns, table);
  const { filter, columns } = options;
  if (filter) validateFilter(filter, full, table);
  const refs: ChunkRef[] = filter && runtime.pushdown ? manifest.chunks.filter((c) => mayMatch(filter, c.stats, c.rows)) : manifest.chunks;
  const decode = !runtime.pushdown || !columns ? undefined : filter ? [...new Set([...columns, ...filterColumns(filter)])] : columns;
  const decodedSchema = decode ? projectSchema(full, decode, table) : full;
  for (let i = 0; i < refs.length; i += CHUNKS_PER_CALL) {
    const group = refs.slice(i, i + CHUNKS_PER_CALL);
    const decoded = await readChunkContents(runtime, group, decodedSchema, { columns: decode, verify: options.verify });
    for (let c = 0; c < group.length; c++) {
      const b = decoded[c]!;
      const live = await liveMask(chunks, group[c]!, options.verify);
      const mask = filter ? keepLive(filterMask(filter, b), live) : live;
      // Projected before rows are selected, so no dropped column is copied.
      const projected = columns ? selectColumns(b, columns) : b;
      for (const kept of mask ? selectRows(projected, mask) : [projected]) yield new RecordBatch(schema, kept.data);
    }
  }
}

/**
 * Fetches and decodes `refs` through the phase, one batch per chunk (decode batch size = chunk rows;
 * deletion masks rely on that pairing), with each chunk's column patches applied: the chunks' current
 * values, deleted rows included, as batches of `schema`. `columns` is what the phase decodes (all
 * when undefined); a column a chunk gets from a whole-column patch (an added column) is never asked
 * of its own file, and only patches touching the decoded columns are read.
 */
export async function readChunkContents(runtime: PhaseRuntime, refs: readonly ChunkRef[], schema: Schema, options: ReadChunksOptions): Promise<RecordBatch[]> {
  const { columns, verify } = options;
  const names = schema.fields.map((f) => f.name);
  // A chunk's file lacks the columns added after it was written: chunks are grouped by file schema.
  const decoded = await readGrouped(runtime, refs, verify, (r) => {
    const added = addedColumns(r);
    const inFile = (columns ?? names).filter((c) => !added.has(c));
    return { columns: columns && inFile, key: inFile };
  });
  const wanted = refs.map((r) => patchesFor(r, columns));
  const patches = wanted.flat();
  // Patches always decode exactly what is read of them (they are small, and differ in schema).
  const values = await readGrouped(runtime, patches.map(patchAsChunk), verify, (_, i) => {
    const of = patchColumns(patches[i]!, columns ?? patches[i]!.columns);
    return { columns: of, key: of };
  });
  let next = 0;
  return decoded.map((batch, c) => applyPatches(batch, wanted[c]!.map(() => values[next++]!), schema));
}

/**
 * `runtime.readChunks` of each ref with the columns its plan gives (undefined: all), one call per
 * distinct plan key (the columns the decoded batches will have; usually one), results in input order.
 * A ref with no column to decode gets an empty batch of its rows.
 */
async function readGrouped(
  runtime: PhaseRuntime,
  refs: readonly ChunkRef[],
  verify: boolean | undefined,
  plan: (ref: ChunkRef, i: number) => { columns: string[] | undefined; key: string[] },
): Promise<RecordBatch[]> {
  const out: RecordBatch[] = new Array(refs.length);
  const groups = new Map<string, { columns: string[] | undefined; at: number[] }>();
  refs.forEach((ref, i) => {
    const { columns, key } = plan(ref, i);
    if (key.length === 0) out[i] = new RecordBatch(new Schema([]), makeData({ type: new Struct([]), length: ref.rows, children: [] }));
    else {
      const k = JSON.stringify(key);
      (groups.get(k) ?? groups.set(k, { columns, at: [] }).get(k)!).at.push(i);
    }
  });
  for (const { columns, at } of groups.values()) {
    const batches = await runtime.readChunks(at.map((i) => refs[i]!), { columns, verify });
    if (batches.length !== at.length) throw new WrappedError(ErrorCode.Internal, `table: ${at.length} chunks decoded to ${batches.length} batches`);
    at.forEach((i, k) => (out[i] = batches[k]!));
  }
  return out;
}

/** The batch with `columns` in that order (readers return projected columns in file order). */
function selectColumns(batch: RecordBatch, columns: readonly string[]): RecordBatch {
  const names = batch.schema.fields.map((f) => f.name);
  return batch.selectAt(columns.map((c) => names.indexOf(c)));
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
