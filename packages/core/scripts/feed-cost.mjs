#!/usr/bin/env node
// What the row-level change feed (`store.tableChanges`) costs beside a read of the same table: a keyed
// table of N rows (id, value, name), then a 5% update of `value` (a patch on every chunk) and an append
// of 1%; medians of 5 of the feed of each commit alone and of one whole read.
// Needs `pnpm build` (and the addon for the default phase).
// Usage: node --expose-gc packages/core/scripts/feed-cost.mjs [rows=1000000] [phase=auto]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromArrays } from 'apache-arrow';

import { openStore } from '../dist/index.js';

const n = Number(process.argv[2] ?? 1_000_000);
const phase = process.argv[3] ?? 'auto';
const dir = mkdtempSync(join(tmpdir(), 'feed-cost-'));
const store = await openStore(dir, { create: true, phase });
const rows = (from, count, value) => tableFromArrays({
  id: BigInt64Array.from({ length: count }, (_, i) => BigInt(from + i)),
  value: Float64Array.from({ length: count }, (_, i) => value(from + i)),
  name: Array.from({ length: count }, (_, i) => `name-${(from + i) % 1000}`),
});
const first = await store.write('t', rows(0, n, (i) => i / 2), { keys: ['id'] });
const k = Math.floor(n / 20);
const ids = BigInt64Array.from({ length: k }, (_, i) => BigInt(i * 20));
const updated = await store.transaction((tx) => tx.update('t', tableFromArrays({ id: ids, value: new Float64Array(k).fill(-1) })));
const appended = await store.write('t', rows(n, Math.floor(n / 100), () => 0), { mode: 'append' });

async function time(label, run) {
  const times = [];
  let out;
  for (let i = 0; i < 5; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    out = await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} ${String(out.numRows).padStart(8)} rows  ${times[2].toFixed(0).padStart(6)} ms`);
}
console.log(`${n} rows, phase ${phase}, medians of 5`);
await time('feed of the first version', () => store.tableChanges('t', { until: first.commit }));
await time('feed of a 5% update', () => store.tableChanges('t', { since: first.commit, until: updated.commit }));
await time('feed of a 1% append', () => store.tableChanges('t', { since: updated.commit, until: appended.commit }));
await time('read of the whole table', () => store.read('t'));
await store.close();
rmSync(dir, { recursive: true });
