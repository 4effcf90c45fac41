#!/usr/bin/env node
// readTable of one dataset's chunks in a loop, a full GC before each try (as the harness does), in
// one process; prints the median. For settings that are per process (the addon's malloc tuning,
// `ARMILLARIA_MALLOC=default` turns it off), run it once per setting, alternating, and count page
// faults with `perf stat -e page-faults`. Not a test, not the harness.
//
//   node --expose-gc bench/read-loop.mjs [dataset] [tries] [addon.node]
//
// dataset: a payload under datasets/data (default seed-wide-1m; `pnpm datasets` makes them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const { tableFromIPC, tableToIPC } = require('apache-arrow');

const [dataset = 'seed-wide-1m', tries = '40', addon] = process.argv.slice(2);
const native = require(addon ? resolve(addon) : '../index.js');
const data = tableFromIPC(readFileSync(join(import.meta.dirname, '../../../datasets/data', `${dataset}.arrow`)));
const root = mkdtempSync(join(tmpdir(), 'armillaria-read-loop-'));
const settings = { chunkRows: 131072, compression: 'snappy', fsync: false };
const ids = (await native.writeTable(root, Buffer.from(tableToIPC(data, 'stream')), settings)).map((c) => c.id);
const ms = [];
for (let i = 0; i < Number(tries); i++) {
  globalThis.gc?.();
  await sleep(5); // let the collector's background work (and the result buffers' finalizers) finish
  const t0 = performance.now();
  const table = tableFromIPC(await native.readTable(root, ids, {}));
  ms.push(performance.now() - t0);
  if (table.numRows !== data.numRows) throw new Error(`read ${table.numRows} rows, expected ${data.numRows}`);
}
rmSync(root, { recursive: true, force: true });
ms.sort((a, b) => a - b);
console.log(`read ${dataset}, ${tries} tries, malloc: ${native.nativeInfo().malloc}: median ${ms[ms.length >> 1].toFixed(2)} ms`);
