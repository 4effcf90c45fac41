/**
 * SQL cases: the same query through each engine's own SQL (Armillaria: `store.sql`, DuckDB over the
 * chunks; Delta Lake: `QueryBuilder`, DataFusion over the table), timed around the whole call (tables
 * opened, query planned and run, result in Arrow), and every answer checked against the one computed
 * here from the input in memory.
 */
import type { BenchResult } from '@armillaria/report';
import { Table } from 'apache-arrow';

import type { OperationResult } from '../engines/engine.js';
import { float64Vector, int64Vector, valuesOf } from '../workloads.js';
import { op, PeakTracker, tryOf, wantMoreTries, ensureMain, type BenchCase, type CaseContext, type CaseOutcome } from './case.js';
import { ensureVersioned } from './history.js';

type Row = (string | number)[];

/** The seeded datasets: ids 0..N-1 in row order, so every expected answer follows from `value` (and `category`). */
const seeded = (ctx: { spec: { family: string } }) => ctx.spec.family === 'seed-narrow' || ctx.spec.family === 'seed-wide';

/** Relative tolerance on floating-point cells: each engine sums in its own order. */
const TOLERANCE = 1e-9;

/** The query's rows as the case expects them, or why an engine's answer differs. */
function difference(got: unknown[][] | undefined, want: Row[]): string | undefined {
  if (!got) return 'returned no rows';
  if (got.length !== want.length) return `returned ${got.length} rows, expected ${want.length}`;
  const key = (r: unknown[]) => r.map((c) => (typeof c === 'string' ? c : typeof c === 'bigint' || Number.isInteger(c) ? String(c) : '')).join('|');
  const sorted = (rows: unknown[][]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const [g, w] = [sorted(got), sorted(want)];
  for (let i = 0; i < w.length; i++) {
    for (let c = 0; c < w[i]!.length; c++) {
      const [x, y] = [g[i]![c], w[i]![c]];
      const same = typeof y === 'number' ? Math.abs(Number(x) - y) <= TOLERANCE * Math.max(1, Math.abs(y)) : x === y;
      if (!same) return `row ${i} column ${c}: ${String(x)}, expected ${String(y)}`;
    }
  }
  return undefined;
}

/** One lukewarm try, warm-ups, then measured hot tries; every answer checked. */
async function sqlTries(ctx: CaseContext, query: Extract<Parameters<CaseContext['engine']['run']>[0], { op: 'sql' }>, want: Row[]): Promise<CaseOutcome> {
  const peak = new PeakTracker();
  const tries: BenchResult['tries'] = [];
  const hot: BenchResult['tries'] = [];
  const warm = Math.max(1, ctx.settings.warmup);
  for (let i = 0; i < warm || wantMoreTries(ctx.settings, hot); i++) {
    const r: OperationResult = await op(ctx, peak, query);
    const bad = difference(r.resultRows, want);
    if (bad) return { status: 'rejected', error: `sql ${bad}`, tries: [...tries, tryOf(r)], rssPeakBytes: peak.peak };
    if (i === 0) tries.push(tryOf(r, 'lukewarm'));
    else if (i >= warm) {
      hot.push(tryOf(r));
      tries.push(tryOf(r));
    }
  }
  return { status: 'ok', tries, rssPeakBytes: peak.peak, config: { query: query.query } };
}

/** Count and mean of `values` per group; rows whose group is undefined are left out. */
function aggregate(n: number, values: Float64Array, group: (row: number) => string | number | undefined): Row[] {
  const acc = new Map<string | number, { n: number; sum: number }>();
  for (let r = 0; r < n; r++) {
    const g = group(r);
    if (g === undefined) continue;
    const a = acc.get(g) ?? { n: 0, sum: 0 };
    a.n++;
    a.sum += values[r]!;
    acc.set(g, a);
  }
  return [...acc].map(([g, a]) => [g, a.n, a.sum / a.n]);
}

/** The group-by query of a dataset and its answer for given values: by category on seed-wide, by id % 8 on seed-narrow. */
function groupBy(table: Table, values: Float64Array): { query: string; want: Row[] } {
  const category = table.getChild('category');
  if (category) {
    return { query: 'SELECT category, count(*) AS n, avg(value) AS v FROM t GROUP BY category', want: aggregate(table.numRows, values, (r) => category.get(r) as string) };
  }
  return { query: 'SELECT id % 8 AS g, count(*) AS n, avg(value) AS v FROM t GROUP BY id % 8', want: aggregate(table.numRows, values, (r) => r % 8) };
}

export const sqlFilterCase: BenchCase = {
  name: 'sql-filter',
  summary: 'SQL: count, mean and max of value over a 10% id range (chunks outside it skipped by statistics)',
  feature: 'sql',
  throughput: false,
  rounds: true,
  applies: (d) => seeded(d),
  async run(ctx) {
    const main = await ensureMain(ctx, new PeakTracker());
    const n = ctx.dataset.table.numRows;
    const [lo, hi] = [Math.floor(n / 5), Math.floor(n / 5) + Math.max(1, Math.floor(n / 10))];
    const values = valuesOf(ctx.dataset.table);
    const slice = values.subarray(lo, hi);
    const want: Row[] = [[hi - lo, slice.reduce((a, b) => a + b, 0) / slice.length, slice.reduce((a, b) => Math.max(a, b), -Infinity)]];
    return sqlTries(ctx, { op: 'sql', target: main.target, tables: ['t'], query: `SELECT count(*) AS n, avg(value) AS v, max(value) AS hi FROM t WHERE id >= ${lo} AND id < ${hi}` }, want);
  },
};

export const sqlGroupCase: BenchCase = {
  name: 'sql-group',
  summary: 'SQL: count and mean of value per category (seed-narrow: per id % 8) over the whole table',
  feature: 'sql',
  throughput: false,
  rounds: true,
  applies: (d) => seeded(d),
  async run(ctx) {
    const main = await ensureMain(ctx, new PeakTracker());
    const { query, want } = groupBy(ctx.dataset.table, valuesOf(ctx.dataset.table));
    return sqlTries(ctx, { op: 'sql', target: main.target, tables: ['t'], query }, want);
  },
};

export const sqlJoinCase: BenchCase = {
  name: 'sql-join',
  summary: 'SQL: a join of the versioned table at its first version with a second table of every 10th id',
  feature: 'sql',
  throughput: false,
  applies: (d) => seeded(d),
  async run(ctx) {
    const v = await ensureVersioned(ctx);
    const values = valuesOf(ctx.dataset.table);
    const n = ctx.dataset.table.numRows;
    const picked = Math.ceil(n / 10);
    const k = new Table({
      id: int64Vector(BigInt64Array.from({ length: picked }, (_, i) => BigInt(i * 10))),
      w: float64Vector(Float64Array.from({ length: picked }, (_, i) => 2 * values[i * 10]!)),
    });
    await op(ctx, new PeakTracker(), { op: 'write', target: v.target, table: 'k', source: { key: `sql-k:${ctx.dataset.spec.name}`, table: k }, mode: 'overwrite' });
    let sum = 0;
    let count = 0;
    for (let r = 0; r < n; r += 10) {
      sum += 3 * values[r]!;
      count++;
    }
    const query = 'SELECT count(*) AS n, avg(t.value + k.w) AS v FROM t JOIN k ON t.id = k.id';
    return sqlTries(ctx, { op: 'sql', target: v.target, tables: ['t', 'k'], query, versions: { t: v.firstVersion } }, [[count, sum / count]]);
  },
};

export const sqlUpdatedCase: BenchCase = {
  name: 'sql-updated',
  summary: 'SQL: the group-by over the table after ten updates of 5% of value (Armillaria: patched chunks)',
  feature: 'sql',
  throughput: false,
  applies: (d) => seeded(d),
  async run(ctx) {
    const v = await ensureVersioned(ctx);
    const { query, want } = groupBy(ctx.dataset.table, v.values);
    return sqlTries(ctx, { op: 'sql', target: v.target, tables: ['t'], query }, want);
  },
};
