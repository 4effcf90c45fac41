import { describe, expect, it } from 'vitest';

import { narrowTable } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

describe('optimize', () => {
  it('compacts small appends and folds deletes and patches, keeping rows, order and full chunks', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(40_000);
      await store.write('n', t.slice(0, 20_000), { chunkRows: 5000 });
      for (let at = 20_000; at < 40_000; at += 500) await store.write('n', t.slice(at, at + 500), { mode: 'append' });
      await store.transaction(async (tx) => {
        await tx.delete('n', { column: 'id', op: '<', value: 100n });
        await tx.update('n', narrowTable(3, 9).slice(0, 3), { on: ['id'], ignoreMissing: true });
      });
      const before = await manifestOf(store, 'n');
      const expected = await store.read('n');
      const version = (await store.describe('n')).version;
      expect(before.chunks).toHaveLength(44);
      const r = await store.transaction((tx) => tx.optimize('n'));
      expect(r.value).toMatchObject({ chunksBefore: 44, chunksAfter: 8, rowsRewritten: 5000 - 100 + 20_000 });
      const after = await manifestOf(store, 'n');
      // The three full clean chunks are kept; the patched one with deletes and the 40 appends are rewritten.
      expect(after.chunks.slice(1, 4).map((c) => c.id)).toEqual(before.chunks.slice(1, 4).map((c) => c.id));
      expect(after.chunks.every((c) => !c.deleted && !c.patches)).toBe(true);
      expect(await store.read('n')).toEqualTable(expected);
      expect(await store.read('n', { version })).toEqualTable(expected);
      expect((await store.describe('n')).version).toBe(version + 1);
      // A tidy table stays as it is: nothing committed.
      expect((await store.transaction((tx) => tx.optimize('n'))).versions).toEqual({});
      expect((await store.verify()).problems).toEqual([]);
    });
  });
});
