/**
 * The gc fence, interleaved by hand in one process: gc runs between a write's puts and its commit,
 * the situation that lost data before the fence (a write reused old unreferenced chunks, gc deleted
 * them, the commit landed naming them). On disk and on S3, where a write that begins on a ref this
 * process moved itself does not read the fence at all (sweep-fence.ts, `after`). Across processes
 * and phases: test/processes/.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';

import { tableFromArrays } from 'apache-arrow';
import { describe, expect, inject, it } from 'vitest';

import { FENCE_RECORD } from '../src/catalog/sweep-fence.js';
import { ErrorCode, GcConflictError, GcRunningError, type Store } from '../src/index.js';
import { localHost, withTempStore } from './helpers.js';
import { s3Host } from './s3/server.js';

const data = (n: number) => tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), v: Float64Array.from({ length: n }, (_, i) => i / 3) });

/** Writes `t` as table `name` on a branch, then deletes the branch: its chunks become old garbage. */
async function leaveGarbage(store: Store, name: string, t: ReturnType<typeof data>): Promise<void> {
  await store.createBranch('scratch');
  await store.write(name, t, { branch: 'scratch', chunkRows: 1000 });
  await store.deleteBranch('scratch');
}

const server = inject('s3');

for (const host of [localHost, s3Host(server)]) {
  describe.skipIf(host.name === 's3' && !server)(`gc fence (${host.name})`, () => {
    it('refuses a commit whose reused chunks a gc at grace 0 deleted, and commits nothing', async () => {
      await host.withStore(async (store) => {
        await store.write('keep', data(10));
        const before = (await store.log()).length;
        const t = data(5000);
        await leaveGarbage(store, 't', t);
        const tx = await store.begin();
        const staged = await tx.write('t', t, { chunkRows: 1000 });
        expect(staged.newChunks).toBe(0); // every chunk was found in the store: the dangerous case
        const gc = await store.gc({ graceMs: 0, reflogRetentionMs: 0 });
        expect(gc.deleted).toBeGreaterThan(0);
        const err = await tx.commit('reuse').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GcConflictError);
        expect(err).toMatchObject({ code: ErrorCode.GcConflict, retryable: true });
        expect((err as Error).message).toMatch(/^transaction: gc removed \d+ object\(s\) the update of ref heads\/main names while it was written \(first: [0-9a-f]{64}\); nothing was committed, retry$/);
        expect(await store.log()).toHaveLength(before);
        expect((await store.verify()).problems).toEqual([]);
        // The retry stores the chunks again.
        await store.transaction((tx2) => tx2.write('t', t, { chunkRows: 1000 }), { retries: 1 });
        expect((await store.read('t')).numRows).toBe(5000);
        expect((await store.verify()).problems).toEqual([]);
      });
    });

    it('lands a commit that overlapped a sweep which kept what it names (grace period)', async () => {
      await host.withStore(async (store) => {
        await store.write('keep', data(10));
        const t = data(3000);
        await leaveGarbage(store, 't', t);
        const tx = await store.begin();
        await tx.write('t', t, { chunkRows: 1000 });
        const gc = await store.gc({ reflogRetentionMs: 0 }); // default grace: the refreshed chunks are young
        expect(gc.keptYoung).toBeGreaterThan(0);
        expect(gc.deleted).toBe(0);
        expect(await tx.commit('reuse')).toBeDefined();
        expect((await store.read('t')).numRows).toBe(3000);
        expect((await store.verify()).problems).toEqual([]);
      });
    });

    it('guards branch creation too: a branch at a commit gc deleted meanwhile is refused', async () => {
      await host.withStore(async (store) => {
        await store.write('t', data(10));
        await store.createBranch('b');
        await store.write('t', data(20), { branch: 'b' }); // this process caches the commit it writes
        const orphan = (await store.refs.get('branch', 'b'))!;
        await store.deleteBranch('b');
        const window = await store.fence.open();
        await store.gc({ graceMs: 0, reflogRetentionMs: 0 });
        const err = await store.refs.create('branch', 'again', orphan, 'test', window).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GcConflictError);
        expect((err as GcConflictError).missing).toContain(orphan);
        expect(await store.refs.get('branch', 'again')).toBeUndefined();
        // Overlapping a sweep that deleted nothing it names, a creation lands.
        const w2 = await store.fence.open();
        await store.gc({ graceMs: 0 });
        await store.refs.create('branch', 'fine', (await store.refs.head('main'))!, 'test', w2);
        expect((await store.read('t', { branch: 'fine' })).numRows).toBe(10);
      });
    });

    it('lets one gc sweep at a time, and takes over the sweep of a gc that died', async () => {
      await host.withStore(async (store) => {
        await store.write('t', data(10));
        const sweep = await store.fence.beginSweep();
        const err = await store.gc({ graceMs: 0 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GcRunningError);
        expect((err as Error).message).toMatch(new RegExp(`^gc: another gc is running \\(pid ${process.pid} on .+, since .+\\)$`));
        await sweep.end();
        expect((await store.gc({ graceMs: 0 })).reachable).toBeGreaterThan(0);

        // A sweep left by a killed gc (dead pid on this host) blocks nobody.
        const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
        const stale = { format: 1, gen: 7, sweep: { owner: { host: hostname(), pid: dead, nonce: 'x' }, started: new Date().toISOString(), lease: new Date(Date.now() + 60_000).toISOString() } };
        const current = await store.backend.readRecord(FENCE_RECORD);
        expect(await store.backend.compareAndSwapRecord(FENCE_RECORD, current, JSON.stringify(stale))).toBe(true);
        await leaveGarbage(store, 'g', data(2000));
        await store.write('t', data(30)); // the writer clears the dead sweep and checks what it names
        expect((await store.read('t')).numRows).toBe(30);
        expect((await store.gc({ graceMs: 0, reflogRetentionMs: 0 })).deleted).toBeGreaterThan(0);
        expect((await store.verify()).problems).toEqual([]);
      });
    });
  });
}

describe('gc fence record', () => {
  it('refuses a damaged fence record with a typed error naming it', async () => {
    await withTempStore(async (store) => {
      await store.write('t', data(10));
      const current = await store.backend.readRecord(FENCE_RECORD);
      await store.backend.compareAndSwapRecord(FENCE_RECORD, current, '{"format": 1, "gen": "x"');
      await expect(store.write('t', data(5))).rejects.toMatchObject({ code: ErrorCode.CorruptChunk, message: 'catalog: record gc-fence is corrupt: not valid JSON' });
      await store.backend.compareAndSwapRecord(FENCE_RECORD, '{"format": 1, "gen": "x"', '{"format": 9, "gen": 1}');
      await expect(store.gc()).rejects.toMatchObject({ code: ErrorCode.UnsupportedFormat, message: 'catalog: record gc-fence has format 9; this version of Armillaria reads format 1 (upgrade Armillaria to read it)' });
    });
  });
});
