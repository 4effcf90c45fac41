/**
 * reimport: a table edited outside the store and written back whole from a file, as pipelines do
 * (`armillaria import` of the edited export). Three edits of the dataset, each onto a fresh copy:
 * 3% of rows inserted mid-table, every 25th row deleted, 5% of `value` changed. New bytes as a
 * fraction of one stored version are the figures of merit (issue #26's goals: ≤ 6%, ≤ 8%, ≤ 8%); the
 * timed figure is each write from the file (Armillaria reads the IPC file as a stream inside it).
 */
import { tableChecksum } from '../checksum.js';
import { changeValues, deleteEvery, insertMiddle } from '../workloads.js';
import { datasetSource, mismatch, op, PeakTracker, signedPercent, storedBytes, tryOf, unmeasured, type BenchCase, type CaseOutcome } from './case.js';

const EDITS = [
  { name: 'insert', edit: (t: Parameters<typeof deleteEvery>[0]) => insertMiddle(t).table },
  { name: 'delete', edit: deleteEvery },
  { name: 'update', edit: changeValues },
] as const;

export const reimportCase: BenchCase = {
  name: 'reimport',
  summary: 'an edited copy written back from a file: 3% inserted mid-table, every 25th row deleted, 5% of value changed (new bytes vs one version)',
  throughput: false,
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  headline: (r) => EDITS.map((e) => `${e.name} ${signedPercent(r.extra?.[`${e.name}NewFraction`])}`).join(', '),
  async run(ctx) {
    const peak = new PeakTracker();
    const tries: CaseOutcome['tries'] = [];
    const extra: Record<string, number> = {};
    const problems: string[] = [];
    for (const { name, edit } of EDITS) {
      const target = `reimport-${name}`;
      const edited = edit(ctx.dataset.table);
      await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
      const before = await storedBytes(ctx, target);
      const r = await op(ctx, peak, { op: 'write', target, source: { key: `${name}:${ctx.dataset.spec.name}`, table: edited }, mode: 'overwrite', fromFile: true });
      const after = await storedBytes(ctx, target);
      const bad = mismatch(await unmeasured(ctx, { op: 'read', target }), { rows: edited.numRows, checksum: tableChecksum(edited) });
      if (bad) problems.push(`${name}: head ${bad}`);
      await ctx.engine.run({ op: 'drop', target });
      tries.push(tryOf(r));
      extra[`${name}NewBytes`] = after - before;
      extra[`${name}NewFraction`] = before > 0 ? (after - before) / before : 0;
      extra.bytesOneVersion = before;
    }
    return {
      status: problems.length > 0 ? 'rejected' : 'ok',
      ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
      tries,
      rssPeakBytes: peak.peak,
      extra,
      config: { edits: EDITS.map((e) => e.name).join(', '), from: 'Arrow IPC file' },
    };
  },
};
