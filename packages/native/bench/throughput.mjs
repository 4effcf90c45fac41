#!/usr/bin/env node
// Quick throughput check of the addon's calls on seed-narrow-like data (not a test, not the
// harness: packages/bench owns the real benchmarks). 1M rows of { id int64, value float64 },
// 131072-row chunks, snappy. Throughput = Arrow bytes of the input table (16 B/row) / wall time.
// Usage: node bench/throughput.mjs [rows] [tries]   (ARMILLARIA_THREADS sets the pool size)

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const native = require('../index.js');
const { makeVector, Table, tableFromIPC, tableToIPC } = require('apache-arrow');

const rows = Number(process.argv[2] ?? 1_000_000);
const tries = Number(process.argv[3] ?? 7);
const chunkRows = 131072;
const compression = 'snappy';

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const table = new Table({
  id: makeVector(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i))),
  value: makeVector(Float64Array.from({ length: rows }, random)),
});
const arrowBytes = rows * 16;
const ipc = Buffer.from(tableToIPC(table, 'stream'));

async function measure(name, fn, setup = async () => {}) {
  const times = [];
  for (let i = 0; i < tries; i++) {
    const state = await setup();
    const t0 = process.hrtime.bigint();
    await fn(state);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const [best, median] = [times[0], times[Math.floor(times.length / 2)]];
  const mbs = (ms) => (arrowBytes / 1e6 / (ms / 1e3)).toFixed(0);
  console.log(`${name.padEnd(34)} best ${best.toFixed(2).padStart(8)} ms ${mbs(best).padStart(6)} MB/s   median ${median.toFixed(2).padStart(8)} ms ${mbs(median).padStart(6)} MB/s`);
}

const roots = [];
const freshRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'armillaria-bench-'));
  roots.push(root);
  return root;
};

try {
  console.log(`rows ${rows}, arrow ${(arrowBytes / 1e6).toFixed(1)} MB, ipc ${(ipc.length / 1e6).toFixed(1)} MB, chunkRows ${chunkRows}, ${compression}, native ${JSON.stringify(native.nativeInfo())}`);
  const chunks = await native.encodeChunks(ipc, { chunkRows, compression });
  const data = chunks.map((c) => c.data);
  console.log(`chunks ${chunks.length}, parquet ${(data.reduce((n, d) => n + d.length, 0) / 1e6).toFixed(1)} MB`);

  await measure('encodeChunks', () => native.encodeChunks(ipc, { chunkRows, compression }));
  await measure('putChunks (fsync, new store)', (root) => native.putChunks(root, data), freshRoot);
  await measure('putChunks (no fsync, new store)', (root) => native.putChunks(root, data, { fsync: false }), freshRoot);
  await measure('putChunks (all dedup)', (root) => native.putChunks(root, data), async () => {
    const root = freshRoot();
    await native.putChunks(root, data, { fsync: false });
    return root;
  });
  await measure('writeTable (fsync, new store)', (root) => native.writeTable(root, ipc, { chunkRows, compression }), freshRoot);

  const root = freshRoot();
  const ids = (await native.putChunks(root, data)).map((r) => r.id);
  await measure('getChunks (hot cache)', () => native.getChunks(root, ids));
  await measure('getChunks verify', () => native.getChunks(root, ids, { verify: true }));
  await measure('mapChunks (hot cache)', () => native.mapChunks(root, ids));
  await measure('mapChunks + touch every page', async () => {
    for (const b of await native.mapChunks(root, ids)) for (let i = 0; i < b.length; i += 4096) b[i];
  });
  await measure('readTable -> IPC bytes', () => native.readTable(root, ids));
  await measure('readTable -> tableFromIPC', async () => tableFromIPC(await native.readTable(root, ids)));
  await measure('decodeChunks -> IPC bytes', () => native.decodeChunks(data));
} finally {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
}
