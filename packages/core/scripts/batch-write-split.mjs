#!/usr/bin/env node
// Where a wasm-phase write's time goes: Parquet encode of one group of chunks in WebAssembly (on the
// JS thread) against the native putChunks that hashes, writes and fsyncs them (medians per try).
// Needs `pnpm build`, the addon, and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node --expose-gc packages/core/scripts/batch-write-split.mjs [dataset=seed-wide-1m] [tries=15]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromIPC } from 'apache-arrow';

import { encodeSlices } from '../dist/table/chunk-codec.js';
import { sliceIntoChunks } from '../dist/table/source.js';

const native = createRequire(import.meta.url)('@armillaria/native');
const [name = 'seed-wide-1m', tries = '15'] = process.argv.slice(2);
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const slices = [];
for await (const s of sliceIntoChunks(table, 131072)) slices.push(s);
const encode = [];
const put = [];
for (let i = 0; i < Number(tries); i++) {
  const dir = mkdtempSync(join(tmpdir(), 'write-split-'));
  globalThis.gc?.();
  let t0 = performance.now();
  const encoded = await encodeSlices(slices, { codec: 'snappy', chunkRows: 131072 });
  encode.push(performance.now() - t0);
  t0 = performance.now();
  await native.putChunks(dir, encoded.map((e) => e.bytes), { fsync: true });
  put.push(performance.now() - t0);
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${name}, ${slices.length} chunks: encode ${median(encode).toFixed(1)} ms, putChunks ${median(put).toFixed(1)} ms`);
