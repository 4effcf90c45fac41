/**
 * A grow-only buffer for bytes that are consumed before the next use: one allocation for a run of
 * uses instead of one per use. Each fresh buffer is memory the kernel must fault in and V8 must
 * later collect:
 * - chunk reads of the `sequential` phase (decode copies the bytes into wasm memory): a read of 1M
 *   seed-narrow rows (8 chunks, 8 MB) took 28.5 ms with a buffer per chunk and 25.1 ms with one;
 * - the IPC stream a wasm encode starts from (parquet-wasm copies it into wasm memory): `pnpm bench
 *   --cases write` of seed-narrow 1M in `batch`, 77.0 ms before, 72.9 and 69.6 ms in runs on either
 *   side of it.
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
