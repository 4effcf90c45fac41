/** Opens a Parquet, CSV or Arrow IPC file as a stream of record batches (bounded memory). */
import { openAsBlob } from 'node:fs';
import { open, stat } from 'node:fs/promises';

import { RecordBatch, RecordBatchReader, Schema } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';

import { InvalidArgumentError, MalformedFileError } from '../errors.js';
import { schemaFromIpc, tableFromIpcBytes } from '../table/arrow-ipc.js';
import type { TableSource } from '../table/source.js';
import { readCsv } from './csv.js';
import { formatOf } from './formats.js';
import { SecondsRestorer } from './parquet-units.js';

export interface FileSource extends TableSource {
  /** Total rows when the format says so up front (Parquet, Arrow file), for progress bars. */
  totalRows?: number;
}

/**
 * Opens a `.parquet`, `.csv` or `.arrow` / `.ipc` / `.feather` file (by extension) as a stream of
 * record batches, as `armillaria import` reads it: Parquet a row group at a time, CSV in batches.
 * @throws {InvalidArgumentError} the file does not exist, or is not a file
 * @throws {UnsupportedFormatError} an extension none of the formats has
 * @throws {MalformedFileError} the file is not what its extension says (also while its batches are read)
 */
export async function openTableFile(path: string): Promise<FileSource> {
  const format = formatOf(path);
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InvalidArgumentError(`io: file ${path} does not exist`);
  if (!st.isFile()) throw new InvalidArgumentError(`io: ${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a ${format} file`);
  switch (format) {
    case 'parquet':
      return openParquet(path);
    case 'arrow':
      return openArrow(path);
    case 'csv':
      return readCsv(path);
  }
}

async function openParquet(path: string): Promise<FileSource> {
  let file: pw.ParquetFile;
  try {
    file = await pw.ParquetFile.fromFile(await openAsBlob(path));
  } catch (e) {
    throw new MalformedFileError(path, 'Parquet', messageOf(e), { cause: e });
  }
  const meta = file.metadata();
  const groups = meta.numRowGroups();
  const totalRows = Number(meta.fileMetadata().numRows());
  // One row group at a time: memory stays at one decoded group however large the file is.
  const readGroup = async (g: number) => {
    try {
      const rows = Number(meta.rowGroup(g).numRows());
      return tableFromIpcBytes((await file.read({ rowGroups: [g], batchSize: Math.max(rows, 1) })).intoIPCStream());
    } catch (e) {
      throw new MalformedFileError(path, 'Parquet', `row group ${g} does not decode: ${messageOf(e)}`, { cause: e });
    }
  };
  // The row-group reader drops schema-level metadata, which file.schema() keeps; but its types are
  // the ones the data decodes to (a string_view column in the file's Arrow schema decodes as utf8),
  // so the batches are labelled with the decoded fields and the file's metadata.
  const fileSchema: Schema = tableFromIpcBytes(file.schema().intoIPCStream()).schema;
  const first = groups > 0 ? await readGroup(0) : undefined;
  const seconds = new SecondsRestorer(arrowSchemaOf(meta.fileMetadata().keyValueMetadata()), first?.schema ?? fileSchema);
  const schema = new Schema(seconds.fields, fileSchema.metadata);
  async function* batches(): AsyncIterable<RecordBatch> {
    for (let g = 0; g < groups; g++) {
      const decoded = g === 0 ? first! : await readGroup(g);
      for (const b of decoded.batches) yield new RecordBatch(schema, seconds.apply(b.data));
    }
  }
  return { schema, batches: batches(), totalRows };
}

/** The Arrow schema a writer stored in the footer (`ARROW:schema`, pyarrow and arrow-rs do), if any. */
function arrowSchemaOf(keyValues: Map<string, string>): Schema | undefined {
  const encoded = keyValues.get('ARROW:schema');
  if (encoded === undefined) return undefined;
  try {
    return schemaFromIpc(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined; // a hint only: the decoded types stand
  }
}

async function openArrow(path: string): Promise<FileSource> {
  const handle = await open(path);
  let reader;
  try {
    reader = await RecordBatchReader.from(handle);
    await reader.open();
  } catch (e) {
    await handle.close();
    throw new MalformedFileError(path, 'Arrow IPC', messageOf(e), { cause: e });
  }
  const r = reader;
  async function* batches(): AsyncIterable<RecordBatch> {
    let n = 0;
    try {
      for await (const b of r) {
        yield b;
        n++;
      }
    } catch (e) {
      throw new MalformedFileError(path, 'Arrow IPC', `record batch ${n} does not decode: ${messageOf(e)}`, { cause: e });
    } finally {
      await handle.close();
    }
  }
  return { schema: r.schema, batches: batches() };
}

function messageOf(e: unknown): string {
  return String((e as Error)?.message ?? e);
}
