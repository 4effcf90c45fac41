/**
 * dedup: DESIGN.md's storage goals, measured on both engines.
 *  1. insert 3% rows in the middle of the table and write it as the next version: new bytes as a
 *     fraction of one stored version (goal ≤ 6%; a row-sliced chunking shifts every later chunk);
 *  2. write the identical dataset as a second table (Armillaria: same store; Delta: a sibling table
 *     directory, as Delta has one table per directory): new bytes (goal 0).
 * The timed figure is the write of the version with the inserted rows; the case's figures of merit are
 * `extra.insertNewFraction` and `extra.identicalTableNewBytes`.
 */
import { tableChecksum } from '../checksum.js';
import { INSERT_FRACTION, insertMiddle } from '../workloads.js';
import { datasetSource, mismatch, op, PeakTracker, signedPercent, storedBytes, tryOf, unmeasured, type BenchCase } from './case.js';

export const dedupCase: BenchCase = {
  name: 'dedup',
  summary: `insert ${INSERT_FRACTION * 100}% rows mid-table (new bytes vs one version); identical data as a second table (new bytes)`,
  throughput: false,
  applies: (d) => d.table.getChild('id') !== null,
  headline: (r) =>
    `insert ${INSERT_FRACTION * 100}%: ${signedPercent(r.extra?.insertNewFraction)} bytes, identical table: +${Number(r.extra?.identicalTableNewBytes)} B`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'dedup';
    const { table: grown, inserted } = insertMiddle(ctx.dataset.table);
    const source = { key: `insert:${ctx.dataset.spec.name}`, table: grown };
    await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
    const b0 = await storedBytes(ctx, target);
    const r = await op(ctx, peak, { op: 'write', target, source, mode: 'overwrite' });
    const b1 = await storedBytes(ctx, target);
    const head = await unmeasured(ctx, { op: 'read', target });
    const bad = mismatch(head, { rows: grown.numRows, checksum: tableChecksum(grown) });
    await op(ctx, peak, { op: 'write', target, table: 'copy', source: datasetSource(ctx), mode: 'overwrite' });
    const b2 = await storedBytes(ctx, target);
    await ctx.engine.run({ op: 'drop', target });
    return {
      status: bad ? 'rejected' : 'ok',
      ...(bad ? { error: `head after the insert ${bad}` } : {}),
      tries: [tryOf(r)],
      rssPeakBytes: peak.peak,
      storage: { bytes: b2 },
      extra: {
        insertedRows: inserted,
        bytesOneVersion: b0,
        insertNewBytes: b1 - b0,
        insertNewFraction: b0 > 0 ? (b1 - b0) / b0 : 0,
        identicalTableNewBytes: b2 - b1,
        identicalTableNewFraction: b0 > 0 ? (b2 - b1) / b0 : 0,
      },
      config: { secondTable: ctx.engine.engine === 'armillaria' ? 'same store' : 'sibling table directory' },
    };
  },
};
