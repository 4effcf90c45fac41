#!/usr/bin/env node
// What each column of a dataset costs the native encoder: every column alone, as a table of its
// own, through `encodeChunks` (chunks of 131072 rows in parallel, snappy), medians of wall and CPU
// time and the encoded size. On flights-3m (stop 39) the two string columns took 165 of the
// 316 ms of CPU, most of it arrow-rs's dictionary interner (hashing and comparing every value).
// Needs `pnpm build`, the addon, and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node packages/core/scripts/column-encode-cost.mjs [dataset=flights-3m] [tries=7]
import { readFileSync } from 'node:fs';

import { tableFromIPC } from 'apache-arrow';

import { nativeBinding } from '../dist/phases/native-binding.js';
import { tableToIpcPieces } from '../dist/table/arrow-ipc.js';

const [name = 'flights-3m', tries = '7'] = process.argv.slice(2);
const native = nativeBinding('column-encode-cost');
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const field of table.schema.fields) {
  const ipc = await tableToIpcPieces(table.select([field.name]));
  const wall = [];
  const cpu = [];
  let bytes = 0;
  for (let i = 0; i < Number(tries); i++) {
    const [c0, t0] = [cpuMs(), performance.now()];
    const chunks = await native.encodeChunks(ipc, { chunkRows: 131072, codec: 'snappy' });
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    bytes = chunks.reduce((n, c) => n + c.data.length, 0);
  }
  console.log(`${field.name.padEnd(16)} ${String(field.type).padEnd(24)} wall ${median(wall).toFixed(1).padStart(6)} ms  cpu ${median(cpu).toFixed(1).padStart(6)} ms  ${(bytes / 1e6).toFixed(2)} MB`);
}
