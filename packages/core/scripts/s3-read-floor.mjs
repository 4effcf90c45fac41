#!/usr/bin/env node
// What a whole-table read from S3 costs beyond fetching its bytes: one dataset written to a fresh
// SeaweedFS (`weed mini`, started here as the tests start it), then, taking turns try by try in one
// process: (a) `store.read` through the S3 backend, (b) the same chunk objects fetched through the
// backend's `getObjects` (the AWS SDK, 16 at a time) and nothing else, (c) the same GETs by plain
// `fetch` with no SDK (the server runs without IAM, so nothing is signed). (b) is the floor of any
// read through the port; the bench's Delta figure (`pnpm bench --storage s3 --cases read --phases
// pushdown,delta`) puts it beside Delta Lake's read from the same server.
// Needs `pnpm build`, the addon, the venv (SeaweedFS) and the dataset (`pnpm bench` generates it).
// Usage: node --expose-gc packages/core/scripts/s3-read-floor.mjs [dataset=seed-wide-1m] [tries=21] [phase=pushdown]
import { readFileSync } from 'node:fs';

import { startSeaweed } from '@armillaria/testkit';
import { tableFromIPC } from 'apache-arrow';

import { getManifest } from '../dist/catalog/manifest.js';
import { openStore } from '../dist/index.js';

const [name = 'seed-wide-1m', triesArg = '21', phase = 'pushdown'] = process.argv.slice(2);
const tries = Number(triesArg);
const table = tableFromIPC(readFileSync(new URL(`../../../datasets/data/${name}.arrow`, import.meta.url)));
const server = await startSeaweed();
const location = `s3://${server.bucket}/read-floor`;
const s3 = { endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } };
const store = await openStore(location, { create: true, phase, s3 });
try {
  await store.write('t', table);
  const ids = (await getManifest(store.chunks, (await store.describe('t')).manifest)).chunks.map((c) => c.id);
  const url = (id) => `${server.endpoint}/${server.bucket}/read-floor/objects/${id.slice(0, 2)}/${id.slice(2)}`;
  const ways = {
    'store.read': async () => (await store.read('t')).numRows,
    getObjects: async () => (await store.backend.getObjects(ids)).reduce((n, b) => n + b.byteLength, 0),
    fetch: async () => (await Promise.all(ids.map(async (id) => (await (await fetch(url(id))).arrayBuffer()).byteLength))).reduce((a, b) => a + b, 0),
  };
  const bytes = await ways.getObjects();
  if ((await ways.fetch()) !== bytes) throw new Error('fetch and getObjects disagree on the bytes: is the object layout still objects/ab/cdef…?');
  const times = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
  for (let i = 0; i < tries + 3; i++) {
    const order = i % 2 === 0 ? Object.keys(ways) : Object.keys(ways).reverse(); // turns alternate
    for (const w of order) {
      globalThis.gc?.();
      const t0 = performance.now();
      await ways[w]();
      if (i >= 3) times[w].push(performance.now() - t0);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${name}: ${ids.length} chunks, ${(bytes / 1e6).toFixed(1)} MB; phase ${phase}; medians of ${tries} tries (ms)`);
  for (const w of Object.keys(ways)) console.log(`  ${w.padEnd(11)} ${median(times[w]).toFixed(1)}`);
} finally {
  await store.close();
  await server.stop();
}
