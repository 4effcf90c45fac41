#!/usr/bin/env node
// readTable or writeTable of one dataset in a loop, a full GC before each try (as the harness does),
// in one process; prints the median. For settings that are per process (the addon's malloc tuning:
// `ARMILLARIA_MALLOC=default` turns it off), run it once per setting, alternating, and count page
// faults with `perf stat -e page-faults`. Not a test, not the harness.
//
//   node --expose-gc bench/loop.mjs read|write [dataset] [tries]
//
// read:  readTable of the stored chunks + tableFromIPC (what the native-parquet phase does).
// write: writeTable into a fresh directory, fsync on, of the table's IPC stream in pieces as core
//        hands it over.
// dataset: a payload under datasets/data (default seed-wide-1m; `pnpm datasets` makes them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const { RecordBatchStreamWriter, tableFromIPC, tableToIPC } = require('apache-arrow');
const native = require('../index.js');

const [op, dataset = 'seed-wide-1m', tries = '40'] = process.argv.slice(2);
if (op !== 'read' && op !== 'write') {
  console.error('usage: node --expose-gc bench/loop.mjs read|write [dataset] [tries]');
  process.exit(2);
}
const data = tableFromIPC(readFileSync(join(import.meta.dirname, '../../../datasets/data', `${dataset}.arrow`)));
const ipc = Buffer.from(tableToIPC(data, 'stream'));
// The stream as apache-arrow's writer emits it (headers, then each column buffer), as core hands it over.
const pieces = [];
for await (const piece of RecordBatchStreamWriter.writeAll(data)) pieces.push(piece);
const settings = { chunkRows: 131072, compression: 'snappy' };
const stored = mkdtempSync(join(tmpdir(), 'armillaria-loop-'));
const ids = (await native.writeTable(stored, ipc, { ...settings, fsync: false })).map((c) => c.id);

const ms = [];
for (let i = 0; i < Number(tries); i++) {
  const root = op === 'write' ? mkdtempSync(join(tmpdir(), 'armillaria-loop-')) : stored;
  globalThis.gc?.();
  await sleep(5); // let the collector's background work (and the result buffers' finalizers) finish
  const t0 = performance.now();
  if (op === 'read') {
    const table = tableFromIPC(await native.readTable(root, ids, {}));
    if (table.numRows !== data.numRows) throw new Error(`read ${table.numRows} rows, expected ${data.numRows}`);
  } else {
    await native.writeTable(root, pieces, { ...settings, fsync: true });
  }
  ms.push(performance.now() - t0);
  if (root !== stored) rmSync(root, { recursive: true, force: true });
}
rmSync(stored, { recursive: true, force: true });
ms.sort((a, b) => a - b);
console.log(`${op} ${dataset}, ${tries} tries, malloc: ${native.nativeInfo().malloc}: median ${ms[ms.length >> 1].toFixed(2)} ms`);
