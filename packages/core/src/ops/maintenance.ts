/**
 * verify (fsck) and garbage collection, both built on one walk of the commit graph (catalog/reachability.ts).
 *
 * gc keeps every object reachable from a branch or tag, and from any reflog entry younger than the
 * retention (so a ref moved or deleted by mistake can be restored), not walking past the cuts of
 * expired history (catalog/expiry.ts). It sweeps inside the gc fence
 * (catalog/sweep-fence.ts), which is what makes it safe beside writers in other processes, whatever the grace
 * period; the grace period (objects younger than it are kept) spares writes in flight a retry.
 */
import type { ObjectBackend } from '../backend/backend.js';
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { InvalidArgumentError } from '../errors.js';
import type { Cut, Expiry } from '../catalog/expiry.js';
import type { CommitReader } from '../catalog/history.js';
import { reachableObjects } from '../catalog/reachability.js';
import type { SweepFence } from '../catalog/sweep-fence.js';

export interface VerifyReport {
  objectsChecked: number;
  /** Objects whose bytes do not hash to their id, or references to missing or unreadable objects. */
  problems: { id: string; problem: string }[];
}

export interface GcOptions {
  /** Never delete objects younger than this (default 1 hour); 0 is safe too (see catalog/sweep-fence.ts). */
  graceMs?: number;
  /** Keep what reflog entries younger than this reach (default 30 days). */
  reflogRetentionMs?: number;
  /** Report what would be deleted without deleting it. */
  dryRun?: boolean;
}

export interface GcReport {
  reachable: number;
  /** Objects deleted (with `dryRun`: that would be deleted). */
  deleted: number;
  bytesFreed: number;
  /** Unreachable objects kept because they are younger than the grace period. */
  keptYoung: number;
  /** Leftover files removed: temp files of interrupted writes, and ref value files no ref uses. */
  tempFilesRemoved: number;
}

export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_REFLOG_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** The options with defaults filled in. @throws {InvalidArgumentError} naming a bad value */
export function parseGcOptions(options: GcOptions): Required<GcOptions> {
  const duration = (name: string, v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(`gc: invalid ${name} ${JSON.stringify(v)} (expected a number of milliseconds >= 0)`);
    }
    return v;
  };
  if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') {
    throw new InvalidArgumentError(`gc: invalid dryRun ${JSON.stringify(options.dryRun)} (expected true or false)`);
  }
  return {
    graceMs: duration('graceMs', options.graceMs, DEFAULT_GC_GRACE_MS),
    reflogRetentionMs: duration('reflogRetentionMs', options.reflogRetentionMs, DEFAULT_REFLOG_RETENTION_MS),
    dryRun: options.dryRun ?? false,
  };
}

async function readRefs(backend: ObjectBackend): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const name of await backend.listRefs('')) {
    const value = await backend.readRef(name);
    if (value !== undefined) refs.set(name, value);
  }
  return refs;
}

/**
 * Roots for a walk: every ref's value, and with a retention, the values recent reflog entries name,
 * but for a branch's entries from before a cut of its history was made (catalog/expiry.ts).
 */
async function roots(backend: ObjectBackend, refs: Map<string, string>, reflogRetentionMs: number | undefined, cuts: readonly Cut[] = []): Promise<{ id: string; from: string }[]> {
  const out = [...refs].map(([name, id]) => ({ id, from: `ref ${name}` }));
  if (reflogRetentionMs !== undefined) {
    const cutoff = Date.now() - reflogRetentionMs;
    // A branch's newest cut: its entries up to the cut's making name expired commits, but for the
    // move onto the cut itself, whose old value is the cut's parent.
    const newestCut = new Map<string, Cut>();
    for (const c of cuts) if (!(Date.parse(newestCut.get(`heads/${c.branch}`)?.time ?? '') >= Date.parse(c.time))) newestCut.set(`heads/${c.branch}`, c);
    for (const [name, log] of await backend.readRefLogs()) {
      const cut = newestCut.get(name);
      for (const e of log) {
        const t = Date.parse(e.time);
        if (!(t >= cutoff)) continue;
        const ids = cut && e.new === cut.commit ? [e.new] : !cut || t > Date.parse(cut.time) ? [e.old, e.new] : [];
        for (const id of ids) if (id) out.push({ id, from: `reflog of ${name}` });
      }
    }
  }
  return out;
}

/**
 * Re-hashes every object and checks that every ref, commit, manifest and chunk it reaches exists and
 * decodes. Reports every problem found, each naming its object; throws only when storage itself fails.
 */
export async function verifyStore(
  backend: ObjectBackend,
  chunks: ChunkStore,
  commits: CommitReader,
  expiry: Expiry,
  onProgress?: (checked: number) => void,
): Promise<VerifyReport> {
  const problems: VerifyReport['problems'] = [];
  let objectsChecked = 0;
  for await (const bad of chunks.verifyAll((n) => {
    objectsChecked = n;
    onProgress?.(n);
  })) {
    problems.push(bad);
  }
  const corrupt = new Set(problems.map((p) => p.id));
  const refs = new Map<string, string>();
  for (const [name, value] of await readRefs(backend)) {
    if (/^[0-9a-f]{64}$/.test(value)) refs.set(name, value);
    else problems.push({ id: `refs/${name}`, problem: `ref ${name} holds ${JSON.stringify(value.slice(0, 80))}, not a commit id` });
  }
  await reachableObjects(commits, chunks, await roots(backend, refs, undefined), await expiry.walks(), (id, problem) => {
    if (!corrupt.has(id)) problems.push({ id, problem });
  });
  return { objectsChecked, problems };
}

/** Deletes unreachable objects older than the grace period, and leftover files, inside the gc fence. */
export async function collectGarbage(
  backend: ObjectBackend,
  chunks: ChunkStore,
  commits: CommitReader,
  fence: SweepFence,
  expiry: Expiry,
  options: GcOptions = {},
): Promise<GcReport> {
  const { graceMs, reflogRetentionMs, dryRun } = parseGcOptions(options);
  const sweep = dryRun ? undefined : await fence.beginSweep();
  try {
    // Read first: a cut recorded from here on only makes this sweep keep more than it could.
    const history = await expiry.walks();
    // A dry run deletes nothing, so it needs no snapshot linearized with writers (nor a writable store).
    const refs = sweep ? await backend.snapshotRefs() : await readRefs(backend);
    await sweep?.publishRoots([...new Set(refs.values())]);
    const live = await reachableObjects(commits, chunks, await roots(backend, refs, reflogRetentionMs, history.cuts), history);
    const report: GcReport = { reachable: live.size, deleted: 0, bytesFreed: 0, keptYoung: 0, tempFilesRemoved: 0 };
    // Counted back from the sweep's start: what a writer stores or finds from then on is younger.
    const cutoff = (sweep?.startedMs ?? Date.now()) - graceMs;
    for await (const o of backend.listObjects()) {
      if (live.has(o.id)) continue;
      if (o.mtimeMs >= cutoff) {
        report.keptYoung++;
        continue;
      }
      await sweep?.keepAlive();
      if (dryRun || (await backend.deleteObject(o.id, Date.now() - cutoff))) {
        report.deleted++;
        report.bytesFreed += o.bytes;
      } else report.keptYoung++;
    }
    if (sweep) report.tempFilesRemoved = await backend.sweepLeftovers(graceMs);
    await sweep?.end();
    return report;
  } catch (e) {
    // A failed sweep ends too, so that writers do not wait for it; they check what they name.
    await sweep?.end().catch(() => undefined);
    throw e;
  }
}
