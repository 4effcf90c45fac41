/** Turns a table source into stored chunks through a phase, a bounded group of chunks at a time. */
import { InvalidArgumentError } from '../errors.js';
import type { EncodeSettings, PhaseRuntime, StoredChunk } from '../phases/types.js';
import { groupsOf, sliceIntoChunks, sliceIntoRuns, type TableSource } from './source.js';

// Chunks per phase call: enough for the native phases to use every core, few enough to bound memory
// (a group is held decoded and encoded at once: 8 x 131072 rows). Import of a 5M-row, 5-column
// Parquet file peaked at 528 MB RSS with 16, vs 155 MB of Arrow data.
export const CHUNKS_PER_CALL = 8;

export interface WrittenChunks {
  chunks: StoredChunk[];
  rows: number;
}

export async function writeChunks(
  runtime: PhaseRuntime,
  source: TableSource,
  settings: EncodeSettings,
  onProgress?: (rows: number) => void,
): Promise<WrittenChunks> {
  const chunks: StoredChunk[] = [];
  let rows = 0;
  const stored = (part: StoredChunk[]): void => {
    chunks.push(...part);
    rows += part.reduce((n, c) => n + c.rows, 0);
    onProgress?.(rows);
  };
  if (runtime.writeRows) {
    const whole = Array.isArray(source.batches) && runtime.writesWhole?.(source.schema);
    for await (const run of sliceIntoRuns(source, settings.chunkRows, whole ? Infinity : CHUNKS_PER_CALL)) stored(await runtime.writeRows(run, settings));
  } else {
    for await (const group of groupsOf(sliceIntoChunks(source, settings.chunkRows), CHUNKS_PER_CALL)) stored(await runtime.writeChunks(group, settings));
  }
  return { chunks, rows };
}

/** How many of `chunks` were not in the store before, and their bytes. */
export function newlyStored(chunks: readonly StoredChunk[]): { newChunks: number; newBytes: number } {
  const fresh = chunks.filter((c) => c.written);
  return { newChunks: fresh.length, newBytes: fresh.reduce((n, c) => n + c.bytes, 0) };
}

export function checkChunkRows(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`table: invalid chunkRows ${JSON.stringify(value)} (expected a positive integer)`);
  }
  return value;
}
