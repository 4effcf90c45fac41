/** Manifests whose chunk list is a prolly tree of pages: O(log n) new metadata per change, diffs by subtree. */
import { describe, expect, it } from 'vitest';

import { MAX_FANOUT, diffTrees, loadTree, putTree } from '../src/catalog/manifest-tree.js';
import { getManifest, type ChunkRef } from '../src/catalog/manifest.js';
import { putJson } from '../src/catalog/objects.js';
import { hashBytes } from '../src/hash/content-hash.js';
import { narrowTable } from './fixtures.js';
import { withTempStore } from './helpers.js';

const fakeChunks = (n: number, salt = ''): ChunkRef[] =>
  Array.from({ length: n }, (_, i) => ({ id: hashBytes(new TextEncoder().encode(`${i}${salt}`)), rows: 10, bytes: 100, stats: { a: { nulls: 0, min: i, max: i } } }));

/** Counts the puts `fn` makes to `store` and the bytes they add. */
async function countPuts(store: import('../src/index.js').Store, fn: () => Promise<unknown>): Promise<{ puts: number; newBytes: number }> {
  const counts = { puts: 0, newBytes: 0 };
  const put = store.chunks.put.bind(store.chunks);
  store.chunks.put = async (bytes) => {
    const r = await put(bytes);
    counts.puts++;
    if (r.written) counts.newBytes += bytes.byteLength;
    return r;
  };
  try {
    await fn();
  } finally {
    store.chunks.put = put;
  }
  return counts;
}

/** A tree over `n` fake chunks, then the tree with chunk `at` replaced, and what storing the second put. */
async function changeOne(store: import('../src/index.js').Store, n: number, at: number) {
  const chunks = fakeChunks(n);
  const root1 = await putTree(store.chunks, chunks);
  const changed = chunks.slice();
  changed[at] = fakeChunks(at + 1, 'changed')[at]!;
  let root2 = root1;
  const counts = await countPuts(store, async () => (root2 = await putTree(store.chunks, changed)));
  return { chunks, root1, changed, root2, ...counts };
}

describe('manifest page trees', () => {
  it('keep a small chunk list inline and a large one in pages, losslessly', async () => {
    await withTempStore(async (store) => {
      const small = fakeChunks(5);
      expect(await putTree(store.chunks, small)).toEqual({ level: 0, chunks: small });
      const big = fakeChunks(5000);
      const root = await putTree(store.chunks, big);
      expect(root.level).toBeGreaterThan(0);
      const loaded = await loadTree(store.chunks, root);
      expect(loaded.chunks).toEqual(big);
      expect(loaded.pages.length).toBeGreaterThan(5000 / MAX_FANOUT);
    });
  });

  it('write under 64 KiB of new metadata when one chunk of 100,000 changes; diff reads only the differing pages', async () => {
    await withTempStore(async (store) => {
      const { chunks, root1, changed, root2, newBytes } = await changeOne(store, 100_000, 54_321);
      expect(newBytes).toBeGreaterThan(0);
      expect(newBytes).toBeLessThan(64 * 1024);

      let reads = 0;
      const get = store.chunks.get.bind(store.chunks);
      store.chunks.get = async (id, o) => {
        reads++;
        return get(id, o);
      };
      const d = await diffTrees(store.chunks, root1, root2);
      expect(d.removed.map((c) => c.id)).toEqual([chunks[54_321]!.id]);
      expect(d.added.map((c) => c.id)).toEqual([changed[54_321]!.id]);
      expect(reads).toBeLessThan(20);
    });
  });

  it('serialise only the pages on the changed path when the unchanged entries are carried over', async () => {
    await withTempStore(async (store) => {
      const { chunks, root1, changed, root2, puts } = await changeOne(store, 20_000, 12_345);
      // ~625 leaf pages; only the changed leaf and the index pages above the leaves are serialised.
      expect(puts).toBeLessThan(40);
      expect((await loadTree(store.chunks, root2)).chunks).toEqual(changed);
      // A known page that vanished (say, collected) is written again rather than referenced.
      const { pages } = await loadTree(store.chunks, root1);
      for (const id of pages) await store.chunks.backend.deleteObject(id);
      const root3 = await putTree(store.chunks, chunks);
      expect((await loadTree(store.chunks, root3)).chunks).toEqual(chunks);
    });
  });

  it('round-trip through a stored table, and gc keeps the pages', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(20_000);
      await store.write('t', t, { chunkRows: 100 }); // 200 chunks: several pages
      const m = await getManifest(store.chunks, (await store.describe('t')).manifest);
      expect(m.chunks).toHaveLength(200);
      expect(m.pages.length).toBeGreaterThan(1);
      await store.gc({ graceMs: 0 });
      expect(await store.read('t')).toEqualTable(t);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('diff two unrelated large trees (every chunk on one side only)', async () => {
    await withTempStore(async (store) => {
      const [a, b] = [fakeChunks(70_000), fakeChunks(70_000, 'other')];
      const d = await diffTrees(store.chunks, await putTree(store.chunks, a), await putTree(store.chunks, b));
      expect([d.removed.length, d.added.length]).toEqual([70_000, 70_000]);
    });
  });

  it('still read format 1 manifests (the flat chunk list)', async () => {
    await withTempStore(async (store) => {
      const chunks = fakeChunks(3);
      const v1 = { type: 'manifest', format: 1, schema: '', rows: 30, codec: 'snappy', chunkRows: 10, chunks };
      const id = await putJson(store.chunks, v1);
      expect(await getManifest(store.chunks, id)).toMatchObject({ format: 2, rows: 30, chunks, pages: [] });
    });
  });
});
