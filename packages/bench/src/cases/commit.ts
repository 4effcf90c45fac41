/**
 * Commit cases: what a small change costs, alone and with many writers at once.
 *
 * commit: each try appends the next 10 rows of the dataset to a table as one new version (new rows,
 * so nothing is deduplicated). Its figures are the latency and, on object storage, the requests the
 * engine sends (Armillaria counts them).
 *
 * commits, commits-apart: WRITERS processes each append COMMITS_PER_WRITER times, all at once, each
 * commit ROWS rows of its own (consecutive runs of the dataset, new rows as in `commit`); the figure is
 * commits per second, from the moment all are ready to the last one done. In `commits` every commit
 * goes through one serialization point: Armillaria's writers each have a table but share a branch (one
 * ref), Delta Lake's share a table (one log). In `commits-apart` none does: Armillaria's writers have a
 * branch each, Delta Lake's a table each.
 */
import type { BenchResult } from '@armillaria/report';
import { op, PeakTracker, tryOf, unmeasured, wantMoreTries, type BenchCase } from './case.js';

const ROWS = 10;
export const WRITERS = 8;
const COMMITS_PER_WRITER = { quick: 20, full: 50 };

/** The `i`-th `ROWS` rows of the dataset (wrapping around), or `count` such runs from there: the small tables commits append. */
function smallTable(ctx: Parameters<BenchCase['run']>[0], i = 0, count = 1) {
  const at = (i * ROWS) % (ctx.dataset.table.numRows - count * ROWS + 1);
  return { key: `commit-rows:${ctx.dataset.spec.name}:${at}:${count}`, table: ctx.dataset.table.slice(at, at + count * ROWS) };
}

export const commitCase: BenchCase = {
  name: 'commit',
  summary: `commit one small table: ${ROWS} rows appended as the next version (latency; requests on object storage)`,
  throughput: false,
  rounds: true,
  applies: (d) => d.table.numRows >= ROWS,
  headline: (r) => `${r.extra?.requests !== undefined ? `${r.extra.requests} requests per commit` : ''}`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = `commit-${ctx.round}`;
    await unmeasured(ctx, { op: 'write', target, source: smallTable(ctx), mode: 'overwrite' });
    const tries: BenchResult['tries'] = [];
    let commits = 0;
    for (let i = 0; i < ctx.settings.warmup || wantMoreTries(ctx.settings, tries); i++) {
      const r = await op(ctx, peak, { op: 'write', target, source: smallTable(ctx, i + 1), mode: 'append' });
      commits++;
      if (i >= ctx.settings.warmup) tries.push(tryOf(r));
    }
    const head = await unmeasured(ctx, { op: 'read', target });
    await ctx.engine.run({ op: 'drop', target });
    const rows = ROWS * (commits + 1);
    const bad = head.rows !== rows ? `returned ${head.rows} rows after ${commits} commits, expected ${rows}` : undefined;
    return { status: bad ? 'rejected' : 'ok', ...(bad ? { error: bad } : {}), tries, rssPeakBytes: peak.peak, config: { rowsPerCommit: ROWS } };
  },
};

/** The `commits` cases: all writers through one serialization point, or none. */
function makeCommitsCase(name: string, shared: boolean, how: string): BenchCase {
  return {
    name,
    summary: `${WRITERS} processes committing small appends at once, ${how}: commits per second`,
    throughput: false,
    feature: 'commits',
    oncePerRun: true,
    applies: (d) => d.table.numRows >= WRITERS * COMMITS_PER_WRITER.full * ROWS,
    headline: (r) => `${Number(r.extra?.commitsPerSecond).toFixed(1)} commits/s${Number(r.extra?.failedCommits) > 0 ? `, ${r.extra?.failedCommits} failed` : ''}`,
    async run(ctx) {
      const peak = new PeakTracker();
      const perWriter = ctx.settings.quick ? COMMITS_PER_WRITER.quick : COMMITS_PER_WRITER.full;
      const r = await op(ctx, peak, { op: 'commits', target: name, source: smallTable(ctx, 0, WRITERS * perWriter), writers: WRITERS, commits: perWriter, shared });
      await ctx.engine.run({ op: 'drop', target: name });
      const total = WRITERS * perWriter;
      const landed = r.rows ?? 0;
      const failed = Number(r.extra?.failedCommits ?? 0);
      // Every attempt must be accounted for: landed, or refused by the engine (counted, and shown).
      const bad = landed + failed !== total ? `${landed} commits landed and ${failed} failed, of ${total}` : undefined;
      return {
        status: bad ? 'rejected' : 'ok',
        ...(bad ? { error: bad } : {}),
        tries: [tryOf(r)],
        rssPeakBytes: peak.peak,
        extra: { commitsPerSecond: landed / ((r.internalMs || r.wallMs) / 1000), failedCommits: failed, writers: WRITERS, commitsPerWriter: perWriter },
      };
    },
  };
}

export const commitsCase = makeCommitsCase('commits', true, 'through one serialization point (Armillaria: a table each on one branch; Delta: one table)');
export const commitsApartCase = makeCommitsCase('commits-apart', false, 'each through its own (Armillaria: a branch each; Delta: a table each)');
