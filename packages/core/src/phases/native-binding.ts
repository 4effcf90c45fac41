/**
 * The typed face of @armillaria/native for the phases. Every call goes through `callNative`, so a
 * native failure surfaces as an Armillaria error class with the native error as `cause`.
 */
import type { ChunkRef } from '../catalog/manifest.js';
import { callNative, callNativeSync, NativeUnavailableError } from '../errors.js';
import { nativeStatus } from '../native.js';
import type { Codec } from '../table/parquet-codec.js';

/** The subset of the addon's generated typings (packages/native/index.d.ts) that core uses. */
interface NativeModule {
  putChunks(root: string, chunks: Buffer[], options?: { fsync?: boolean }): Promise<PutResult[]>;
  openPutStream(root: string, options?: { fsync?: boolean }): { add(chunk: Buffer): void; finish(): Promise<PutResult[]> };
  getChunksInto(root: string, ids: string[], sizes: number[], target: Buffer, options?: ChunkCheck): Promise<void>;
  mapChunks(root: string, ids: string[], options?: ChunkCheck): Promise<Buffer[]>;
  reserveMapRegion(bytes: number): Buffer | null;
  mapRegionBytes(sizes: number[]): number;
  mapChunksInto(root: string, ids: string[], sizes: number[], region: Buffer, options?: ChunkCheck): Promise<number[]>;
  unmapChunks(region: Buffer): Promise<void>;
  decodeChunks(chunks: Buffer[], options?: { columns?: string[]; rows?: Uint32Array[] }): Promise<Buffer>;
  encodeChunks(
    ipcStream: Buffer | Buffer[],
    options: { chunkRows: number; compression: Codec },
  ): Promise<{ data: Buffer; id: string; sum: string; rows: number; stats: string }[]>;
  writeTable(
    root: string,
    ipcStream: Buffer | Buffer[],
    options: { chunkRows: number; compression: Codec; fsync?: boolean },
  ): Promise<{ id: string; sum: string; rows: number; bytes: number; written: boolean; stats: string }[]>;
  readTable(root: string, ids: string[], options?: { columns?: string[]; rows?: Uint32Array[] } & ChunkCheck): Promise<Buffer>;
  nativeInfo(): NativeInfo;
  errorCodes(): string[];
}

export interface PutResult {
  id: string;
  /** The chunk's sum (hash/chunk-sum.ts). */
  sum: string;
  written: boolean;
  bytes: number;
}

/** What a native read checks: nothing, or each chunk against its sum where one is given, else its id. */
export interface ChunkCheck {
  verify: boolean;
  sums?: (string | null)[];
}

/** The check of a read of `refs`: their sums where their entries have them (hash/chunk-sum.ts). */
export function checkOf(refs: readonly ChunkRef[], verify: boolean): ChunkCheck {
  return verify ? { verify, sums: refs.map((r) => r.sum ?? null) } : { verify };
}

/** `checkChunks` for a phase with the addon and a local store: maps the files and checks them on the pool. */
export async function checkMapped(native: NativeBinding, root: string, refs: readonly ChunkRef[]): Promise<void> {
  if (refs.length > 0) await native.mapChunks(root, refs.map((r) => r.id), checkOf(refs, true)); // the maps go with the views
}

/** A batch of puts fed one chunk at a time: `add` returns at once, `finish` ends it as `putChunks` would. */
export interface PutStream {
  /** Starts storing `chunk` off the JS thread; leave its bytes alone until `finish` settles. */
  add(chunk: Uint8Array): void;
  /** One result per chunk, in the order added; rejects with the first failure in that order. */
  finish(): Promise<PutResult[]>;
}

export interface NativeBinding {
  putChunks(root: string, chunks: Uint8Array[], fsync: boolean): Promise<PutResult[]>;
  openPutStream(root: string, fsync: boolean): PutStream;
  /** Reads the chunks back to back into `target`, which holds exactly their `sizes`. */
  getChunksInto(root: string, ids: string[], sizes: number[], target: Buffer, check: ChunkCheck): Promise<void>;
  /** The chunks as views of fresh maps, or as copies where the runtime refuses external buffers. */
  mapChunks(root: string, ids: string[], check: ChunkCheck): Promise<Buffer[]>;
  /** A region to map chunk files into, of at least `bytes` bytes; null where the runtime refuses external buffers. */
  reserveMapRegion(bytes: number): Buffer | null;
  /** The bytes a region must span to hold chunks of `sizes` bytes (each starts on a page). */
  mapRegionBytes(sizes: number[]): number;
  /** Maps the chunks into `region`, replacing its previous maps; resolves to each one's offset. */
  mapChunksInto(root: string, ids: string[], sizes: number[], region: Buffer, check: ChunkCheck): Promise<number[]>;
  /** Unmaps the chunk files mapped into `region`, which stays usable. */
  unmapChunks(region: Buffer): Promise<void>;
  /** Decodes chunk files held in memory, in parallel; `rows` as for `readTable`. */
  decodeChunks(chunks: Uint8Array[], options?: { columns?: readonly string[]; rows?: readonly Uint32Array[] }): Promise<Buffer>;
  /** Encodes as `writeTable` would store, without storing: each chunk's bytes, id, sum, rows and stats. */
  encodeChunks(ipc: Uint8Array | readonly Uint8Array[], settings: { chunkRows: number; codec: Codec }): Promise<{ data: Buffer; id: string; sum: string; rows: number; stats: string }[]>;
  /** `ipc`: one IPC stream, or its consecutive pieces. */
  writeTable(root: string, ipc: Uint8Array | readonly Uint8Array[], settings: { chunkRows: number; codec: Codec; fsync: boolean }): Promise<{ id: string; sum: string; rows: number; bytes: number; written: boolean; stats: string }[]>;
  /** `rows`: per chunk, the rows to decode (ascending); all when undefined. */
  readTable(root: string, ids: string[], columns: readonly string[] | undefined, check: ChunkCheck, rows?: readonly Uint32Array[]): Promise<Buffer>;
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The addon, wrapped. @throws {NativeUnavailableError} with the loader's reasons */
export function nativeBinding(what: string): NativeBinding {
  const status = nativeStatus();
  if (!status.available) throw new NativeUnavailableError(what, status.errors, { cause: status.cause });
  const m = status.module as unknown as NativeModule;
  return {
    putChunks: (root, chunks, fsync) => callNative(() => m.putChunks(root, chunks.map(asBuffer), { fsync })),
    openPutStream: (root, fsync) => {
      const stream = m.openPutStream(root, { fsync });
      return {
        add: (chunk) => callNativeSync(() => stream.add(asBuffer(chunk))),
        finish: () => callNative(() => stream.finish()),
      };
    },
    getChunksInto: (root, ids, sizes, target, check) => callNative(() => m.getChunksInto(root, ids, sizes, target, check)),
    mapChunks: (root, ids, check) => callNative(() => m.mapChunks(root, ids, check)),
    reserveMapRegion: (bytes) => callNativeSync(() => m.reserveMapRegion(bytes)),
    mapRegionBytes: (sizes) => callNativeSync(() => m.mapRegionBytes(sizes)),
    mapChunksInto: (root, ids, sizes, region, check) => callNative(() => m.mapChunksInto(root, ids, sizes, region, check)),
    unmapChunks: (region) => callNative(() => m.unmapChunks(region)),
    decodeChunks: (chunks, options = {}) =>
      callNative(() => m.decodeChunks(chunks.map(asBuffer), { ...(options.columns ? { columns: [...options.columns] } : {}), ...(options.rows ? { rows: [...options.rows] } : {}) })),
    encodeChunks: (ipc, s) => callNative(() => m.encodeChunks(ipc instanceof Uint8Array ? asBuffer(ipc) : ipc.map(asBuffer), { chunkRows: s.chunkRows, compression: s.codec })),
    writeTable: (root, ipc, s) =>
      callNative(() => m.writeTable(root, ipc instanceof Uint8Array ? asBuffer(ipc) : ipc.map(asBuffer), { chunkRows: s.chunkRows, compression: s.codec, fsync: s.fsync })),
    readTable: (root, ids, columns, check, rows) =>
      callNative(() => m.readTable(root, ids, { ...(columns ? { columns: [...columns] } : {}), ...(rows ? { rows: [...rows] } : {}), ...check })),
  };
}

/** Facts about the loaded addon, for results. */
export interface NativeInfo {
  version: string;
  threads: number;
  /** The arrow-rs/parquet release compiled in. */
  parquet: string;
  /** The malloc settings the addon applied to the process (`ARMILLARIA_MALLOC`). */
  malloc: string;
}

/** Version, thread count, parquet crate and malloc settings of the loaded addon, or undefined. */
export function nativeInfo(): NativeInfo | undefined {
  const status = nativeStatus();
  return status.available ? (status.module as unknown as NativeModule).nativeInfo() : undefined;
}

/** The error codes the addon can emit (drift guard against core/src/errors.ts). */
export function nativeErrorCodes(): string[] | undefined {
  const status = nativeStatus();
  return status.available ? (status.module as unknown as NativeModule).errorCodes() : undefined;
}
