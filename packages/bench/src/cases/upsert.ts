/**
 * upsert: rows merged in by key, as a pipeline's incremental load does: 5% of the dataset's row count,
 * half of them existing rows with a new `value` (scattered), half new rows. New bytes as a fraction
 * of one stored version are the figure of merit (issue #26's goal: ≤ 10%); the timed figure is the
 * upsert. Every engine's head is checked against the expected rows afterwards.
 */
import { tableChecksum } from '../checksum.js';
import { UPSERT_FRACTION, upsertWorkload } from '../workloads.js';
import { datasetSource, mismatch, op, PeakTracker, signedPercent, storedBytes, tryOf, unmeasured, type BenchCase } from './case.js';

export const upsertCase: BenchCase = {
  name: 'upsert',
  summary: `upsert by id of ${UPSERT_FRACTION * 100}% of the rows' count, half changed rows, half new (new bytes vs one version)`,
  throughput: false,
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  headline: (r) => `${signedPercent(r.extra?.upsertNewFraction)} bytes`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'upsert';
    const { source, result } = upsertWorkload(ctx.dataset.table);
    await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
    const before = await storedBytes(ctx, target);
    const r = await op(ctx, peak, { op: 'upsert', target, rows: { key: `upsert:${ctx.dataset.spec.name}`, table: source } });
    const after = await storedBytes(ctx, target);
    const bad = mismatch(await unmeasured(ctx, { op: 'read', target }), { rows: result.numRows, checksum: tableChecksum(result) });
    await ctx.engine.run({ op: 'drop', target });
    return {
      status: bad ? 'rejected' : 'ok',
      ...(bad ? { error: `head after the upsert ${bad}` } : {}),
      tries: [tryOf(r)],
      rssPeakBytes: peak.peak,
      extra: { upsertRows: source.numRows, bytesOneVersion: before, upsertNewBytes: after - before, upsertNewFraction: before > 0 ? (after - before) / before : 0 },
      config: { on: 'id' },
    };
  },
};
