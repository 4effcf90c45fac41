#!/usr/bin/env node
// What `store.sql` costs beyond DuckDB's own execution: the bench's sql-filter and sql-group queries
// over one dataset, taking turns try by try in one process, (a) through `store.sql` (parse, manifests,
// views, chunk checks, result to Arrow), also with `verify: false`, and (b) DuckDB alone over the same chunk files (one view over
// read_parquet, created once, nothing checked). (b) is the floor of any SQL that DuckDB runs over the
// chunks; the bench's Delta figures (`pnpm bench --cases sql-filter,sql-group --phases pushdown,delta`)
// put it beside Delta Lake's DataFusion.
// Needs `pnpm build`, the addon, and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node --expose-gc packages/core/scripts/sql-floor.mjs [dataset=seed-wide-1m] [tries=31] [phase=pushdown]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';

import { objectPath } from '../dist/backend/layout.js';
import { getManifest } from '../dist/catalog/manifest.js';
import { openStore } from '../dist/index.js';

const [name = 'seed-wide-1m', triesArg = '31', phase = 'pushdown'] = process.argv.slice(2);
const tries = Number(triesArg);
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'sql-floor-'));
const store = await openStore(dir, { create: true, phase });
await store.write('t', table);
const manifest = await getManifest(store.chunks, (await store.describe('t')).manifest);
const files = manifest.chunks.map((c) => `'${objectPath(dir, c.id)}'`).join(', ');
const duck = await (await DuckDBInstance.create(':memory:')).connect();
await duck.run(`CREATE VIEW t AS SELECT * FROM read_parquet([${files}])`);

const n = table.numRows;
const [lo, hi] = [Math.floor(n / 5), Math.floor(n / 5) + Math.max(1, Math.floor(n / 10))];
const queries = {
  filter: `SELECT count(*) AS n, avg(value) AS v, max(value) AS hi FROM t WHERE id >= ${lo} AND id < ${hi}`,
  group: table.getChild('category') ? 'SELECT category, count(*) AS n, avg(value) AS v FROM t GROUP BY category' : 'SELECT id % 8 AS g, count(*) AS n, avg(value) AS v FROM t GROUP BY id % 8',
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ways = {
  'store.sql': async (q) => (await store.sql(q)).numRows,
  unverified: async (q) => (await store.sql(q, { verify: false })).numRows,
  'duckdb alone': async (q) => (await (await duck.run(q)).getRows()).length,
};
console.log(`${name}, ${manifest.chunks.length} chunks, phase ${phase}, ${tries} tries each (medians, ms)`);
for (const [label, q] of Object.entries(queries)) {
  const times = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
  for (let i = 0; i < tries + 3; i++) {
    const order = i % 2 === 0 ? Object.keys(ways) : Object.keys(ways).reverse(); // turns alternate
    for (const w of order) {
      globalThis.gc?.();
      const t0 = performance.now();
      const rows = await ways[w](q);
      if (i >= 3) times[w].push(performance.now() - t0);
      if (rows === 0) throw new Error(`${w} returned no rows for ${label}`);
    }
  }
  const [a, u, b] = Object.keys(ways).map((w) => median(times[w]));
  console.log(`${label.padEnd(6)}  store.sql ${a.toFixed(1)}  unverified ${u.toFixed(1)}  duckdb alone ${b.toFixed(1)}  (overhead ${(a - b).toFixed(1)}, of it the chunk check ${(a - u).toFixed(1)})`);
}
duck.closeSync?.();
await store.close();
rmSync(dir, { recursive: true });
