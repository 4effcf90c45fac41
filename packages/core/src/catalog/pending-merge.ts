/**
 * Merges left with conflicts, per branch, so that they can be looked at, settled and finished later
 * (`merge --status`, `merge --continue`, `merge --abort`), from another process or by another user.
 * One backend record, `merges`, replaced by compare-and-swap. It records what to merge (the source as
 * given and the commit it named), never a half-merged state: finishing merges that commit into the
 * branch as it is then, so nothing in it can go stale or be lost.
 */
import type { ObjectBackend } from '../backend/backend.js';
import { CorruptObjectError } from '../errors.js';
import { readJsonRecord } from './records.js';

const RECORD = 'merges';
const FORMAT = 1;

export interface PendingMerge {
  /** The source as the merge was asked for (a branch, tag or commit). */
  source: string;
  /** The commit it named then: what finishing the merge merges. */
  theirs: string;
  /** When the merge stopped on conflicts (ISO 8601 UTC). */
  time: string;
  message?: string;
}

export class PendingMerges {
  constructor(private readonly backend: ObjectBackend) {}

  async get(branch: string): Promise<PendingMerge | undefined> {
    return (await this.read()).pending[branch];
  }

  /** Records (or replaces) the pending merge of `branch`; `undefined` clears it. Returns what was there. */
  async set(branch: string, merge: PendingMerge | undefined): Promise<PendingMerge | undefined> {
    for (;;) {
      const { pending, text } = await this.read();
      const before = pending[branch];
      if (merge === undefined && before === undefined) return undefined;
      const { [branch]: _old, ...rest } = pending;
      const next = JSON.stringify({ format: FORMAT, pending: merge ? { ...rest, [branch]: merge } : rest });
      if (await this.backend.compareAndSwapRecord(RECORD, text, next)) return before;
    }
  }

  private async read(): Promise<{ pending: Record<string, PendingMerge>; text: string | undefined }> {
    const { state, text } = await readJsonRecord<{ pending?: unknown }>(this.backend, RECORD, FORMAT);
    if (!state) return { pending: {}, text };
    const ok = (m: Partial<PendingMerge>) => typeof m?.source === 'string' && typeof m.theirs === 'string' && /^[0-9a-f]{64}$/.test(m.theirs) && typeof m.time === 'string';
    if (!state.pending || typeof state.pending !== 'object' || !Object.values(state.pending).every(ok)) throw new CorruptObjectError('record', RECORD, 'malformed pending merges');
    return { pending: state.pending as Record<string, PendingMerge>, text };
  }
}
