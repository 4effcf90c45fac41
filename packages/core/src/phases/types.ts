/**
 * The phase contract. A phase decides how chunks are encoded, stored, fetched and decoded; everything
 * above it (manifests, commits, refs) is shared. Phases are cumulative presets, and every phase must
 * produce byte-identical chunks and identical tables for the same input and settings (one conformance
 * suite checks this).
 */
import type { RecordBatch, Schema, Table } from 'apache-arrow';

import type { ObjectBackend } from '../backend/backend.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import type { ChunkRef } from '../catalog/manifest.js';
import type { Codec } from '../table/parquet-codec.js';

export const PHASE_ORDER = ['sequential', 'batch', 'mmap', 'parallel-parse', 'native-parquet', 'pushdown'] as const;
export type PhaseName = (typeof PHASE_ORDER)[number];

export interface EncodeSettings {
  codec: Codec;
  chunkRows: number;
}

/** A chunk after it was stored: its manifest entry and whether its bytes were new. */
export interface StoredChunk extends ChunkRef {
  written: boolean;
}

export interface ReadChunksOptions {
  /** Decode only these top-level columns. */
  columns?: readonly string[];
  /** Re-hash every chunk and fail on a mismatch (callers decide; readers default to true). */
  verify: boolean;
  /**
   * Per chunk, the rows to decode (ascending, at least one); the batch of a chunk then holds just
   * those. Only for runtimes with `pushdown`, which skip the other rows instead of decoding them.
   */
  rows?: readonly Uint32Array[];
}

/** What a phase does for one store. */
export interface PhaseRuntime {
  /**
   * Skip chunks by statistics and decode only the needed columns, and of the other columns only the
   * rows that match (`ReadChunksOptions.rows`); else: decode all, then filter.
   */
  readonly pushdown: boolean;
  /** Encodes each slice as one chunk, stores them all; results in input order. */
  writeChunks(slices: readonly Table[], settings: EncodeSettings): Promise<StoredChunk[]>;
  /**
   * For phases that cut chunks themselves: stores `rows`, cut every `chunkRows` rows (the last chunk
   * may be shorter), as `writeChunks` would store those chunks. `sliceIntoRuns` makes the input:
   * every chunk lies inside one batch, so the encoder sees what `writeChunks` would have given it.
   */
  writeRows?(rows: Table, settings: EncodeSettings): Promise<StoredChunk[]>;
  /**
   * Whether `writeRows` takes rows of `schema` that are in memory whole, in one call: where it
   * stores each chunk as it is encoded and reads the columns where they lie, a call holds only the
   * chunks in flight, so runs (`CHUNKS_PER_CALL`) bound nothing. One call spares the runs cut out of
   * a batch (arrow-js copies a sliced string column's offsets to serialize it: 11 ms of a
   * flights-3m write on the JS thread) and a core idle at the end of each run.
   */
  writesWhole?(schema: Schema): boolean;
  /** Fetches and decodes `chunks`, in order; fails as a whole if any is missing or corrupt. */
  readChunks(chunks: readonly ChunkRef[], options: ReadChunksOptions): Promise<RecordBatch[]>;
  /**
   * Checks chunk files against their sums (else ids) without decoding them, off the JS thread: for
   * readers that hand the files to another engine (SQL). Phases with the addon and a local store
   * have it; elsewhere callers fetch and check through the chunk store.
   */
  checkChunks?(chunks: readonly ChunkRef[]): Promise<void>;
  /** Releases what the runtime keeps between reads (the mmap phases' map regions). */
  close?(): Promise<void>;
}

/**
 * What a phase works on: the store's object-I/O port, and the chunk store over it. A phase whose fast
 * path handles chunk files itself takes it where `backend.localRoot` is set, and otherwise moves the
 * bytes through the port (port-io.ts).
 */
export interface PhaseContext {
  backend: ObjectBackend;
  chunks: ChunkStore;
}

export interface Phase {
  name: PhaseName;
  /** One line for `--help` and reports: what this phase changes relative to the previous one. */
  summary: string;
  /** True when the phase cannot run without @armillaria/native. */
  needsNative: boolean;
  /** True when the phase maps chunk files, so the store must be a directory on this machine. */
  needsLocalFiles: boolean;
  /** Reads skip chunks by statistics and decode only requested columns. */
  pushdown: boolean;
  create(ctx: PhaseContext): PhaseRuntime;
}
