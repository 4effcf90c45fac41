#!/usr/bin/env node
// Branch creation cost (time, bytes on disk) with 1 and 1,000 tables, and read cost at the head and
// by version after 1 vs N commits. Usage: node packages/core/scripts/refs-and-history.mjs [commits=10000]
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromArrays } from 'apache-arrow';

import { openStore } from '../dist/index.js';

const commits = Number(process.argv[2] ?? 10_000);
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const small = (i) => tableFromArrays({ id: new Int32Array([i]) });

async function withStore(fn) {
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-refs-'));
  try {
    return await fn(await openStore(dir, { create: true }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const tables of [1, 1000]) {
  await withStore(async (store, dir) => {
    await store.transaction(async (tx) => {
      for (let t = 0; t < tables; t++) await tx.write(`t${t}`, small(t));
    });
    const times = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      await store.createBranch(`b${i}`);
      times.push(performance.now() - t0);
    }
    const ref = (await stat(join(dir, 'refs/heads/b0'))).size;
    // Its reflog line in the shared log (logs/refs.jsonl).
    const log = Buffer.byteLength((await readFile(join(dir, 'logs/refs.jsonl'), 'utf8')).split('\n').find((l) => l.includes('"ref":"heads/b0"')) + '\n');
    console.log(`branch create with ${tables} table(s): median ${median(times).toFixed(3)} ms, ${ref} B ref + ${log} B reflog = ${ref + log} B`);
  });
}

await withStore(async (store) => {
  const probe = async (label) => {
    const head = [];
    const v1 = [];
    for (let i = 0; i < 30; i++) {
      let t0 = performance.now();
      await store.read('t');
      head.push(performance.now() - t0);
      t0 = performance.now();
      await store.read('t', { version: 1 });
      v1.push(performance.now() - t0);
    }
    console.log(`${label}: read head median ${median(head).toFixed(3)} ms, read version 1 median ${median(v1).toFixed(3)} ms`);
    return median(head);
  };
  await store.write('t', small(0));
  const one = await probe('after 1 commit');
  const fast = await openStore(store.path, { fsync: false }); // building history, not measuring it
  for (let i = 1; i < commits; i++) await fast.write(i % 2 ? 't' : 'other', small(i));
  const many = await probe(`after ${commits} commits`);
  console.log(`head read ratio ${commits} vs 1 commit: ${(many / one).toFixed(2)}x`);
});
