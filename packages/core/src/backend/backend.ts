/**
 * The object-I/O port: the one interface through which Armillaria's bytes reach storage. Everything
 * above it (chunk store, manifests, commits, refs, gc) is written against this contract; the local
 * directory (`LocalBackend`) is the embedded default, and the addon's `layout.rs`/`batch.rs` implement
 * the object half of it natively for the same directory. Every implementation must keep the rules
 * below; the shared conformance suite (`test/backend/conformance.ts`) checks each one.
 *
 * Objects (immutable, named by the BLAKE3-256 hex of their bytes; the caller computes the id):
 * - A put creates the object if absent. When its promise (or its batch's `finish`) resolves, the
 *   object is durable: nothing durable may name it before then. A reader sees no object or all of it.
 * - A put that finds its object in place writes nothing, reports `written: false`, and *refreshes*
 *   it: its age (modification time) restarts, as if it had just been written. gc's grace period
 *   counts from that age, so a write that reuses an old, unreferenced object keeps it from being
 *   collected before its commit. `refreshObject` does the same alone.
 * - Puts of the same id racing in several processes are harmless: every one of them leaves the same
 *   complete object.
 * - A get of an absent object is `undefined`; `getObjects` fails as a whole, naming the first missing id.
 *   Gets return stored bytes unchecked: the chunk store re-hashes them.
 * - `deleteObject(id, ifOlderThanMs)` deletes only an object not refreshed within that age.
 * - A crash leaves at most leftovers (temp files) that `sweepLeftovers` removes; never a partial object.
 *
 * Refs (branch and tag heads, `heads/main`, `tags/v1`; the value is a commit id):
 * - `compareAndSwapRef` is atomic: it changes the ref only if its value is `expected`, and is durable
 *   when it resolves. Every change is appended to the reflog.
 * - A swap's `guard` runs at the swap's linearization point, after the current value was found equal
 *   to `expected` and before the change becomes visible; if it throws, nothing changes. A backend whose
 *   refs have versions (S3's ETags) swaps on a version and passes it to the guard: the swap then
 *   succeeds only if the ref has not been written since that version was read.
 * - `snapshotRefs` is linearized with guarded swaps: for every swap that succeeds, either the snapshot
 *   holds its result (or a later one), or its guard started after `snapshotRefs` was called. gc
 *   relies on this to fence writers (catalog/sweep-fence.ts); a backend whose swaps are conditional
 *   writes achieves it by re-writing each ref it snapshots.
 *
 * Records (small mutable documents, such as the gc fence): read whole, replaced whole by
 * compare-and-swap of their text; durable when the swap resolves.
 *
 * The store marker says a location holds a store (and in which format); it is created once, by
 * whoever gets there first.
 *
 * Implementations: `LocalBackend` (a directory; the addon reads and writes the same layout) and
 * `S3Backend` (S3-compatible object storage, with conditional writes). `openBackend` picks one from a
 * location.
 */
import type { ScratchBuffer } from '../scratch-buffer.js';

export interface PutResult {
  id: string;
  /** False when the object already existed (dedup): no bytes were written, the object was refreshed. */
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

export interface SwapOptions {
  /** Written to the reflog. */
  reason?: string;
  /** Runs at the linearization point (see the module doc), with the version the swap is conditioned on, if any; throwing cancels the swap. */
  guard?: (version?: string) => Promise<void>;
  /** Told the value found when the swap fails because the ref holds another: a caller that retries need not read it again. */
  onMismatch?: (current: string | undefined) => void;
}

export interface RefVersion {
  version: string;
  swapped: boolean;
  /** The commit the ref held at that version (undefined: a tombstone or a pending ref). */
  value: string | undefined;
}

export interface StoredObject {
  id: string;
  bytes: number;
  /** Last write or refresh, in ms since the epoch. */
  mtimeMs: number;
}

export interface ObjectBackend {
  /** Human-readable location, used in messages. */
  readonly location: string;
  /**
   * The directory that holds the objects as files on this machine, when there is one: the native
   * phases then read, write and map them directly, by the same layout (backend/layout.ts).
   */
  readonly localRoot?: string;
  /** Whether puts and swaps are made durable (false only for throwaway stores). */
  readonly durable: boolean;

  /** Stores bytes under `id` durably (the caller has computed `id` from the bytes). */
  putObject(id: string, bytes: Uint8Array): Promise<PutResult>;
  /**
   * Puts made durable together: a local disk flushes each directory once, at `finish`, rather than
   * once per object. Nothing durable may name the objects before `finish` resolves.
   */
  putBatch(): ObjectPutBatch;
  /**
   * The stored bytes, or `undefined` when there is no such object. With `into`, the bytes may be
   * read into that buffer and so be valid only until its next use.
   */
  getObject(id: string, into?: ScratchBuffer): Promise<Uint8Array | undefined>;
  /** Many objects at once (in parallel where the medium gains from it), in order; `undefined` for each absent one. */
  getObjects(ids: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  hasObject(id: string): Promise<boolean>;
  /** Restarts an object's age as a put that finds it does; false when it does not exist. */
  refreshObject(id: string): Promise<boolean>;
  /** Every stored object with its size and age. */
  listObjects(): AsyncIterable<StoredObject>;
  /** Deletes an object; with `ifOlderThanMs`, only if it was not written or refreshed more recently. */
  deleteObject(id: string, ifOlderThanMs?: number): Promise<boolean>;

  /** Current value of a ref (`heads/main`, `tags/v1`), or `undefined`. */
  readRef(name: string): Promise<string | undefined>;
  /**
   * Optional (backends whose refs have versions): the version of ref `name` as this backend last read
   * or wrote it; `swapped` when this backend wrote that very version by a guarded swap, which makes
   * the fence's check unnecessary for a swap on it (catalog/sweep-fence.ts, `SweepFence.after`).
   */
  refVersion?(name: string): RefVersion | undefined;
  /**
   * Atomically sets ref `name` to `next` if its current value is `expected` (`undefined` = must not
   * exist; `next` = `undefined` deletes it). Returns false, changing nothing, when the value differs.
   */
  compareAndSwapRef(name: string, expected: string | undefined, next: string | undefined, options?: SwapOptions): Promise<boolean>;
  /** Every ref's value, linearized with guarded swaps (see the module doc). */
  snapshotRefs(): Promise<Map<string, string>>;
  /**
   * Optional: does ahead of time whatever a `compareAndSwapRef` to `commit` would write, so that a
   * caller can overlap it with other work. Harmless if no ref ever takes the value.
   */
  prepareRefValue?(commit: string): Promise<void>;
  /** Names of the refs under a prefix (`heads/`, `tags/`). */
  listRefs(prefix: string): Promise<string[]>;
  /** Every ref's reflog (deleted refs' too), by ref name, each oldest first. */
  readRefLogs(): Promise<Map<string, RefLogEntry[]>>;

  /** The text of record `name`, or `undefined`. */
  readRecord(name: string): Promise<string | undefined>;
  /** Replaces record `name` if its text is `expected` (`undefined` = absent); false otherwise. */
  compareAndSwapRecord(name: string, expected: string | undefined, next: string): Promise<boolean>;

  /** The store marker's text, or `undefined` where there is no store. */
  readMarker(): Promise<string | undefined>;
  /** Creates the store (its layout and marker); false, changing nothing, when a marker exists. */
  createMarker(text: string): Promise<boolean>;
  /** Optional: calls `listener` soon after a ref may have changed (readers of changes poll anyway). */
  watchRefs?(listener: () => void): { close(): void };

  /**
   * Deletes leftovers of interrupted writes (temp files) and bookkeeping files no longer in use, when
   * older than `olderThanMs` and no live writer owns them; returns how many were removed.
   */
  sweepLeftovers(olderThanMs: number): Promise<number>;
  /** Releases what the backend holds (connections, watchers). Idempotent. */
  close?(): void;
}
