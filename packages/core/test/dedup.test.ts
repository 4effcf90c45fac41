/**
 * Storage that follows the change: content-defined chunk boundaries, one object per column, and
 * manifests as page trees (issue #6).
 */
import { Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { MAX_FANOUT, diffTrees, loadTree, putTree, type TreeNode } from '../src/catalog/manifest-tree.js';
import { getManifest, type ChunkRef } from '../src/catalog/manifest.js';
import { hashBytes } from '../src/hash/content-hash.js';
import { sliceIntoChunks } from '../src/table/source.js';
import { narrowTable } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

const key = (c: ChunkRef) => c.columns.join();

/** `t` with `rows` extra rows (ids from 10^9) inserted before row `at`. */
function withInserted(t: Table, at: number, rows: number): Table {
  const extra = narrowTable(rows, 99);
  const ids = extra.getChild('id')!.toArray() as BigInt64Array;
  const shifted = tableFromArrays({ id: ids.map((v) => v + 1_000_000_000n), value: extra.getChild('value')!.toArray() as Float64Array });
  return new Table([...t.slice(0, at).batches, ...shifted.batches, ...t.slice(at).batches]);
}

async function chunkRows(t: Table, chunkRows: number, keys?: string[]): Promise<number[]> {
  const out: number[] = [];
  for await (const c of sliceIntoChunks({ schema: t.schema, batches: t.batches }, { chunkRows, keys })) out.push(c.numRows);
  return out;
}

describe('content-defined chunk boundaries', () => {
  it('do not depend on how the input is batched', async () => {
    const t = narrowTable(50_000);
    const rebatched = new Table([0, 7_000, 7_001, 31_000].map((s, i, a) => t.slice(s, a[i + 1] ?? t.numRows)).flatMap((p) => p.batches));
    expect(rebatched.batches.length).toBe(4);
    expect(await chunkRows(rebatched, 2000)).toEqual(await chunkRows(t, 2000));
  });

  it('keep every chunk away from an insert, so an insert stores little more than itself', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(200_000);
      const a = await store.write('t', t, { chunkRows: 4096 });
      const b = await store.write('t', withInserted(t, 100_000, 2000), { chunkRows: 4096 });
      const inserted = (a.newBytes * 2000) / 200_000;
      // The inserted rows, plus about one chunk rewritten around them (a chunk is ~2% here).
      expect(b.newBytes).toBeLessThan(inserted + a.newBytes * 0.06);
      expect((await manifestOf(store, 't')).rows).toBe(202_000);
      expect((await store.read('t', { version: 1 })).numRows).toBe(200_000);
    });
  });

  it('fall back to fixed-size chunks when no column can be hashed', async () => {
    const t = tableFromArrays({ l: vectorFromArray(Array.from({ length: 10 }, (_, i) => [i])) });
    expect(await chunkRows(t, 4)).toEqual([4, 4, 2]);
  });

  it('follow the key columns when given, so an update elsewhere moves no boundary', async () => {
    const t = narrowTable(30_000);
    const updated = tableFromArrays({ id: t.getChild('id')!.toArray() as BigInt64Array, value: (t.getChild('value')!.toArray() as Float64Array).map((v) => v + 1) });
    expect(await chunkRows(updated, 1000, ['id'])).toEqual(await chunkRows(t, 1000, ['id']));
    expect(await chunkRows(updated, 1000)).not.toEqual(await chunkRows(t, 1000));
  });
});

describe('one object per column', () => {
  it('stores an updated column again, and the others not', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(40_000);
      await store.write('t', t, { keys: ['id'], chunkRows: 4096 });
      const values = (t.getChild('value')!.toArray() as Float64Array).map((v, i) => (i % 20 === 0 ? -v : v));
      const r = await store.write('t', tableFromArrays({ id: t.getChild('id')!.toArray() as BigInt64Array, value: values }));
      const v1 = await getManifest(store.chunks, (await store.describe('t', { version: 1 })).manifest);
      const v2 = await manifestOf(store, 't');
      expect(r.newObjects).toBe(r.chunks); // one new `value` object per chunk, no new `id` object
      expect(v2.chunks.map((c) => c.columns[0])).toEqual(v1.chunks.map((c) => c.columns[0]));
      expect(v2.chunks.every((c, i) => c.columns[1] !== v1.chunks[i]!.columns[1])).toBe(true);
      expect(await store.read('t', { columns: ['value'] })).toEqualTable(tableFromArrays({ value: values }));
    });
  });

  it('stores only the added column when a column is added', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(40_000);
      const first = await store.write('t', t, { keys: ['id'], chunkRows: 4096 });
      const ids = t.getChild('id')!.toArray() as BigInt64Array;
      const wider = tableFromArrays({ id: ids, value: t.getChild('value')!.toArray() as Float64Array, twice: Float64Array.from(ids, (v) => Number(v) * 2) });
      const r = await store.write('t', wider);
      expect(r.newObjects).toBe(first.chunks);
      expect(r.newBytes).toBeLessThan(first.newBytes * 0.75);
      expect(await store.read('t')).toEqualTable(wider);
    });
  });

  it('writes no chunk bytes for identical data on another branch', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(20_000);
      await store.write('t', t);
      await store.createBranch('dev');
      expect(await store.write('t', t, { branch: 'dev' })).toMatchObject({ newObjects: 0, newBytes: 0 });
    });
  });
});

describe('manifest page trees', () => {
  const fakeChunks = (n: number, salt = ''): ChunkRef[] =>
    Array.from({ length: n }, (_, i) => ({
      rows: 10,
      bytes: 100,
      columns: [hashBytes(new TextEncoder().encode(`a${i}${salt}`)), hashBytes(new TextEncoder().encode(`b${i}`))],
      stats: { a: { nulls: 0, min: i, max: i } },
    }));

  it('keeps a small chunk list inline and a large one in pages, losslessly', async () => {
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

  it('writes O(log n) new metadata when one chunk of 100,000 changes, and diff reads only those pages', async () => {
    await withTempStore(async (store) => {
      const chunks = fakeChunks(100_000);
      const root1 = await putTree(store.chunks, chunks);
      const changed = chunks.slice();
      changed[54_321] = fakeChunks(54_322, 'x')[54_321]!;
      let newBytes = 0;
      const put = store.chunks.put.bind(store.chunks);
      store.chunks.put = async (bytes) => {
        const r = await put(bytes);
        if (r.written) newBytes += bytes.byteLength;
        return r;
      };
      const root2 = await putTree(store.chunks, changed);
      store.chunks.put = put;
      expect(newBytes).toBeGreaterThan(0);
      expect(newBytes).toBeLessThan(64 * 1024);

      let reads = 0;
      const get = store.chunks.get.bind(store.chunks);
      store.chunks.get = async (id, o) => {
        reads++;
        return get(id, o);
      };
      const d = await diffTrees(store.chunks, root1 as TreeNode, root2 as TreeNode);
      expect(d.removed.map(key)).toEqual([key(chunks[54_321]!)]);
      expect(d.added.map(key)).toEqual([key(changed[54_321]!)]);
      expect(reads).toBeLessThan(20);
    });
  });
});
