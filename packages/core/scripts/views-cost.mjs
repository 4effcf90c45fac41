#!/usr/bin/env node
// What publishing views costs, measured side by side in one process, try by try: per try, a fresh
// store gets the dataset written (timed), published as a Delta Lake and as an Iceberg view (each
// timed), then one row updated and both views republished (timed; bytes written reported). Prints the
// medians and each publish as a share of the write. `chunkRows` sets how many chunks the table has
// (1000 rows on seed-narrow-1m: 1000 chunks, the one-chunk-of-1000 case).
// Also times what taking a table from another copy of apache-arrow costs (the CommonJS build beside
// the ESM one core imports): `toSource`'s rebuild over the same buffers, against an IPC round trip.
// Needs `pnpm build` and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node --expose-gc packages/core/scripts/views-cost.mjs [dataset=seed-narrow-1m] [chunkRows=1000] [tries=5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromArrays, tableFromIPC } from 'apache-arrow';

import { openStore } from '../dist/index.js';
import { toSource } from '../dist/table/source.js';

const [name = 'seed-narrow-1m', chunkRows = '1000', tries = '5'] = process.argv.slice(2);
const bytes = readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url));
const table = tableFromIPC(bytes);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = async (fn) => {
  globalThis.gc?.();
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
};

const rows = { write: [], delta: [], iceberg: [], deltaAgain: [], icebergAgain: [] };
let written = {};
for (let i = 0; i < Number(tries); i++) {
  const dir = mkdtempSync(join(tmpdir(), 'views-cost-'));
  try {
    const store = await openStore(join(dir, 'store'), { create: true, chunkRows: Number(chunkRows) });
    const [w] = await timed(() => store.write('t', table, { keys: ['id'] }));
    const [d] = await timed(() => store.publish('t', join(dir, 'delta')));
    const [ice] = await timed(() => store.publish('t', join(dir, 'iceberg'), { format: 'iceberg' }));
    const id = table.getChild('id').get(Math.floor(table.numRows / 2));
    await store.transaction((tx) => tx.update('t', tableFromArrays({ id: [id], value: Float64Array.of(-1) })));
    const [d2, dr] = await timed(() => store.publish('t', join(dir, 'delta')));
    const [i2, ir] = await timed(() => store.publish('t', join(dir, 'iceberg'), { format: 'iceberg' }));
    rows.write.push(w);
    rows.delta.push(d);
    rows.iceberg.push(ice);
    rows.deltaAgain.push(d2);
    rows.icebergAgain.push(i2);
    written = { delta: dr.bytesWritten, iceberg: ir.bytesWritten, icebergMetadata: ir.metadataBytes, chunks: (await store.describe('t')).chunks };
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const w = median(rows.write);
console.log(`${name}, ${written.chunks} chunks, ${tries} tries, medians:`);
console.log(`  write ${w.toFixed(1)} ms`);
console.log(`  first publish: delta ${median(rows.delta).toFixed(1)} ms (${((100 * median(rows.delta)) / w).toFixed(1)}% of the write), iceberg ${median(rows.iceberg).toFixed(1)} ms (${((100 * median(rows.iceberg)) / w).toFixed(1)}%)`);
console.log(
  `  after a one-row update: delta ${median(rows.deltaAgain).toFixed(1)} ms, ${written.delta} B of data written; ` +
    `iceberg ${median(rows.icebergAgain).toFixed(1)} ms, ${written.iceberg} B of data and ${written.icebergMetadata} B of metadata`,
);

// Another copy of apache-arrow: the CommonJS build, loaded beside the ESM one.
const cjs = createRequire(import.meta.url)('apache-arrow');
const foreign = cjs.tableFromIPC(bytes);
const convert = [];
const roundTrip = [];
for (let i = 0; i < 21; i++) {
  convert.push((await timed(() => toSource(foreign)))[0]);
  roundTrip.push((await timed(() => tableFromIPC(cjs.tableToIPC(foreign))))[0]);
}
console.log(`  a ${table.numRows}-row table from apache-arrow's CommonJS copy: toSource ${median(convert).toFixed(2)} ms, an IPC round trip ${median(roundTrip).toFixed(1)} ms (21 tries, medians)`);
