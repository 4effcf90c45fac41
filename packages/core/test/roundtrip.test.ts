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
  it('returns every type exactly through the C data interface decode, with the schema\'s own types', async () => {
    await withTempStore(async (store) => {
      // A dictionary or large utf8 column sends a chunk down the IPC decode path (see decodeChunk);
      // arrow-js-ffi would hand back a large utf8 column as utf8 data, which the last check catches.
      const all = allTypesTable();
      const names = all.schema.fields.map((f) => f.name);
      for (const [i, t] of [all.select(names.filter((n) => n !== 'dict' && n !== 'ls')), all.select(['ls'])].entries()) {
        await store.write(`t${i}`, t, { chunkRows: 3 });
        const back = await store.read(`t${i}`);
        expect(back).toEqualTable(t);
        for (const batch of back.batches) expect(batch.data.children.map((c) => String(c.type))).toEqual(t.schema.fields.map((f) => String(f.type)));
      }
    }, { phase: 'sequential' }); // a phase that decodes in wasm
  });
  it('encodes concurrent writes of one process independently', async () => {
    await withTempStore(async (store) => {
      // Encodes share one scratch buffer for their IPC input; interleaved writes must not mix.
      const tables = [narrowTable(20_000, 1), narrowTable(20_000, 2), allTypesTable()];
      await Promise.all(tables.map((t, i) => store.write(`t${i}`, t, { chunkRows: 1000 })));
      for (const [i, t] of tables.entries()) expect(await store.read(`t${i}`)).toEqualTable(t);
    }, { phase: 'sequential' });
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
