#!/usr/bin/env node
// A/B of two builds of the addon, loaded side by side and alternating try by try, so both see the
// same machine noise; prints each build's median and the median of the paired differences (B - A).
// On a noisy 2-core machine only the paired difference is worth quoting. Not a test, not the harness.
//
//   node --expose-gc bench/ab.mjs A.node B.node read|write [dataset] [tries]
//
// Build A first and copy it aside: `cp armillaria-native.linux-x64-gnu.node /tmp/a.node`.
// read:  readTable of the stored chunks + tableFromIPC (what the native-parquet phase does).
// write: writeTable of the table's IPC stream, handed over in pieces as core does, fsync on
//        (FSYNC=0 turns it off). A full GC runs before every try (when exposed).
// dataset: a payload under datasets/data (default seed-narrow-1m; `pnpm datasets` makes them).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { RecordBatchStreamWriter, tableFromIPC, tableToIPC } = require('apache-arrow');

const [a, b, op, dataset = 'seed-narrow-1m', tries = '31'] = process.argv.slice(2);
if (!a || !b || (op !== 'read' && op !== 'write')) {
  console.error('usage: node --expose-gc bench/ab.mjs A.node B.node read|write [dataset] [tries]');
  process.exit(2);
}
const builds = [a, b].map((path) => require(resolve(path)));
const data = join(import.meta.dirname, '../../../datasets/data', `${dataset}.arrow`);
const table = tableFromIPC(readFileSync(data));
const ipc = Buffer.from(tableToIPC(table, 'stream'));
// The stream as apache-arrow's writer emits it (headers, then each column buffer), as core hands it over.
const pieces = [];
for await (const piece of RecordBatchStreamWriter.writeAll(table)) pieces.push(piece);
const settings = { chunkRows: 131072, compression: 'snappy', fsync: process.env.FSYNC !== '0' };

const stored = mkdtempSync(join(tmpdir(), 'armillaria-ab-'));
const ids = (await builds[0].writeTable(stored, ipc, { ...settings, fsync: false })).map((c) => c.id);

async function once(native) {
  if (op === 'read') return tableFromIPC(await native.readTable(stored, ids, {})).numRows;
  const root = mkdtempSync(join(tmpdir(), 'armillaria-ab-'));
  try {
    return (await native.writeTable(root, pieces, settings)).length;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const times = [[], []];
const warmup = 2;
for (let i = 0; i < Number(tries) + warmup; i++) {
  for (const k of i % 2 ? [0, 1] : [1, 0]) {
    globalThis.gc?.();
    const t0 = performance.now();
    await once(builds[k]);
    if (i >= warmup) times[k].push(performance.now() - t0);
  }
}
rmSync(stored, { recursive: true, force: true });

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const paired = times[0].map((t, i) => times[1][i] - t);
const ms = (x) => `${x.toFixed(2)} ms`;
console.log(`${op} ${dataset}, ${tries} tries: A ${ms(median(times[0]))} | B ${ms(median(times[1]))} | paired B - A ${ms(median(paired))}`);
