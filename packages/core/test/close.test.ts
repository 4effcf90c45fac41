import { describe, expect, it } from 'vitest';

import { ErrorCode, nativeStatus, openStore, PHASE_ORDER, StoreClosedError, type Store } from '../src/index.js';
import { PHASES } from '../src/internals.js';
import { narrowTable } from './fixtures.js';
import { storeDigest, withTempDir } from './helpers.js';

const phases = PHASE_ORDER.filter((p) => !PHASES[p].needsNative || nativeStatus().available);

async function rejectsClosed(call: () => Promise<unknown>, operation: string): Promise<void> {
  const e = await call().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreClosedError);
  expect((e as StoreClosedError).code).toBe(ErrorCode.StoreClosed);
  expect((e as Error).message).toContain(operation);
}

describe('Store.close', () => {
  it.each(phases)('releases the store in phase %s; every later call is a typed error and changes nothing', async (phase) => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false, phase });
      const t = narrowTable(3000, 1);
      await store.write('t', t, { chunkRows: 1000 });
      expect((await store.read('t')).numRows).toBe(3000); // the mmap phases keep a map region after this
      await store.close();
      await store.close(); // idempotent
      expect(store.isClosed).toBe(true);
      const before = await storeDigest(dir);
      await rejectsClosed(() => store.read('t'), 'read');
      await rejectsClosed(() => store.write('t', t), 'write');
      await rejectsClosed(() => store.transaction(async () => {}), 'transaction');
      await rejectsClosed(() => store.sql('SELECT count(*) FROM t'), 'sql');
      await rejectsClosed(() => store.createBranch('b'), 'createBranch');
      await rejectsClosed(() => store.gc(), 'gc');
      await rejectsClosed(async () => {
        for await (const _ of store.scan('t')) break;
      }, 'scan');
      expect(() => store.subscribe()).toThrow(StoreClosedError);
      expect(await storeDigest(dir)).toEqual(before);
      const again = await openStore(dir, { phase });
      expect((await again.read('t')).numRows).toBe(3000);
      await again.close();
    });
  });

  it('fails a transaction begun before the close at its commit, which then never lands', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('t', narrowTable(10, 1));
      const tx = await store.begin();
      await tx.write('t', narrowTable(20, 2));
      await store.close();
      await expect(tx.commit('late')).rejects.toThrow(StoreClosedError);
      await expect(tx.write('u', narrowTable(5, 3))).rejects.toThrow(/transaction on the store at .* which was closed/);
      const again = await openStore(dir);
      expect((await again.log()).map((e) => e.message)).toEqual(['overwrite t']);
      await again.close();
    });
  });

  it('ends the iteration of its subscriptions', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      const seen: string[] = [];
      const sub = store.subscribe({ intervalMs: 20 });
      const done = (async () => {
        for await (const change of sub) seen.push(change.commit);
      })();
      const { commit } = await store.write('t', narrowTable(10, 1));
      await expect.poll(() => seen).toEqual([commit]);
      await store.close();
      await done; // would hang (and time out) if close left the subscription running
      expect(seen).toEqual([commit]);
    });
  });

  it('closes at the end of an `await using` scope', async () => {
    await withTempDir(async (dir) => {
      let kept: Store;
      {
        await using store = await openStore(dir, { create: true, fsync: false });
        kept = store;
        await store.write('t', narrowTable(10, 1));
        expect(store.isClosed).toBe(false);
      }
      expect(kept.isClosed).toBe(true);
      await rejectsClosed(() => kept.tables(), 'tables');
    });
  });
});
