#!/usr/bin/env node
// What holding declared keys unique costs a write, measured side by side in one process, try by try:
// per try, fresh stores get the dataset written without keys and with `keys: ['id']`, then 1% of new
// rows appended to each (the keyed append reads the table's key column to check against). Prints the
// medians and the keyed figure as a share of the plain one.
// Needs `pnpm build` and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node --expose-gc packages/core/scripts/keys-cost.mjs [dataset=seed-narrow-1m] [tries=5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Table, tableFromIPC, vectorFromArray } from 'apache-arrow';

import { openStore } from '../dist/index.js';

const [name = 'seed-narrow-1m', tries = '5'] = process.argv.slice(2);
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const extra = table.slice(0, Math.round(table.numRows / 100));
const ids = BigInt64Array.from(extra.getChild('id').toArray(), (id) => id + BigInt(table.numRows));
const appended = new Table(Object.fromEntries(table.schema.fields.map((f) => [f.name, f.name === 'id' ? vectorFromArray(ids) : extra.getChild(f.name)])));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = async (fn) => {
  globalThis.gc?.();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

const ms = { write: [], writeKeyed: [], append: [], appendKeyed: [] };
for (let i = 0; i < Number(tries); i++) {
  const dir = mkdtempSync(join(tmpdir(), 'keys-cost-'));
  try {
    const plain = await openStore(join(dir, 'plain'), { create: true });
    const keyed = await openStore(join(dir, 'keyed'), { create: true });
    ms.write.push(await timed(() => plain.write('t', table)));
    ms.writeKeyed.push(await timed(() => keyed.write('t', table, { keys: ['id'] })));
    ms.append.push(await timed(() => plain.write('t', appended, { mode: 'append' })));
    ms.appendKeyed.push(await timed(() => keyed.write('t', appended, { mode: 'append' })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const m = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)]));
console.log(`${name}, ${tries} tries, medians:`);
console.log(`  write ${m.write.toFixed(1)} ms, with keys ${m.writeKeyed.toFixed(1)} ms (${((m.writeKeyed / m.write - 1) * 100).toFixed(1)}%)`);
console.log(`  append 1% ${m.append.toFixed(1)} ms, with keys ${m.appendKeyed.toFixed(1)} ms (${((m.appendKeyed / m.append - 1) * 100).toFixed(1)}%)`);
