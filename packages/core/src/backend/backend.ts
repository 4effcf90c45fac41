/**
 * The storage backend interface. The local directory (`LocalBackend`) is the embedded default; an
 * object store (S3 protocol, conditional writes for refs) implements the same interface.
 *
 * Objects are immutable and content-addressed: `putObject` of an id that exists is a no-op. Refs are
 * small mutable pointers updated only by compare-and-swap.
 */
import type { ScratchBuffer } from '../scratch-buffer.js';

export interface PutResult {
  id: string;
  /** False when the object already existed (dedup): no bytes were written. */
  written: boolean;
  bytes: number;
}

/** One line of a ref's history: every update of a ref is logged, so a moved or deleted ref can be recovered. */
export interface RefLogEntry {
  /** ISO 8601 UTC. */
  time: string;
  /** Previous value (`null` when the ref was created). */
  old: string | null;
  /** New value (`null` when the ref was deleted). */
  new: string | null;
  reason: string;
}

/** Puts whose durability is settled by one `finish` (see `ObjectBackend.putBatch`). */
export interface ObjectPutBatch {
  put(id: string, bytes: Uint8Array): Promise<PutResult>;
  /** Resolves when every put that has resolved is durable. */
  finish(): Promise<void>;
}

export interface ObjectBackend {
  /** Human-readable location, used in messages. */
  readonly location: string;
  /** Stores bytes under `id` durably (the caller has computed `id` from the bytes). */
  putObject(id: string, bytes: Uint8Array): Promise<PutResult>;
  /**
   * Optional: puts made durable together. A local disk then flushes each directory once, at
   * `finish`, rather than once per object inside each put. Nothing durable may name the objects
   * before `finish` resolves.
   */
  putBatch?(): ObjectPutBatch;
  /**
   * The stored bytes, or `undefined` when there is no such object. With `into`, the bytes may be
   * read into that buffer and so be valid only until its next use.
   */
  getObject(id: string, into?: ScratchBuffer): Promise<Uint8Array | undefined>;
  hasObject(id: string): Promise<boolean>;
  /** Marks an object as just written (gc's grace period starts again); false when it does not exist. */
  touchObject(id: string): Promise<boolean>;
  /** Every stored object id with its size and modification time. */
  listObjects(): AsyncIterable<{ id: string; bytes: number; mtimeMs: number }>;
  /** Deletes an object; with `ifOlderThanMs`, only if it was not written (or re-put) more recently. */
  deleteObject(id: string, ifOlderThanMs?: number): Promise<boolean>;

  /** Current value of a ref (`heads/main`, `tags/v1`), or `undefined`. */
  readRef(name: string): Promise<string | undefined>;
  /**
   * Atomically sets ref `name` to `next` if its current value is `expected` (`undefined` = must not
   * exist; `next` = `undefined` deletes it). Returns false, changing nothing, when the value differs.
   */
  compareAndSwapRef(name: string, expected: string | undefined, next: string | undefined, reason?: string): Promise<boolean>;
  /**
   * Optional: does ahead of time whatever a `compareAndSwapRef` to `commit` would write, so that a
   * caller can overlap it with other work. Harmless if no ref ever takes the value.
   */
  prepareRefValue?(commit: string): Promise<void>;
  /** Names of the refs under a prefix (`heads/`, `tags/`). */
  listRefs(prefix: string): Promise<string[]>;
  /** Every ref's reflog (deleted refs' too), by ref name, each oldest first. */
  readRefLogs(): Promise<Map<string, RefLogEntry[]>>;
  /**
   * Deletes temp files (left by interrupted writes) and any other bookkeeping files no longer in use,
   * when older than `olderThanMs`; returns how many.
   */
  sweepLeftovers(olderThanMs: number): Promise<number>;
}
