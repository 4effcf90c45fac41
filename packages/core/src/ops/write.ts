/**
 * Writing a table's rows: an overwrite (the new content; it keeps what it shares with the current
 * version, overwrite.ts) or an append (new chunks after the current ones; with schema `'merge'` the
 * table evolves first, evolve.ts). Declared keys stay unique: every row written and the rows an append
 * keeps are checked. What it returns is the manifest to stage; the transaction commits it.
 */
import { Schema, Table } from 'apache-arrow';

import { InvalidArgumentError, SchemaMismatchError } from '../errors.js';
import type { PhaseRuntime, StoredChunk } from '../phases/types.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { addKeptKeys, UniqueKeys } from '../catalog/keys.js';
import { makeManifest, manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { conformBatch } from '../table/conform.js';
import { parseCodec, type Codec } from '../table/parquet-codec.js';
import { columnNameProblems, schemaDifferences } from '../table/schema.js';
import { collectTable, mapBatches, toSource, type InputSource, type TableInput, type TableSource } from '../table/source.js';
import { checkChunkRows, newlyStored, writeChunks } from '../table/table-writer.js';
import { evolveManifest, mergeSchemas } from './evolve.js';
import { addColumns } from './add-columns.js';
import { canReuse, reuseUnchanged } from './overwrite.js';

export type WriteMode = 'overwrite' | 'append';

export interface TxWriteOptions {
  mode?: WriteMode;
  codec?: Codec;
  chunkRows?: number;
  /** Declare (or change) the table's key columns; kept across later writes. */
  keys?: string[];
  /**
   * `'merge'`: an append may bring new columns, lack nullable ones, or widen a column's type; the
   * table's schema evolves to take it (ops/evolve.ts). Default `'strict'`: the schemas must be equal.
   * An overwrite takes the new content's schema either way.
   */
  schema?: 'strict' | 'merge';
  onProgress?: (rows: number) => void;
}

/** What one staged write did; `version`/`commit` are filled in when the transaction commits. */
export interface StagedWrite {
  table: string;
  rows: number;
  chunks: number;
  /** Chunks whose bytes were not in the store before (a column patch is not a chunk). */
  newChunks: number;
  /** Bytes of the chunks and column patches that were not in the store before. */
  newBytes: number;
}

export interface WriteContext {
  chunks: ChunkStore;
  runtime: PhaseRuntime;
  /** The store's defaults. */
  codec: Codec;
  chunkRows: number;
}

export interface TableWrite {
  /** The table's new manifest. */
  manifest: Manifest;
  /** For an append that did not evolve the schema: the chunks it added after the current ones. */
  appended?: ChunkRef[];
  result: StagedWrite;
}

/**
 * Writes `data` as table `name`'s new content or appends it to `stored` (its manifest as the
 * transaction sees it; undefined for a new table).
 * @throws {SchemaMismatchError} an append whose schema differs (and does not merge, with `'merge'`)
 * @throws {InvalidArgumentError} a bad option, column name or key column @throws {DuplicateKeyError}
 */
export async function writeTable(ctx: WriteContext, name: string, stored: Manifest | undefined, data: TableInput, options: TxWriteOptions = {}): Promise<TableWrite> {
  const mode = parseMode(options.mode ?? 'overwrite');
  const input = await toSource(data);
  checkColumnNames(name, input.schema);
  // An append with schema 'merge' evolves the table first and conforms the new rows to it.
  const evolution = mode === 'append' && stored && parseSchemaMode(options.schema) === 'merge' && schemaDifferences(manifestSchema(stored), input.schema).length > 0
    ? mergeSchemas(name, manifestSchema(stored), input.schema)
    : undefined;
  const current = evolution ? await evolveManifest(ctx, name, stored!, evolution) : stored;
  const source = evolution ? conformSource(input, evolution.schema) : input;
  if (mode === 'append' && current) checkSchema(name, manifestSchema(current), source.schema);
  if (options.keys) checkKeys(name, source.schema, options.keys);
  // A table keeps its codec and chunk size unless told otherwise: an overwrite under the store's
  // defaults would rewrite every chunk (a re-import through the CLI names neither).
  const settings = {
    codec: parseCodec(options.codec ?? current?.codec ?? ctx.codec),
    chunkRows: checkChunkRows(options.chunkRows ?? current?.chunkRows ?? ctx.chunkRows),
    keys: options.keys ?? current?.keys,
  };
  // An overwrite that brings the table's columns and then new ones stores the table's columns as any
  // overwrite does and the new ones as whole-column patches (add-columns.ts): about what changed.
  const kept = mode === 'overwrite' && current ? keptColumns(current, source.schema, settings) : undefined;
  if (kept) {
    const whole = source.table ?? (await collectTable(source));
    const names = whole.schema.fields.map((f) => f.name);
    const base = await writeTable(ctx, name, current, whole.select(names.slice(0, kept)), { ...options, keys: settings.keys });
    const added = await addColumns(ctx, name, base.manifest, whole.select(names.slice(kept)));
    const patchBytes = added.chunks.reduce((n, c) => n + (c.patches?.at(-1)?.bytes ?? 0), 0);
    return { manifest: makeManifest(added.schema, added.chunks, base.manifest), result: { ...base.result, newBytes: base.result.newBytes + patchBytes } };
  }
  // An overwrite with the same schema and settings keeps what it shares with the current version
  // (ops/overwrite.ts); only the rest is written. A stream (a file, say) is read whole for it.
  const reusable = mode === 'overwrite' && current !== undefined && canReuse(current, source.schema, settings);
  const table = reusable ? (source.table ?? (await collectTable(source))) : source.table;
  // Declared keys stay unique: every row written and the rows an append keeps are checked, a table
  // in memory before anything is written, a stream as it passes and before it is staged.
  const keys = settings.keys?.length ? settings.keys : undefined;
  const unique = keys && new UniqueKeys(name, keys, source.schema);
  const keysHeld = async () => {
    if (mode === 'append' && current) await addKeptKeys(ctx, current, name, unique!, keys!);
    unique!.check();
  };
  if (unique && table) {
    for (const b of table.batches) unique.add(b);
    await keysHeld();
  }
  const reuse = reusable && table ? await reuseUnchanged(ctx, current, table) : undefined;
  const segments = reuse?.segments;
  const refs: ChunkRef[] = [];
  const chunks: StoredChunk[] = [];
  let rows = 0;
  const write = async (part: TableSource) => {
    const done = rows;
    const written = await writeChunks(ctx.runtime, part, settings, options.onProgress && ((n) => options.onProgress!(done + n)));
    chunks.push(...written.chunks);
    refs.push(...written.chunks.map(({ written: _w, ...ref }) => ref));
    rows += written.rows;
  };
  if (!segments) await write(unique && !table ? checkedKeys(source, unique) : source);
  for (const s of segments ?? []) {
    if ('keep' in s) refs.push(s.keep);
    else await write(await toSource(table!.slice(s.write[0], s.write[1])));
  }
  if (segments) rows = table!.numRows; // kept rows count too
  if (unique && !table) await keysHeld();
  const manifest = mode === 'append' && current
    ? makeManifest(current.schema, [...current.chunks, ...refs], { ...settings, codec: current.codec, chunkRows: current.chunkRows })
    : makeManifest(source.schema, refs, settings);
  const written = newlyStored(chunks);
  const result = {
    table: name,
    rows,
    chunks: refs.length,
    newChunks: written.newChunks + (reuse?.newChunks ?? 0),
    newBytes: written.newBytes + (reuse?.newBytes ?? 0),
  };
  return { manifest, result, ...(mode === 'append' && current && !evolution ? { appended: refs } : {}) };
}

/**
 * How many leading columns of `schema` are `current`'s, exactly (names, types, order), when more
 * follow and the settings and keys allow `current` to be kept; else undefined.
 */
function keptColumns(current: Manifest, schema: Schema, settings: { codec: Codec; chunkRows: number; keys?: string[] }): number | undefined {
  const n = manifestSchema(current).fields.length;
  if (schema.fields.length <= n || !(settings.keys ?? []).every((k) => schema.fields.slice(0, n).some((f) => f.name === k))) return undefined;
  return canReuse(current, new Schema(schema.fields.slice(0, n), schema.metadata), settings) ? n : undefined;
}

export function parseMode(value: string): WriteMode {
  if (value === 'overwrite' || value === 'append') return value;
  throw new InvalidArgumentError(`table: invalid write mode ${JSON.stringify(value)}: expected overwrite or append`);
}

function checkSchema(name: string, table: Schema, incoming: Schema): void {
  const diffs = schemaDifferences(table, incoming);
  if (diffs.length > 0) throw new SchemaMismatchError(name, diffs);
}

function checkColumnNames(name: string, schema: Schema): void {
  const problems = columnNameProblems(schema);
  if (problems.length > 0) throw new InvalidArgumentError(`table: column names of "${name}" must be non-empty and unique: ${problems.join('; ')}`);
}

/** `source`, each batch's keys added to `unique` as it passes (which throws at a duplicate). */
function checkedKeys(source: TableSource, unique: UniqueKeys): TableSource {
  return mapBatches(source, source.schema, (b) => {
    unique.add(b);
    return b;
  });
}

function parseSchemaMode(value: string | undefined): 'strict' | 'merge' {
  if (value === undefined || value === 'strict' || value === 'merge') return value ?? 'strict';
  throw new InvalidArgumentError(`table: invalid schema mode ${JSON.stringify(value)}: expected strict or merge`);
}

/** `source` with each batch conformed to `schema` (ops/evolve.ts), in memory when it was. */
function conformSource(source: InputSource, schema: Schema): InputSource {
  if (source.table) {
    const table = new Table(schema, source.table.batches.map((b) => conformBatch(b, schema)));
    return { schema, batches: table.batches, table };
  }
  return mapBatches(source, schema, (b) => conformBatch(b, schema));
}

function checkKeys(name: string, schema: Schema, keys: string[]): void {
  const names = new Set(schema.fields.map((f) => f.name));
  for (const k of keys) {
    if (!names.has(k)) throw new InvalidArgumentError(`table: key column "${k}" not found in table "${name}"`);
  }
}
