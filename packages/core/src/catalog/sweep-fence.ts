/**
 * The gc fence: how gc and writers in other processes (or on other machines) make sure gc never
 * deletes an object that a committed version names.
 *
 * The danger. gc deletes the objects that no ref reaches and that are older than its grace period.
 * A write names objects before its commit makes them reachable: the chunks it stores, and objects it
 * finds already stored (dedup), which may be old and unreferenced (a table written, dropped from
 * every ref, then written again). A gc that snapshots the refs before such a commit lands and
 * deletes after the write found the object deletes what the commit then names. A grace period only
 * makes that unlikely, and a grace period of 0 makes it likely.
 *
 * The record `gc-fence` (a backend record, replaced by compare-and-swap) holds a generation number,
 * the sweep under way if any, and the ref snapshot of the last sweep:
 *
 * ```
 *   gc:      fence := {gen+1, sweep: owner + lease}        one sweep at a time
 *            snapshot the refs                             linearized with guarded swaps (backend.ts)
 *            fence.sweep.roots := snapshot
 *            mark from the snapshot and the reflog; delete unmarked objects older than the grace period
 *            fence := {gen+1, last: {roots, ended}}
 *
 *   writer:  window := fence                               as the write begins (or, where refs have
 *                                                          versions, the ref's: see WriteWindow.refVersion)
 *            write objects (refreshing those it finds)
 *            swap the ref, guarded: fence = window and neither shows a sweep
 *              guard fails -> fence.waiters += me              no sweep begins while I wait
 *                             wait until no sweep runs; window := fence;
 *                             check that everything the new value reaches exists, walking back from it
 *                             to the last sweep's roots; something missing -> GcConflictError
 *                             (nothing committed; a retry stores it again); else swap again
 *                             fence.waiters -= me
 * ```
 *
 * Why a swap that lands names nothing deleted. Its guard found the fence as it was when the write
 * began, with no sweep, so no sweep began or ran in between (a sweep begins by changing the fence):
 * every object the write wrote or found still exists. A sweep that begins later snapshots the refs
 * after the guard ran, so (linearization) its snapshot holds the new value or a later one and keeps
 * what it reaches. When the guard fails, the write checks for itself once the sweep is over. The
 * walk may stop at the last sweep's roots because every ref value always reaches a complete graph:
 * it is true of every value that lands (by the two cases above), and a sweep deletes nothing its
 * snapshot reaches. Deleting a ref needs no guard: it makes nothing reachable.
 *
 * Progress. A write that overlapped a sweep registers as a waiter, and a sweep does not begin while
 * a live waiter is registered: once the sweep it waits for ends, its check and its swap meet no new
 * sweep (without this, a gc run in a loop starved writers: each new sweep failed their guard again).
 * Waiters that are not in a sweep's way are few and brief, so gc does not starve either.
 *
 * A gc that dies mid-sweep leaves its sweep in the fence, and a writer that dies waiting leaves its
 * registration. Either is ignored and cleared once its owner is gone: on the same host, when its pid
 * is dead; elsewhere, when its lease (renewed every LEASE_RENEW_MS) has run out. The grace period
 * stays, for liveness rather than safety: gc then leaves alone what writes in flight just stored or
 * found, so the check above finds nothing missing and a write that overlapped a sweep lands after
 * waiting for it.
 */
import { randomBytes } from 'node:crypto';

import type { ObjectBackend } from '../backend/backend.js';
import { HOST, processAlive } from '../backend/file-lock.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { CorruptObjectError, GcConflictError, GcRunningError, UnsupportedVersionError } from '../errors.js';
import type { CommitReader } from './history.js';
import type { Expiry } from './expiry.js';
import { missingObjects } from './reachability.js';

export const FENCE_RECORD = 'gc-fence';
const FENCE_FORMAT = 1;
/** A sweep's lease; gc renews it at a third of that, so a live gc never looks dead. */
export const LEASE_MS = 60_000;
export const LEASE_RENEW_MS = LEASE_MS / 3;
/** How long a write waits for a sweep to end before giving up with `GcRunningError`. */
export const DEFAULT_SWEEP_WAIT_MS = 10 * 60_000;

interface Owner {
  host: string;
  pid: number;
  nonce: string;
}

interface Lease {
  owner: Owner;
  /** ISO time after which the owner counts as gone even if it cannot be seen to die. */
  lease: string;
}

interface FenceState {
  format: typeof FENCE_FORMAT;
  /** Sweeps ever begun. */
  gen: number;
  sweep?: Lease & { started: string; roots?: string[] };
  last?: { gen: number; ended: string; roots?: string[]; abandoned?: true };
  /** Writers waiting for a sweep to end, by their owner's nonce: no sweep begins while one is live. */
  waiters?: Record<string, Lease>;
}

/** What a write saw of the fence as it began: its guard requires the same, with no sweep. */
export interface WriteWindow {
  gen: number;
  sweeping: boolean;
  /**
   * A version of the ref the write will swap such that a swap conditioned on it needs no look at the
   * fence: every sweep deletes only after re-writing the ref (its snapshot does, on a backend whose
   * refs have versions), so a swap on this version fails if one did. Either the version read just
   * before the fence showed no sweep (`open`), or one this process wrote by a guarded swap (`after`).
   * Backends without versions: undefined.
   */
  refVersion?: string;
}

/** Thrown by a guard when a sweep overlapped the write; the swap then settles (see the module doc). */
class SweepOverlap extends Error {}

export class SweepFence {
  /** The fence as this process last read it (never read: as if a sweep ran, so a guard looks again). */
  private lastSeen: Omit<WriteWindow, 'refVersion'> = { gen: -1, sweeping: true };

  constructor(
    private readonly backend: ObjectBackend,
    private readonly chunks: ChunkStore,
    private readonly commits: CommitReader,
    private readonly expiry: Expiry,
    private readonly sweepWaitMs = DEFAULT_SWEEP_WAIT_MS,
  ) {}

  /** The window of a write that begins now; `refVersion`: the version of its ref, read just before. */
  async open(refVersion?: string): Promise<WriteWindow> {
    const { state } = await this.read();
    const sweeping = state.sweep !== undefined;
    return { gen: state.gen, sweeping, ...(refVersion !== undefined && !sweeping ? { refVersion } : {}) };
  }

  /**
   * The window of a write that begins on `version` of its ref, a version this process wrote by a
   * guarded swap (and found unchanged): no read. Why that is safe: when that swap landed, no sweep
   * had deleted anything since its guard saw none (a sweep re-writes the ref first, and the swap
   * would have failed), and a sweep that begins later re-writes the ref before deleting, so a swap
   * on `version` fails if any sweep deleted in between. When it fails for another reason (another
   * writer moved the ref), the guard looks at the fence as usual, against the fence as this process
   * last saw it before now; a sweep since shows as a new generation.
   */
  after(version: string): WriteWindow {
    return { ...this.lastSeen, refVersion: version };
  }

  /**
   * Runs `attempt` (a ref swap to `next`) with the guard of `window`; when a sweep overlapped the
   * write, waits for it to end, checks what `next` reaches, renews `window` and tries again.
   * @throws {GcConflictError} a sweep deleted an object `next` reaches
   * @throws {GcRunningError} a sweep ran longer than the wait allows
   */
  async swap(window: WriteWindow, next: string, ref: string, attempt: (guard: (version?: string) => Promise<void>) => Promise<boolean>): Promise<boolean> {
    let waiter: Owner | undefined;
    try {
      for (;;) {
        try {
          return await attempt(async (version) => {
            if (version !== undefined && version === window.refVersion) return;
            const { state } = await this.read();
            if (window.sweeping || state.sweep !== undefined || state.gen !== window.gen) throw new SweepOverlap();
          });
        } catch (e) {
          if (!(e instanceof SweepOverlap)) throw e;
        }
        waiter ??= await this.register();
        delete window.refVersion; // the settled window is the fence as it is now, nothing else
        Object.assign(window, await this.settle(next, ref, waiter));
      }
    } finally {
      if (waiter) await this.unregister(waiter).catch(() => undefined);
    }
  }

  /** Adds this writer to the waiters (see the module doc). */
  private async register(): Promise<Owner> {
    const me = newOwner();
    await this.update((s) => ({ ...s, waiters: { ...liveWaiters(s), [me.nonce]: { owner: me, lease: leaseFromNow() } } }));
    return me;
  }

  private async unregister(me: Owner): Promise<void> {
    await this.update((s) => {
      const { [me.nonce]: _me, ...rest } = liveWaiters(s);
      const { waiters: _w, ...state } = s;
      return Object.keys(rest).length > 0 ? { ...state, waiters: rest } : state;
    });
  }

  /** Replaces the fence with `change(fence)`, by compare-and-swap, retrying when it moved. */
  private async update(change: (s: FenceState) => FenceState): Promise<void> {
    for (;;) {
      const { state, text } = await this.read();
      if (await this.backend.compareAndSwapRecord(FENCE_RECORD, text, serialise(change(state)))) return;
    }
  }

  /**
   * Waits until no sweep runs (renewing `waiter`); then the new window, once everything `next`
   * reaches is known to exist.
   */
  private async settle(next: string, ref: string, waiter: Owner): Promise<WriteWindow> {
    const start = Date.now();
    let renewed = start;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const { state, text } = await this.read();
      const sweep = state.sweep;
      if (!sweep) {
        const missing = await missingObjects(this.chunks, this.commits, next, state.last?.roots ?? [], await this.expiry.walks());
        if (missing.length > 0) throw new GcConflictError(missing, ref);
        return { gen: state.gen, sweeping: false };
      }
      if (gone(sweep)) {
        const { sweep: _s, ...rest } = state;
        const last = { gen: state.gen, ended: new Date().toISOString(), ...(sweep.roots ? { roots: sweep.roots } : {}), abandoned: true as const };
        await this.backend.compareAndSwapRecord(FENCE_RECORD, text, serialise({ ...rest, last }));
        continue;
      }
      if (Date.now() - start > this.sweepWaitMs) {
        throw new GcRunningError(describeOwner(sweep.owner), sweep.started, `waited ${Math.round((Date.now() - start) / 1000)} s for gc to finish before updating ${ref}`);
      }
      if (Date.now() - renewed > LEASE_RENEW_MS) {
        await this.update((s) => ({ ...s, waiters: { ...liveWaiters(s), [waiter.nonce]: { owner: waiter, lease: leaseFromNow() } } }));
        renewed = Date.now();
      }
      await sleep(delay);
    }
  }

  /**
   * Begins a sweep (gc): the fence shows it from now on. A sweep whose owner is gone is taken over.
   * @throws {GcRunningError} another gc is sweeping
   */
  async beginSweep(): Promise<Sweep> {
    const start = Date.now();
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const { state, text } = await this.read();
      if (state.sweep && !gone(state.sweep)) throw new GcRunningError(describeOwner(state.sweep.owner), state.sweep.started);
      const waiting = Object.values(liveWaiters(state));
      if (waiting.length > 0) {
        // Writers wait for a sweep to end: let them land before the next one begins.
        if (Date.now() - start > this.sweepWaitMs) throw new GcRunningError(describeOwner(waiting[0]!.owner), '', `${waiting.length} writer(s) kept waiting for their commits`);
        await sleep(delay);
        continue;
      }
      const now = Date.now();
      const { waiters: _w, ...rest } = state;
      const mine: FenceState = { ...rest, gen: state.gen + 1, sweep: { owner: newOwner(), started: new Date(now).toISOString(), lease: leaseFromNow() } };
      const next = serialise(mine);
      if (await this.backend.compareAndSwapRecord(FENCE_RECORD, text, next)) return new Sweep(this.backend, mine, now);
    }
  }

  private async read(): Promise<{ state: FenceState; text: string | undefined }> {
    const text = await this.backend.readRecord(FENCE_RECORD);
    const state: FenceState = text === undefined ? { format: FENCE_FORMAT, gen: 0 } : parseFence(text);
    this.lastSeen = { gen: state.gen, sweeping: state.sweep !== undefined };
    return { state, text };
  }
}

/** A sweep under way: gc's handle on the fence. */
export class Sweep {
  private lastRenew: number;

  constructor(
    private readonly backend: ObjectBackend,
    private state: FenceState,
    /** When the sweep began (ms since the epoch): what the grace period is counted back from. */
    readonly startedMs: number,
  ) {
    this.lastRenew = startedMs;
  }

  /** Records the ref snapshot, so that writers which overlap even an abandoned sweep can stop their check there. */
  async publishRoots(roots: readonly string[]): Promise<void> {
    await this.replace((s) => ({ ...s, sweep: { ...s.sweep!, roots: [...roots] } }));
  }

  /** Renews the lease when due; call between deletions. @throws {GcRunningError} the sweep was taken over */
  async keepAlive(): Promise<void> {
    if (Date.now() - this.lastRenew < LEASE_RENEW_MS) return;
    await this.replace((s) => ({ ...s, sweep: { ...s.sweep!, lease: leaseFromNow() } }));
  }

  /** Ends the sweep; its snapshot stays as the last sweep's roots. */
  async end(): Promise<void> {
    await this.replace(({ sweep, ...s }) => ({ ...s, last: { gen: s.gen, ended: new Date().toISOString(), ...(sweep!.roots ? { roots: sweep!.roots } : {}) } }));
  }

  /**
   * Applies `change` to the fence while it still shows this sweep (writers may have registered or left
   * meanwhile). @throws {GcRunningError} the sweep was taken over
   */
  private async replace(change: (s: FenceState) => FenceState): Promise<void> {
    for (;;) {
      const text = await this.backend.readRecord(FENCE_RECORD);
      const current = text === undefined ? undefined : parseFence(text);
      if (current?.gen !== this.state.gen || current.sweep?.owner.nonce !== this.state.sweep!.owner.nonce) {
        throw new GcRunningError(describeOwner(this.state.sweep!.owner), this.state.sweep!.started, 'this sweep was taken over (its lease ran out); stopped');
      }
      const next = change(current);
      if (await this.backend.compareAndSwapRecord(FENCE_RECORD, text, serialise(next))) {
        this.state = next;
        this.lastRenew = Date.now();
        return;
      }
    }
  }
}

/** Whether the owner of a lease is gone: dead on this host, or its lease ran out. */
function gone({ owner, lease }: Lease): boolean {
  if (owner.host === HOST && !processAlive(owner.pid)) return true;
  return Date.parse(lease) < Date.now();
}

function liveWaiters(s: FenceState): Record<string, Lease> {
  return Object.fromEntries(Object.entries(s.waiters ?? {}).filter(([, w]) => !gone(w)));
}

function newOwner(): Owner {
  return { host: HOST, pid: process.pid, nonce: randomBytes(8).toString('hex') };
}

const leaseFromNow = (): string => new Date(Date.now() + LEASE_MS).toISOString();

function describeOwner(o: Owner): string {
  return `pid ${o.pid} on ${o.host}`;
}

function serialise(state: FenceState): string {
  return `${JSON.stringify(state)}\n`;
}

function parseFence(text: string): FenceState {
  let state: FenceState;
  try {
    state = JSON.parse(text) as FenceState;
  } catch (e) {
    throw new CorruptObjectError('record', FENCE_RECORD, 'not valid JSON', { cause: e });
  }
  if (!state || typeof state !== 'object') throw new CorruptObjectError('record', FENCE_RECORD, 'not a JSON object');
  if (state.format !== FENCE_FORMAT) throw new UnsupportedVersionError('record', FENCE_RECORD, state.format, FENCE_FORMAT);
  if (!Number.isSafeInteger(state.gen) || state.gen < 0) throw new CorruptObjectError('record', FENCE_RECORD, `invalid generation ${JSON.stringify(state.gen)}`);
  return state;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
