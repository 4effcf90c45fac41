import { describe, expect, it } from 'vitest';

import { allTypesTable, narrowTable } from './fixtures.js';
import { withTempStore } from './helpers.js';

describe('table round trip', () => {
  it('returns every supported type exactly, nulls and schema metadata included', async () => {
    await withTempStore(async (store) => {
      const t = allTypesTable();
      await store.write('all', t);
      expect(await store.read('all')).toEqualTable(t);
    });
  });
  it('returns every type exactly through the C data interface decode (no dictionary, no large utf8)', async () => {
    await withTempStore(async (store) => {
      // A dictionary or large utf8 column sends a chunk down the IPC decode path (see decodeChunk).
      const all = allTypesTable();
      const t = all.select(all.schema.fields.map((f) => f.name).filter((n) => n !== 'dict' && n !== 'ls'));
      await store.write('all', t, { chunkRows: 3 });
      expect(await store.read('all')).toEqualTable(t);
    });
  });
  it('splits into chunks of chunkRows and reads them back in order', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(10_000);
      const res = await store.write('n', t, { chunkRows: 3000 });
      expect(res.chunks).toBe(4);
      expect(await store.read('n')).toEqualTable(t);
    });
  });
});
