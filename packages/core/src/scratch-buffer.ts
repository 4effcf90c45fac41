/**
 * A grow-only buffer for bytes that are consumed before the next use: one allocation for a run of
 * uses instead of one per use. Each fresh buffer is memory the kernel must fault in and V8 must
 * later collect. `bench --cases write,read --phases sequential,batch --datasets seed-narrow-1m
 * --runs 7`, three rounds with the builds alternating, medians:
 * - chunk reads of the `sequential` phase (decode copies the bytes into wasm memory): read 7.5 / 7.7
 *   / 7.3 ms with one buffer per read, 19.0 / 18.5 / 19.1 ms with a fresh buffer per chunk;
 * - the IPC stream a wasm encode starts from (parquet-wasm copies it into wasm memory): `sequential`
 *   write 52.8 / 47.3 / 57.7 ms, against 71.9 / 68.2 / 64.7 ms with `Buffer.concat` per chunk
 *   (`batch` writes measured the same either way: 57.0 / 51.1 / 57.7 against 57.6 / 56.6 / 57.5 ms).
 */
export class ScratchBuffer {
  private buffer = Buffer.alloc(0);

  /** A view of `size` bytes, valid until the next call (which may overwrite or replace it). */
  take(size: number): Buffer {
    if (this.buffer.length < size) this.buffer = Buffer.allocUnsafeSlow(Math.max(size, this.buffer.length * 2));
    return this.buffer.subarray(0, size);
  }

  /** `pieces` joined in this buffer, valid until the next call. */
  join(pieces: readonly Uint8Array[]): Buffer {
    const out = this.take(pieces.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

/**
 * Lends one reusable object (a ScratchBuffer, a MapWindow) to one async user at a time, for memory
 * that outlives a single call (a phase's reads). A user that finds it lent out gets a fresh one;
 * whichever comes back last is kept.
 */
export class ScratchPool<T> {
  private spare: T | undefined;

  constructor(private readonly make: () => T) {}

  /** Hands back the kept item, if any, and forgets it (for releasing it when its owner closes). */
  drain(): T | undefined {
    const item = this.spare;
    this.spare = undefined;
    return item;
  }

  async use<R>(fn: (item: T) => Promise<R>): Promise<R> {
    const item = this.spare ?? this.make();
    this.spare = undefined;
    try {
      return await fn(item);
    } finally {
      this.spare = item;
    }
  }
}
