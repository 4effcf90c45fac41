import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { combineBatches } from '../src/table/concat.js';
import { allTypesTable, narrowTable } from './fixtures.js';
import { withTempStore } from './helpers.js';

/** The same rows re-cut into batches of `size` rows (zero-copy slices). */
function rebatch(t: Table, size: number): Table {
  const batches = [];
  for (let o = 0; o < t.numRows; o += size) batches.push(...t.slice(o, o + size).batches);
  return new Table(t.schema, batches);
}

describe('combineBatches', () => {
  it('joins sliced batches of every type into one equal batch', () => {
    const t = allTypesTable();
    const parts = rebatch(t.concat(t).slice(3, 13), 3);
    expect(parts.batches.length).toBeGreaterThan(1);
    const one = combineBatches(parts)!;
    expect(one).toBeDefined();
    expect(new Table(t.schema, [one])).toEqualTable(parts);
  });

  it('makes chunk ids independent of how the input was batched', async () => {
    await withTempStore(async (store) => {
      for (const [name, t] of [['all', allTypesTable()], ['narrow', narrowTable(5000)]] as const) {
        await store.write(`${name}-whole`, t, { chunkRows: 4 * 1000 });
        const a = (await store.describe(`${name}-whole`)).manifest;
        const r = await store.write(`${name}-pieces`, rebatch(t, 3), { chunkRows: 4 * 1000 });
        expect(r.newChunks).toBe(0);
        expect((await store.describe(`${name}-pieces`)).manifest).toBe(a);
        expect(await store.read(`${name}-pieces`)).toEqualTable(t);
      }
    });
  });
});
