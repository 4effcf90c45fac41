/** Opens a Parquet, CSV or Arrow IPC file as a stream of record batches (bounded memory). */
import { openAsBlob } from 'node:fs';
import { open, stat } from 'node:fs/promises';

import { RecordBatch, RecordBatchReader, type Schema } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';

import { ErrorCode, InvalidArgumentError, WrappedError } from '../errors.js';
import { tableFromIpcBytes } from '../table/arrow-ipc.js';
import type { TableSource } from '../table/source.js';
import { readCsv } from './csv.js';
import { formatOf } from './formats.js';

export interface FileSource extends TableSource {
  /** Total rows when the format says so up front (Parquet, Arrow file), for progress bars. */
  totalRows?: number;
}

export async function openTableFile(path: string): Promise<FileSource> {
  const format = formatOf(path);
  try {
    await stat(path);
  } catch {
    throw new InvalidArgumentError(`io: file ${path} does not exist`);
  }
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
    throw new WrappedError(ErrorCode.Parquet, `io: ${path} is not a readable Parquet file: ${String((e as Error)?.message ?? e)}`, { cause: e });
  }
  const meta = file.metadata();
  const groups = meta.numRowGroups();
  const totalRows = Number(meta.fileMetadata().numRows());
  // file.schema() keeps schema-level metadata; the async row-group reader drops it, so batches are
  // re-labelled with this schema below.
  const schema: Schema = tableFromIpcBytes(file.schema().intoIPCStream()).schema;
  async function* batches(): AsyncIterable<RecordBatch> {
    // One row group at a time: memory stays at one decoded group however large the file is.
    for (let g = 0; g < groups; g++) {
      const rows = Number(meta.rowGroup(g).numRows());
      const decoded = tableFromIpcBytes((await file.read({ rowGroups: [g], batchSize: Math.max(rows, 1) })).intoIPCStream());
      for (const b of decoded.batches) yield new RecordBatch(schema, b.data);
    }
  }
  return { schema, batches: batches(), totalRows };
}

async function openArrow(path: string): Promise<FileSource> {
  const handle = await open(path);
  let reader;
  try {
    reader = await RecordBatchReader.from(handle);
    await reader.open();
  } catch (e) {
    await handle.close();
    throw new WrappedError(ErrorCode.Arrow, `io: ${path} is not a readable Arrow IPC file: ${String((e as Error)?.message ?? e)}`, { cause: e });
  }
  const r = reader;
  async function* batches(): AsyncIterable<RecordBatch> {
    try {
      for await (const b of r) yield b;
    } finally {
      await handle.close();
    }
  }
  return { schema: r.schema, batches: batches() };
}
