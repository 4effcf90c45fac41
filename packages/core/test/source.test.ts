/** Content-defined chunk boundaries (source.ts, row-hash.ts): stable under inserts, deletes and updates. */
import { Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { sliceIntoChunks } from '../src/table/source.js';
import { narrowTable } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

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
    const t = new Table({ l: vectorFromArray(Array.from({ length: 10 }, (_, i) => [i])) });
    expect(await chunkRows(t, 4)).toEqual([4, 4, 2]);
  });

  it('follow the key columns when given, so an update elsewhere moves no boundary', async () => {
    const t = narrowTable(30_000);
    const updated = tableFromArrays({ id: t.getChild('id')!.toArray() as BigInt64Array, value: (t.getChild('value')!.toArray() as Float64Array).map((v) => v + 1) });
    expect(await chunkRows(updated, 1000, ['id'])).toEqual(await chunkRows(t, 1000, ['id']));
    expect(await chunkRows(updated, 1000, ['value'])).not.toEqual(await chunkRows(t, 1000, ['value']));
    // Without keys, the first column places them: the same holds for an update of `value`.
    expect(await chunkRows(updated, 1000)).toEqual(await chunkRows(t, 1000));
  });
});
