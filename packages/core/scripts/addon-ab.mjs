#!/usr/bin/env node
// Two builds of the native addon side by side in one process, taking turns try by try (alternating
// order): writeTable, readTable or encodeChunks of one dataset, medians of wall and CPU time (every
// thread). How stop 39 measured the column-parallel encode and decode (parquet.rs) against the build
// before them: copy the old build's .node aside (`cp packages/native/armillaria-native.*.node
// /tmp/old.node`), rebuild, and pass both.
// Needs `pnpm build` and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node packages/core/scripts/addon-ab.mjs write|read|encode OLD.node NEW.node [dataset=nycflights13] [tries=21]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { tableFromIPC } from 'apache-arrow';

import { tableToIpcPieces } from '../dist/table/arrow-ipc.js';

const [op, oldPath, newPath, name = 'nycflights13', triesArg = '21'] = process.argv.slice(2);
if (!['write', 'read', 'encode'].includes(op) || !oldPath || !newPath) {
  throw new Error('usage: addon-ab.mjs write|read|encode OLD.node NEW.node [dataset] [tries]');
}
const require = createRequire(import.meta.url);
const builds = { old: require(resolve(oldPath)), new: require(resolve(newPath)) };
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const ipc = (await tableToIpcPieces(table)).map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
const settings = { chunkRows: 131072, compression: 'snappy' };
const readDir = mkdtempSync(join(tmpdir(), 'addon-ab-'));
const stored = await builds.old.writeTable(readDir, ipc, { ...settings, fsync: false });
const check = { verify: true, sums: stored.map((c) => c.sum) };

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function once(addon) {
  if (op === 'encode') return addon.encodeChunks(ipc, settings);
  if (op === 'read') {
    const rows = tableFromIPC(await addon.readTable(readDir, stored.map((c) => c.id), check)).numRows;
    if (rows !== table.numRows) throw new Error(`read ${rows} rows, expected ${table.numRows}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'addon-ab-'));
  try {
    await addon.writeTable(dir, ipc, { ...settings, fsync: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const wall = { old: [], new: [] };
const cpu = { old: [], new: [] };
for (let i = 0; i < Number(triesArg); i++) {
  for (const k of i % 2 ? ['old', 'new'] : ['new', 'old']) {
    const [c0, t0] = [cpuMs(), performance.now()];
    await once(builds[k]);
    wall[k].push(performance.now() - t0);
    cpu[k].push(cpuMs() - c0);
  }
}
rmSync(readDir, { recursive: true, force: true });
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const k of ['old', 'new']) console.log(`${op} ${name} ${k}: wall ${median(wall[k]).toFixed(1)} ms, cpu ${median(cpu[k]).toFixed(1)} ms (medians of ${triesArg})`);
