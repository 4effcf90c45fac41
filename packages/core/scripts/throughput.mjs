#!/usr/bin/env node
// Write/read throughput of one phase on seed-narrow ({id int64, value float64}), for quick checks while
// working on a phase. Uses datasets/data/seed-narrow-<size>.arrow when the benchmark has generated it
// (`pnpm bench` does), otherwise an equivalent synthetic table. The benchmark harness (`pnpm bench`)
// is the measurement of record.
// Usage: node packages/core/scripts/throughput.mjs [rows=1000000] [phase=sequential] [runs=5] [codec=snappy]
// FSYNC=0 turns durable writes off (to see what fsync costs).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tableFromArrays, tableFromIPC } from 'apache-arrow';

import { openStore } from '../dist/index.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const phase = process.argv[3] ?? 'sequential';
const runs = Number(process.argv[4] ?? 5);
const codec = process.argv[5] ?? 'snappy';

const SIZES = { 100000: '100k', 500000: '500k', 1000000: '1m', 10000000: '10m' };
const dataset = fileURLToPath(new URL(`../../../datasets/data/seed-narrow-${SIZES[rows]}.arrow`, import.meta.url));

function synthetic() {
  const ids = new BigInt64Array(rows);
  const values = new Float64Array(rows);
  let x = 42;
  for (let i = 0; i < rows; i++) {
    ids[i] = BigInt(i);
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    values[i] = x / 2 ** 32;
  }
  return tableFromArrays({ id: ids, value: values });
}

const real = SIZES[rows] !== undefined && existsSync(dataset);
const table = real ? tableFromIPC(readFileSync(dataset)) : synthetic();
const bytes = table.batches.reduce((n, b) => n + b.data.byteLength, 0);

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const writes = [];
const reads = [];
for (let r = 0; r < runs + 1; r++) {
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-tp-'));
  try {
    const store = await openStore(dir, { create: true, phase, codec, fsync: process.env.FSYNC !== '0' });
    let t0 = performance.now();
    await store.write('t', table); // durable: chunks and ref are fsynced
    const w = performance.now() - t0;
    t0 = performance.now();
    const back = await store.read('t');
    const rd = performance.now() - t0;
    if (back.numRows !== rows) throw new Error(`read ${back.numRows} rows, expected ${rows}`);
    if (r > 0) {
      writes.push(w);
      reads.push(rd); // first run is warm-up (wasm compile, page cache)
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const mbps = (ms) => (bytes / 1e6 / (ms / 1e3)).toFixed(0);
console.log(
  `${phase} (${codec}): ${real ? `seed-narrow-${SIZES[rows]}` : 'synthetic'}, ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB Arrow; median of ${runs}: ` +
    `write ${median(writes).toFixed(1)} ms (${mbps(median(writes))} MB/s), read ${median(reads).toFixed(1)} ms (${mbps(median(reads))} MB/s)`,
);
