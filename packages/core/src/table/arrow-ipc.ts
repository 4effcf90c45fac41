/**
 * The only place where Arrow tables become bytes and back (IPC stream format). Parquet codecs, the
 * native addon and manifests all cross through here.
 */
import { RecordBatchReader, Schema, Table, tableFromIPC, tableToIPC, type RecordBatch } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';

/** Arrow IPC stream bytes of `table` (schema message, then one message per record batch). */
export function tableToIpcStream(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}

/** Reads IPC stream (or file) bytes; zero-copy views over `bytes`. */
export function tableFromIpcBytes(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}

/** A schema-only IPC stream: the exact, lossless form a manifest stores a schema in. */
export function schemaToIpc(schema: Schema): Uint8Array {
  return tableToIPC(new Table(schema), 'stream');
}

export function schemaFromIpc(bytes: Uint8Array): Schema {
  return RecordBatchReader.from(bytes).open().schema as Schema;
}

/** Accepts an apache-arrow Table, RecordBatch, or iterable of batches; rejects anything else by name. */
export function isArrowTable(value: unknown): value is Table {
  return value instanceof Table || (typeof value === 'object' && value !== null && Table.isTable?.(value) === true);
}

export function assertTableLike(value: unknown, what: string): asserts value is Table | RecordBatch {
  if (isArrowTable(value)) return;
  if (typeof value === 'object' && value !== null && 'schema' in value && 'numRows' in value) return;
  throw new InvalidArgumentError(`table: ${what} is not an Arrow table (got ${describe(value)})`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}
