/**
 * The only place where Arrow tables become bytes and back (IPC stream format). Parquet codecs, the
 * native addon and manifests all cross through here.
 */
import { makeData, RecordBatch, RecordBatchReader, RecordBatchStreamWriter, Schema, Table, tableFromIPC, tableToIPC, Type, type Data, type DataType } from 'apache-arrow';

import { CorruptObjectError } from '../errors.js';

/** Arrow IPC stream bytes of `table` (schema message, then one message per record batch). */
export function tableToIpcStream(table: Table): Uint8Array {
  return tableToIPC(withNullCounts(table), 'stream');
}

/**
 * The same stream as `tableToIpcStream`, in the pieces the writer emits: message headers, padding,
 * and views of the table's own column buffers. Nothing is joined, so no copy of the data is made;
 * the pieces are valid while the table is.
 */
export async function tableToIpcPieces(table: Table): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const piece of RecordBatchStreamWriter.writeAll(withNullCounts(table))) pieces.push(piece);
  return pieces;
}

/**
 * What arrow-js's IPC writer gets instead of the caller's table: the same buffers under fresh `Data`
 * objects. Two reasons:
 * - the writer reads every `Data`'s null count, which caches it, and a `Data` whose count is known to
 *   be 0 reports `nullable: true` (where one never counted reports whether it has a bitmap), so the
 *   schema arrow-js infers for a Table later built from the caller's vectors would change;
 * - arrow-js leaves the null count of a sliced Null-typed column unknown (-1) and writes that -1
 *   into the IPC message, which arrow-rs (native and parquet-wasm) rejects. Every value of such a
 *   column is null, so the count is its length.
 */
function withNullCounts(table: Table): Table {
  return new Table(table.schema, table.batches.map((b) => new RecordBatch(table.schema, detached(b.data))));
}

function detached<T extends DataType>(data: Data<T>): Data<T> {
  if (data.typeId === Type.Null) return makeData({ type: data.type, length: data.length, nullCount: data.length } as never) as Data<T>;
  return data.clone(data.type, data.offset, data.length, (data as unknown as { _nullCount: number })._nullCount, data.buffers, data.children.map(detached));
}

/** Reads IPC stream (or file) bytes; zero-copy views over `bytes`. */
export function tableFromIpcBytes(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}

/** A schema-only IPC stream: the exact, lossless form a manifest stores a schema in. */
export function schemaToIpc(schema: Schema): Uint8Array {
  return tableToIPC(new Table(schema), 'stream');
}

/**
 * The schema of a schema-only IPC stream. The message length is checked against the bytes before
 * anything is decoded, so a damaged length cannot make the decoder allocate what is not there.
 * @throws {CorruptObjectError} naming `what`
 */
export function schemaFromIpc(bytes: Uint8Array, what = 'schema'): Schema {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = bytes.byteLength >= 4 && view.getUint32(0, true) === 0xffffffff ? 4 : 0; // continuation marker
  const length = bytes.byteLength >= at + 4 ? view.getInt32(at, true) : -1;
  if (length <= 0 || at + 4 + length > bytes.byteLength) {
    throw new CorruptObjectError(what, `of ${bytes.byteLength} bytes`, `its IPC message claims ${length} bytes`);
  }
  try {
    return RecordBatchReader.from(bytes).open().schema as Schema;
  } catch (e) {
    throw new CorruptObjectError(what, `of ${bytes.byteLength} bytes`, `it does not decode (${(e as Error).message})`, { cause: e });
  }
}
