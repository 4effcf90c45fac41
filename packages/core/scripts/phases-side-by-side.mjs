#!/usr/bin/env node
// Store writes or reads of one dataset by several phases in one process, the phases taking turns
// try by try (alternating order), so a slow spell of a shared machine hits all of them alike; prints
// the median per phase and the median of the paired differences against the first phase, and the
// garbage-collector time that fell inside the timed tries (per try, by perf_hooks gc kind). That last
// column is how stop 19 found that `mmap` reads, which wrapped every read's maps in fresh external
// Buffers, started incremental marking inside the read where `batch` reads did not (0.6-1.9 ms per
// read; stop 18 had misread the kind as weak-callback processing). It also prints the process's CPU
// time per try (user + system, every thread): on a machine with c cores no schedule of that work can
// finish in less than cpu / c, which is how stop 20 showed that `batch` cannot write twice as fast as
// `sequential` on 2 cores while both encode in WebAssembly. A phase written `<phase>:unverified`
// reads with `verify: false`, so `read <dataset> 31 pushdown,pushdown:unverified` measures what
// checking every chunk against its id costs a read.
// Needs `pnpm build`, the addon, and the dataset (`pnpm bench` generates it under datasets/data/).
// Usage: node --expose-gc packages/core/scripts/phases-side-by-side.mjs write|read [dataset=seed-narrow-1m] [tries=21] [phases=sequential,batch]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';

import { tableFromIPC } from 'apache-arrow';

import { openStore } from '../dist/index.js';

const [op = 'write', name = 'seed-narrow-1m', tries = '21', list = 'sequential,batch'] = process.argv.slice(2);
if (op !== 'write' && op !== 'read') throw new Error(`usage: phases-side-by-side.mjs write|read [dataset] [tries] [phases]; got ${op}`);
const phases = list.split(',');
const unverified = phases.map((p) => p.endsWith(':unverified'));
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const readDir = mkdtempSync(join(tmpdir(), 'side-by-side-'));
await (await openStore(readDir, { create: true, phase: 'sequential' })).write('t', table);
const readers = await Promise.all(phases.map((phase) => openStore(readDir, { phase: phase.replace(/:unverified$/, '') })));

const collections = [];
new PerformanceObserver((list) => collections.push(...list.getEntries())).observe({ entryTypes: ['gc'] });
const windows = phases.map(() => []);
const cpu = phases.map(() => []);

async function once(k) {
  if (op === 'read') return time(k, () => readers[k].read('t', { verify: !unverified[k] }));
  const dir = mkdtempSync(join(tmpdir(), 'side-by-side-'));
  const store = await openStore(dir, { create: true, phase: phases[k] });
  const ms = await time(k, () => store.write('t', table));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function time(k, f) {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 5)); // let the collector's background work finish
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const t1 = performance.now();
  const { user, system } = process.cpuUsage(c0);
  windows[k].push([t0, t1]);
  cpu[k].push((user + system) / 1000);
  return t1 - t0;
}

const ms = phases.map(() => []);
for (let i = 0; i < Number(tries) + 2; i++) {
  const order = phases.map((_, k) => k);
  if (i % 2) order.reverse();
  for (const k of order) {
    const t = await once(k);
    if (i >= 2) ms[k].push(t); // the first two rounds warm up
  }
  if (i === 1) for (const w of [...windows, ...cpu]) w.length = 0;
}
rmSync(readDir, { recursive: true, force: true });
await new Promise((r) => setTimeout(r, 50)); // the observer reports asynchronously
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [k, phase] of phases.entries()) {
  const paired = k === 0 ? '' : `, paired difference against ${phases[0]} ${median(ms[k].map((x, i) => x - ms[0][i])).toFixed(1)} ms`;
  const gc = {};
  for (const c of collections) {
    const inside = windows[k].filter(([a, b]) => c.startTime < b && c.startTime + c.duration > a).length;
    if (inside > 0) gc[c.detail.kind] = (gc[c.detail.kind] ?? 0) + c.duration / windows[k].length;
  }
  const gcText = Object.entries(gc).map(([kind, t]) => `${KINDS[kind] ?? `kind ${kind}`} ${t.toFixed(2)}`).join(', ') || 'none';
  console.log(`${op} ${name} ${phase.padEnd(14)} median ${median(ms[k]).toFixed(1)} ms${paired}; cpu ${median(cpu[k]).toFixed(1)} ms; gc in the tries, ms per try: ${gcText}`);
}
process.exit(0);
