/**
 * The phase contract. A phase decides how chunks are encoded, stored, fetched and decoded; everything
 * above it (manifests, commits, refs) is shared. Phases are cumulative presets, and every phase must
 * produce byte-identical chunks and identical tables for the same input and settings (one conformance
 * suite checks this).
 */
import type { RecordBatch, Table } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { Codec } from '../table/parquet-codec.js';
import type { ChunkStats } from '../table/stats.js';

export const PHASE_ORDER = ['sequential', 'batch', 'mmap', 'parallel-parse', 'native-parquet', 'pushdown'] as const;
export type PhaseName = (typeof PHASE_ORDER)[number];

export interface EncodeSettings {
  codec: Codec;
}

/**
 * What a phase moves: a column chunk, i.e. one column of one chunk (a run of rows), stored as a
 * single-column Parquet file named by the BLAKE3 hash of its bytes. The table writer and reader
 * split chunks into columns and zip them back (table-writer.ts, table-reader.ts).
 */
export interface ColumnChunk {
  id: string;
  rows: number;
}

/** A column chunk after it was stored: its size, statistics, and whether its bytes were new. */
export interface StoredColumnChunk extends ColumnChunk {
  bytes: number;
  stats: ChunkStats;
  written: boolean;
}

export interface ReadChunksOptions {
  /** Re-hash every column chunk and fail on a mismatch. */
  verify?: boolean;
}

/** What a phase does for one store. */
export interface PhaseRuntime {
  /** Skip chunks by statistics and fetch only the needed columns (else: fetch all, then filter). */
  readonly pushdown: boolean;
  /** Encodes each single-column slice (all of one schema) as one column chunk, stores them all; results in input order. */
  writeChunks(slices: readonly Table[], settings: EncodeSettings): Promise<StoredColumnChunk[]>;
  /** Fetches and decodes column chunks (all of one column), one record batch each, in order; fails as a whole if any is missing or corrupt. */
  readChunks(chunks: readonly ColumnChunk[], options: ReadChunksOptions): Promise<RecordBatch[]>;
}

export interface PhaseContext {
  root: string;
  chunks: ChunkStore;
  fsync: boolean;
}

export interface Phase {
  name: PhaseName;
  /** One line for `--help` and reports: what this phase changes relative to the previous one. */
  summary: string;
  /** True when the phase cannot run without @armillaria/native. */
  needsNative: boolean;
  /** Reads skip chunks by statistics and decode only requested columns. */
  pushdown: boolean;
  create(ctx: PhaseContext): PhaseRuntime;
}
