#!/usr/bin/env node
// What the wasm phases spend per write on chunk statistics and the dictionary policy, side by side
// in one process: the JS kernels (chunkStats) against the footer path (encodedChunkStats, which
// parses the Parquet footer the encoder wrote), on 131072-row slices of a generated dataset.
// Needs `pnpm build` and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node packages/core/scripts/chunk-stats.mjs [dataset=seed-narrow-1m] [rounds=31]
import { readFileSync } from 'node:fs';

import { tableFromIPC } from 'apache-arrow';

import { columnsWithoutDictionary } from '../dist/table/dictionary-policy.js';
import { encodeChunk } from '../dist/table/parquet-codec.js';
import { encodedChunkStats } from '../dist/table/parquet-stats.js';
import { chunkStats } from '../dist/table/stats.js';

const name = process.argv[2] ?? 'seed-narrow-1m';
const rounds = Number(process.argv[3] ?? 31);
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const slices = [];
for (let i = 0; i < table.numRows; i += 131072) slices.push(table.slice(i, Math.min(i + 131072, table.numRows)));
const parquet = [];
for (const s of slices) parquet.push(await encodeChunk(s, 'snappy', 131072));

const times = { 'dictionary policy': [], 'stats, JS kernels': [], 'stats, from the footer': [] };
const time = (key, fn) => {
  const t0 = performance.now();
  fn();
  times[key].push(performance.now() - t0);
};
for (let r = 0; r < rounds; r++) {
  time('dictionary policy', () => slices.forEach((s) => columnsWithoutDictionary(s)));
  time('stats, JS kernels', () => slices.forEach((s) => chunkStats(s)));
  time('stats, from the footer', () => slices.forEach((s, i) => encodedChunkStats(s, parquet[i])));
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`${name}: ${slices.length} chunks, medians of ${rounds}`);
for (const [key, t] of Object.entries(times)) console.log(`  ${key.padEnd(24)} ${median(t).toFixed(2)} ms`);
