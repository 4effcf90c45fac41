import { describe, expect, it } from 'vitest';

import { allTypesTable, narrowTable } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

describe('table round trip', () => {
  it('returns every supported type exactly, nulls and schema metadata included', async () => {
    await withTempStore(async (store) => {
      const t = allTypesTable();
      await store.write('all', t);
      expect(await store.read('all')).toEqualTable(t);
    });
  });
  it('splits into chunks of chunkRows on average and reads them back in order', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(100_000);
      const res = await store.write('n', t, { chunkRows: 3000 });
      const rows = (await manifestOf(store, 'n')).chunks.map((c) => c.rows);
      expect(rows.slice(0, -1).every((r) => r >= 1500 && r <= 9000)).toBe(true);
      expect(res.chunks).toBeGreaterThan(100_000 / 6000);
      expect(res.chunks).toBeLessThan(100_000 / 1500);
      expect(await store.read('n')).toEqualTable(t);
    });
  });
});
