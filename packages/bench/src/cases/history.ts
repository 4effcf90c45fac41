/**
 * History cases: the original's versioning workload (10 versions, each updating 5% of `value` at
 * seeded random rows), time travel to the first version, and branch creation.
 */
import type { BenchResult } from '@armillaria/report';
import { tableChecksum } from '../checksum.js';
import {
  UPDATE_FRACTION,
  VERSIONS,
  float64Vector,
  replaceColumn,
  updateTable,
  valuesOf,
  versionUpdates,
} from '../workloads.js';
import { readTries } from './io.js';
import { datasetSource, dedupOf, ensureMain, mismatch, op, PeakTracker, storedBytes, tryOf, unmeasured, type BenchCase, type CaseContext } from './case.js';

/**
 * Run the versioning workload on a fresh target; returns the per-version update timings, the stored
 * bytes after each version, and whether the head then matches the expected table.
 */
async function runVersions(ctx: CaseContext, peak: PeakTracker, target: string) {
  const table = ctx.dataset.table;
  const ids = table.getChild('id')!;
  const idAt = (row: number): bigint => ids.get(row) as bigint;
  const first = await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
  const bytes: number[] = [await storedBytes(ctx, target)];
  const current = valuesOf(table);
  const tries: BenchResult['tries'] = [];
  const updates = versionUpdates(table.numRows);
  let extra: Record<string, number | string> = {};
  for (let v = 0; v < updates.length; v++) {
    const u = updates[v]!;
    for (let i = 0; i < u.rows.length; i++) current[u.rows[i]!] = u.values[i]!;
    const r = await op(ctx, peak, {
      op: 'update',
      target,
      updates: { key: `updates:${ctx.dataset.spec.name}:${v + 1}`, table: updateTable(u, idAt) },
    });
    tries.push(tryOf(r));
    if (r.extra) extra = { ...extra, ...Object.fromEntries(Object.entries(r.extra).map(([k, x]) => [`last.${k}`, x])) };
    bytes.push(await storedBytes(ctx, target));
  }
  const expected = replaceColumn(table, 'value', float64Vector(current));
  const head = await unmeasured(ctx, { op: 'read', target });
  const bad = mismatch(head, { rows: table.numRows, checksum: tableChecksum(expected) });
  return { tries, bytes, bad, firstVersion: first.version ?? 0, extra, updatedRows: updates[0]?.rows.length ?? 0, values: current };
}

/** versions: the original's workload, with stored bytes after each version and dedup. */
export const versionsCase: BenchCase = {
  name: 'versions',
  summary: `${VERSIONS} versions, each updating ${UPDATE_FRACTION * 100}% of value at seeded random rows; bytes after each, dedup`,
  throughput: false,
  feature: 'update',
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'versions';
    const r = await runVersions(ctx, peak, target);
    ctx.state.versioned = { target, firstVersion: r.firstVersion, versions: VERSIONS + 1, values: r.values };
    const versions = VERSIONS + 1;
    const one = r.bytes[0]!;
    const stored = r.bytes[r.bytes.length - 1]!;
    const extra: Record<string, number | string> = { updatedRowsPerVersion: r.updatedRows, ...r.extra };
    r.bytes.forEach((b, i) => (extra[`bytesV${i}`] = b));
    return {
      status: r.bad ? 'rejected' : 'ok',
      ...(r.bad ? { error: `head after ${VERSIONS} updates ${r.bad}` } : {}),
      tries: r.tries,
      rssPeakBytes: peak.peak,
      storage: {
        bytes: stored,
        versions,
        dedup: dedupOf(stored, versions, one),
        // The original's "84%" formula divided by the in-memory size, counting compression as dedup.
        continuityDedup: 1 - stored / (versions * ctx.dataset.entry.arrowBytes),
      },
      extra,
    };
  },
};

/** The versioning workload's target (untimed setup for the cases that read its history). */
export async function ensureVersioned(ctx: CaseContext): Promise<NonNullable<CaseContext['state']['versioned']>> {
  if (!ctx.state.versioned) {
    const r = await runVersions(ctx, new PeakTracker(), 'versions');
    ctx.state.versioned = { target: 'versions', firstVersion: r.firstVersion, versions: VERSIONS + 1, values: r.values };
  }
  return ctx.state.versioned;
}

/** time-travel: read the first version after the versioning workload wrote 10 more. */
export const timeTravelCase: BenchCase = {
  name: 'time-travel',
  summary: `read the first version of a table that has ${VERSIONS} newer versions (checked against the input)`,
  throughput: true,
  rounds: true,
  feature: 'time-travel',
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  async run(ctx) {
    const v = await ensureVersioned(ctx);
    const out = await readTries(ctx, { target: v.target, version: v.firstVersion }, { rows: ctx.dataset.table.numRows, checksum: ctx.dataset.checksum });
    return { ...out, config: { version: v.firstVersion, historyVersions: v.versions } };
  },
};

/** branch: create a branch of a table holding the dataset (Delta: full copy of the table, labelled). */
export const branchCase: BenchCase = {
  name: 'branch',
  summary: 'create a branch of a table holding the dataset (Delta has none: full copy of the table directory)',
  throughput: false,
  feature: 'branch',
  applies: () => true,
  async run(ctx) {
    const peak = new PeakTracker();
    const main = await ensureMain(ctx, peak);
    const tries: BenchResult['tries'] = [];
    let refBytes: number | undefined;
    let method = 'plain loop';
    if (ctx.engine.sample) {
      // In-process and sub-millisecond when O(1): one measured creation for its on-disk size, then mitata.
      const first = await op(ctx, peak, { op: 'branch', target: main.target, name: 'size-probe' });
      refBytes = first.bytes;
      const samples = Math.max(ctx.settings.tries, ctx.settings.quick ? 50 : 200);
      const ms = await ctx.engine.sample({ op: 'branch', target: main.target, name: 'm' }, samples);
      for (const t of ms) tries.push({ ms: t, internalMs: t });
      method = 'mitata';
    } else {
      const total = ctx.settings.warmup + Math.max(ctx.settings.tries, 5);
      for (let i = 0; i < total; i++) {
        const r = await op(ctx, peak, { op: 'branch', target: main.target, name: `b${i}` });
        if (i >= ctx.settings.warmup) tries.push(tryOf(r));
        if (refBytes === undefined && r.bytes !== undefined) refBytes = r.bytes;
        await ctx.engine.run({ op: 'drop', target: `${main.target}@b${i}` });
      }
    }
    return {
      status: 'ok',
      tries,
      rssPeakBytes: peak.peak,
      ...(refBytes !== undefined ? { extra: { refBytes } } : {}),
      config: { method: ctx.engine.engine === 'delta' ? 'full-copy' : 'ref', sampler: method },
    };
  },
};
