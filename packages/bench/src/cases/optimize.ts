/**
 * optimize: DESIGN's compaction goal, on both engines. The dataset written, then 100 appends of 0.1%
 * of its rows each (so 101 files or chunks), read (hot tries, verified), compacted as a new version
 * (Armillaria `tx.optimize`, Delta Lake `optimize.compact()`), and read again. The timed tries are
 * the reads after compaction; the figure of merit is `extra.readSpeedup`, the median read before over
 * the median read after (issue #26's goal: ≥ 2 for Armillaria). Quick runs append 25 times (0.4% each):
 * the gate times the reads after compaction, of as many rows either way.
 */
import { tableChecksum } from '../checksum.js';
import { timingStats } from '../measure.js';
import { appendBatches } from '../workloads.js';
import { datasetSource, op, PeakTracker, unmeasured, type BenchCase } from './case.js';
import { readTries } from './io.js';

const APPENDS = { quick: 25, full: 100 };
const FRACTION = { quick: 0.004, full: 0.001 };

const hotMs = (tries: { ms: number; internalMs?: number; cold?: string }[]) => timingStats(tries.filter((t) => !t.cold).map((t) => t.internalMs ?? t.ms)).median;

export const optimizeCase: BenchCase = {
  name: 'optimize',
  summary: `${APPENDS.full} appends of ${FRACTION.full * 100}% rows each (quick: ${APPENDS.quick} of ${FRACTION.quick * 100}%), then compaction: reads before and after (speedup)`,
  throughput: false,
  feature: 'optimize',
  applies: (d) => d.table.getChild('id') !== null && d.table.getChild('value') !== null,
  headline: (r) => `read ${Number(r.extra?.readSpeedup).toFixed(2)}× faster after compaction (${Math.round(Number(r.extra?.optimizeMs))} ms)`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'optimize';
    const name = ctx.dataset.spec.name;
    const size = ctx.settings.quick ? 'quick' : 'full';
    const batches = appendBatches(ctx.dataset.table, APPENDS[size], FRACTION[size]);
    const final = ctx.dataset.table.concat(...batches);
    const want = { rows: final.numRows, checksum: tableChecksum(final) };
    await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
    for (let j = 0; j < batches.length; j++) {
      await unmeasured(ctx, { op: 'write', target, source: { key: `optimize-append:${name}:${j + 1}`, table: batches[j]! }, mode: 'append' });
    }
    const before = await readTries(ctx, { target }, want);
    if (before.status !== 'ok') return { ...before, error: `before compaction: ${before.error}` };
    const compacted = await op(ctx, peak, { op: 'optimize', target });
    const after = await readTries(ctx, { target }, want);
    await ctx.engine.run({ op: 'drop', target });
    if (after.status !== 'ok') return { ...after, error: `after compaction: ${after.error}` };
    const [readBeforeMs, readAfterMs] = [hotMs(before.tries), hotMs(after.tries)];
    return {
      status: 'ok',
      tries: after.tries,
      rssPeakBytes: Math.max(peak.peak, before.rssPeakBytes ?? 0, after.rssPeakBytes ?? 0),
      extra: { appends: APPENDS[size], appendedRowsPerAppend: batches[0]!.numRows, readBeforeMs, readAfterMs, readSpeedup: readBeforeMs / readAfterMs, optimizeMs: compacted.internalMs, ...compacted.extra },
    };
  },
};
