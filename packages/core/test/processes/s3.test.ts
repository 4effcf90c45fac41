/**
 * Crash, concurrency and gc races across processes with the stores on S3 (the SeaweedFS server of
 * test/s3), for every phase that runs there; and many writers at once.
 */
import { describe, expect, inject, it } from 'vitest';

import { tableFromArrays } from 'apache-arrow';

import { openStore, PHASE_ORDER } from '../../src/index.js';
import { PHASES } from '../../src/internals.js';
import { freshLocation, s3Options } from '../s3/server.js';
import { localProcessHost, processSuite, startWorker, type ProcessHost } from './suite.js';

const server = inject('s3');
const skip = server ? false : 'the S3 suites are off (ARMILLARIA_S3=off)';
const host: ProcessHost = server
  ? {
      name: 's3',
      withLocation: (fn) => fn(freshLocation(server)),
      env: { AWS_ENDPOINT_URL: server.endpoint, AWS_REGION: server.region, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey },
      options: { s3: s3Options(server) },
    }
  : localProcessHost;

// Ref races and conflicts do not depend on the phase: the auto phase runs them, the others do not repeat them.
for (const name of PHASE_ORDER) if (!PHASES[name].needsLocalFiles) processSuite(name, host, skip, name === 'pushdown' ? 'all' : 'phase');

describe.skipIf(!server)('many writers on S3', () => {
  // Enough for every writer to lose ref races many times over; the bench's commits cases measure the rate.
  const COMMITS = 40;
  it('lands 320 of 320 commits of 8 processes writing 40 times each to tables of their own', async () => {
    const location = freshLocation(server!);
    const store = await openStore(location, { create: true, ...host.options });
    await store.write('seed', tableFromArrays({ n: new Int32Array([0]), pid: new Int32Array([0]) }));
    const tables = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const workers = tables.map((t) => startWorker(host.env, location, 'own', t, String(COMMITS)));
    expect(await Promise.all(workers.map((w) => w.done))).toEqual(tables.map(() => 0));
    for (const t of tables) expect((await store.describe(t)).version).toBe(COMMITS);
    expect(await store.log()).toHaveLength(1 + 8 * COMMITS);
    expect((await store.verify()).problems).toEqual([]);
    await store.close();
  }, 300_000);
});
