import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { LocalBackend } from '../src/backend/local-backend.js';
import { nativeParquetRuntime } from '../src/phases/native-parquet.js';
import type { PhaseRuntime, StoredChunk } from '../src/phases/types.js';
import { CHUNKS_PER_CALL, writeChunks } from '../src/table/table-writer.js';
import { allTypesTable, narrowTable } from './fixtures.js';

/** A runtime that records the rows of each writeRows call and stores nothing. */
function recording(whole: boolean): { runtime: PhaseRuntime; calls: number[] } {
  const calls: number[] = [];
  const runtime = {
    pushdown: false,
    writeChunks: async () => [],
    readChunks: async () => [],
    writeRows: async (rows: Table) => {
      calls.push(rows.numRows);
      return [{ id: 'x', rows: rows.numRows, bytes: 0, written: true } as unknown as StoredChunk];
    },
    ...(whole ? { writesWhole: () => true } : {}),
  } as PhaseRuntime;
  return { runtime, calls };
}

describe('writeChunks', () => {
  const chunkRows = 100;
  const rows = chunkRows * CHUNKS_PER_CALL * 2 + 50; // two full runs and a bit
  const settings = { codec: 'snappy' as const, chunkRows };

  it('hands a phase that writes as it encodes a table in memory in one call', async () => {
    const t = narrowTable(rows);
    const { runtime, calls } = recording(true);
    expect((await writeChunks(runtime, { schema: t.schema, batches: t.batches }, settings)).rows).toBe(rows);
    expect(calls).toEqual([rows]);
  });

  it('keeps runs for a stream, and for a phase that holds a run of chunks', async () => {
    const t = narrowTable(rows);
    const run = chunkRows * CHUNKS_PER_CALL;
    const stream = { schema: t.schema, batches: (async function* () { yield* t.batches; })() };
    const whole = recording(true);
    await writeChunks(whole.runtime, stream, settings);
    expect(whole.calls).toEqual([run, run, 50]);
    const runs = recording(false);
    await writeChunks(runs.runtime, { schema: t.schema, batches: t.batches }, settings);
    expect(runs.calls).toEqual([run, run, 50]);
  });

  it('takes whole tables in native-parquet on disk only where the addon reads the columns in place', () => {
    const runtime = nativeParquetRuntime({ backend: new LocalBackend(mkdtempSync(join(tmpdir(), 'writes-whole-'))) } as never, 'native-parquet', false);
    expect(runtime.writesWhole?.(narrowTable(1).schema)).toBe(true);
    expect(runtime.writesWhole?.(allTypesTable().schema)).toBe(false); // dictionaries, lists, structs: joined first
  });
});
