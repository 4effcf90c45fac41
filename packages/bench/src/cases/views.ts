/**
 * Views: a version published as a Delta Lake table that other engines read (Armillaria only: a Delta
 * table is itself what they read). Issue #25's targets: a first publish costs under 10% of writing
 * the dataset, and a version that changed one chunk publishes only that chunk and one small commit.
 *  - publish: first publishes of the dataset into fresh directories (the tries), beside writes of the
 *    dataset to fresh targets timed the same way (`extra.firstShare` = median publish / median write);
 *    then one-row updates of a target of its own, each republished into one view
 *    (`extra.republishBytes`: bytes written per republish, against `extra.viewBytes`, the bytes the
 *    store holds for the dataset).
 */
import type { BenchResult } from '@armillaria/report';

import { timingStats } from '../measure.js';
import { updateTable } from '../workloads.js';
import { datasetSource, ensureMain, op, PeakTracker, storedBytes, tryOf, unmeasured, wantMoreTries, type BenchCase } from './case.js';

/** Writes timed for the share, and one-row updates republished. */
const WRITES = 3;
const REPUBLISHES = 5;

const median = (xs: readonly number[]): number => timingStats(xs).median;

export const publishCase: BenchCase = {
  name: 'publish',
  summary: 'publish as a Delta Lake table: a first publish against a write of the dataset; republishes after one-row updates',
  feature: 'publish',
  throughput: false,
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  async run(ctx) {
    const peak = new PeakTracker();
    const { target } = await ensureMain(ctx, peak);
    const tries: BenchResult['tries'] = [];
    // The first try is lukewarm (the chunks' pages cold for the check); the rest are measured.
    for (let i = 0; i === 0 || wantMoreTries(ctx.settings, tries.slice(1)); i++) {
      const r = await op(ctx, peak, { op: 'publish', target, view: `first-${ctx.round}-${i}` });
      if (r.extra?.linked === undefined && r.extra?.copied === undefined) return { status: 'error', error: 'publish reported no files', tries };
      tries.push(tryOf(r, i === 0 ? 'lukewarm' : undefined));
    }
    const viewBytes = await storedBytes(ctx, target);
    const writes: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const w = `publish-write-${ctx.round}-${i}`;
      writes.push((await op(ctx, peak, { op: 'write', target: w, source: datasetSource(ctx), mode: 'overwrite' })).internalMs);
      await ctx.engine.run({ op: 'drop', target: w });
    }

    // A target of its own (main must keep holding the dataset), republished after each one-row update.
    const updated = `publish-updates-${ctx.round}`;
    const view = `updates-${ctx.round}`;
    await unmeasured(ctx, { op: 'write', target: updated, source: datasetSource(ctx), mode: 'overwrite' });
    await unmeasured(ctx, { op: 'publish', target: updated, view });
    const ids = ctx.dataset.table.getChild('id')!;
    const rows = ctx.dataset.table.numRows;
    const republish: { ms: number; bytes: number; commits: number }[] = [];
    for (let u = 0; u < REPUBLISHES; u++) {
      const row = Math.floor(((u + 0.5) * rows) / REPUBLISHES);
      const change = updateTable({ rows: Uint32Array.of(row), values: Float64Array.of(-1 - u) }, (r) => BigInt(ids.get(r) as bigint | number));
      await unmeasured(ctx, { op: 'update', target: updated, updates: { key: `publish-update:${ctx.dataset.spec.name}:${u}`, table: change } });
      const r = await op(ctx, peak, { op: 'publish', target: updated, view });
      republish.push({ ms: r.internalMs, bytes: r.bytes ?? 0, commits: Number(r.extra?.deltaCommits ?? 0) });
    }
    await ctx.engine.run({ op: 'drop', target: updated });
    if (republish.some((p) => p.commits !== 1)) return { status: 'error', error: `a republish after one update wrote ${republish.map((p) => p.commits).join('/')} Delta commits, not 1`, tries };

    const measured = tries.slice(1).map((t) => t.internalMs ?? t.ms);
    const writeMs = median(writes);
    return {
      status: 'ok',
      tries,
      rssPeakBytes: peak.peak,
      extra: {
        writeMs,
        firstShare: median(measured) / writeMs,
        republishMs: median(republish.map((p) => p.ms)),
        republishBytes: median(republish.map((p) => p.bytes)),
        viewBytes,
      },
    };
  },
  headline: (r) => {
    const e = r.extra ?? {};
    return `first publish ${(Number(e.firstShare) * 100).toFixed(1)}% of a write; republish of a one-row update ${Number(e.republishBytes)} B written`;
  },
};
