/**
 * Zero-copy chunk reads for `mmap` and `parallel-parse`: a reader maps each read's chunk files into
 * one region of address space that it keeps and views them through the region's one Buffer, instead
 * of a fresh external Buffer per chunk per read (the addon's `MapRegion` says why, with numbers).
 */
import type { ChunkRef } from '../catalog/manifest.js';
import { ScratchPool } from '../scratch-buffer.js';
import { checkOf, type NativeBinding } from './native-binding.js';

export class MapWindow {
  /** Null once the runtime refused the region's external Buffer (Electron with the V8 sandbox). */
  private region: Buffer | null | undefined;
  /** The unmapping of the previous read's files, which runs off the JS thread. */
  private released: Promise<void> = Promise.resolve();

  constructor(
    private readonly native: NativeBinding,
    private readonly root: string,
  ) {}

  async read<R>(refs: readonly ChunkRef[], verify: boolean, use: (views: Buffer[]) => R | Promise<R>): Promise<R> {
    const ids = refs.map((r) => r.id);
    const sizes = refs.map((r) => r.bytes);
    const check = checkOf(refs, verify);
    await this.released;
    const region = this.regionFor(sizes);
    // The copying path where the runtime refuses external buffers: mapChunks copies the maps there.
    if (!region) return use(await this.native.mapChunks(this.root, ids, check));
    try {
      const offsets = await this.native.mapChunksInto(this.root, ids, sizes, region, check);
      return await use(offsets.map((at, i) => region.subarray(at, at + sizes[i]!)));
    } finally {
      // Release the files (also those a failed read had mapped), so that a chunk deleted later frees
      // its disk space at once. Should that fail, the region is dropped (V8 unmaps it when it
      // collects it) and the next read reserves another.
      this.released = this.native.unmapChunks(region).catch(() => {
        if (this.region === region) this.region = undefined;
      });
    }
  }

  /** Waits for the last read's files to be unmapped and drops the region (V8 unmaps it when it collects it). */
  async close(): Promise<void> {
    await this.released;
    this.region = undefined;
  }

  /** A region for chunks of `sizes` bytes, or null where the runtime refuses external buffers. */
  private regionFor(sizes: number[]): Buffer | null {
    if (this.region === null) return null;
    const need = this.native.mapRegionBytes(sizes);
    const have = this.region?.length ?? 0;
    // A region too small is replaced; it unmaps when V8 collects it.
    if (have < need) this.region = this.native.reserveMapRegion(Math.max(need, 2 * have));
    return this.region ?? null;
  }
}

/** Map windows for one store's reads, one per read in flight. */
export class MappedReads {
  private readonly windows: ScratchPool<MapWindow>;

  constructor(native: NativeBinding, root: string) {
    this.windows = new ScratchPool(() => new MapWindow(native, root));
  }

  /**
   * Maps the chunks of `refs` (verifying their hashes if asked) and passes `use` a view of each, in
   * order; the views are valid only until `use` settles.
   */
  read<R>(refs: readonly ChunkRef[], verify: boolean, use: (views: Buffer[]) => R | Promise<R>): Promise<R> {
    return this.windows.use((window) => window.read(refs, verify, use));
  }

  /** Releases the kept window (reads still in flight release theirs as they finish). */
  async close(): Promise<void> {
    await this.windows.drain()?.close();
  }
}
