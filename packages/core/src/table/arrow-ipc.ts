/**
 * The only place where Arrow tables become bytes and back (IPC stream format). Parquet codecs, the
 * native addon and manifests all cross through here.
 */
import { RecordBatchReader, RecordBatchStreamWriter, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';

/** Arrow IPC stream bytes of `table` (schema message, then one message per record batch). */
export function tableToIpcStream(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}

/**
 * The same stream as `tableToIpcStream`, in the pieces the writer emits: message headers, padding,
 * and views of the table's own column buffers. Nothing is joined, so no copy of the data is made;
 * the pieces are valid while the table is.
 */
export async function tableToIpcPieces(table: Table): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const piece of RecordBatchStreamWriter.writeAll(table)) pieces.push(piece);
  return pieces;
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
