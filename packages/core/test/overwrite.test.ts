import { Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { allTypesTable, narrowTable, rebatched, rowsOf } from './fixtures.js';
import { manifestOf, withTempStore } from './helpers.js';

/** `t` with `rows` spliced in at `at` after removing `remove` rows there. */
function splice(t: Table, at: number, remove: number, rows?: Table): Table {
  return new Table([...t.slice(0, at).batches, ...(rows?.batches ?? []), ...t.slice(at + remove).batches]);
}

/** The rows of `t` whose index passes `keep`. */
function filterRows(t: Table, keep: (row: number) => boolean): Table {
  return new Table(Array.from({ length: t.numRows }, (_, r) => r).filter(keep).flatMap((r) => t.slice(r, r + 1).batches));
}

const chunkBytes = (m: { chunks: { id: string; bytes: number }[] }) => new Map(m.chunks.map((c) => [c.id, c.bytes]));

describe('overwrite keeps what did not change', () => {
  it('stores about the inserted rows when 3% are inserted mid-table', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(200_000);
      await store.write('n', t, { chunkRows: 50_000 });
      const before = await manifestOf(store, 'n');
      const inserted = narrowTable(6000, 7);
      const grown = splice(t, 90_000, 0, inserted);
      const r = await store.write('n', grown, { chunkRows: 50_000 });
      const after = await manifestOf(store, 'n');
      const old = chunkBytes(before);
      const fresh = after.chunks.filter((c) => !old.has(c.id)).reduce((n, c) => n + c.bytes, 0);
      const total = before.chunks.reduce((n, c) => n + c.bytes, 0);
      expect(fresh / total).toBeLessThan(0.06);
      expect(r).toMatchObject({ rows: 206_000, newBytes: fresh });
      expect(after.chunks.filter((c) => c.deleted).map((c) => c.deleted!.runs)).toEqual([1, 1]); // chunk 1 kept twice, split
      expect(await store.read('n')).toEqualTable(grown);
      expect(await store.read('n', { version: 1 })).toEqualTable(t);
    });
  });

  it('reads back exactly after edits anywhere, of every type', async () => {
    await withTempStore(async (store) => {
      const base = allTypesTable(); // 7 rows, nulls at 2 and 5, NaN at 3
      const t = new Table([...base.batches, ...base.batches, ...base.batches]); // 21 rows
      const edits: [string, Table][] = [
        ['insert mid', splice(t, 10, 0, base.slice(0, 2))],
        ['delete mid', splice(t, 4, 6)],
        ['replace mid', splice(t, 8, 3, base.slice(4, 7))],
        ['grow at end', new Table([...t.batches, ...base.slice(0, 3).batches])],
        ['shrink at start', t.slice(5)],
        ['identical', t],
        ['unrelated', base.slice(1, 4)],
        ['every third row deleted', filterRows(t, (r) => r % 3 !== 1)],
        ['rows inserted here and there', splice(splice(splice(t, 15, 0, base.slice(2, 3)), 9, 0, base.slice(1, 2)), 2, 0, base.slice(0, 1))],
        ['upsert: rows changed, deleted and inserted all over', splice(splice(splice(t, 2, 1, base.slice(5, 6)), 9, 2), 14, 0, base.slice(0, 3))],
        ['rows moved', new Table([...t.slice(14).batches, ...t.slice(0, 14).batches])],
      ];
      for (const [what, next] of edits) {
        await store.write('all', t, { chunkRows: 4 });
        await store.write('all', next, { chunkRows: 4 });
        expect({ what, rows: rowsOf(await store.read('all')) }).toEqual({ what, rows: rowsOf(next) });
      }
    });
  });

  it('patches the chunks of a same-size table whose values changed in a few rows', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(20_000);
      await store.write('n', t, { chunkRows: 5000 });
      const before = await manifestOf(store, 'n');
      let values = Float64Array.from(t.getChild('value')!);
      const patchBytesOf = (m: Awaited<ReturnType<typeof manifestOf>>) => m.chunks.reduce((n, c) => n + (c.patches ?? []).reduce((k, p) => k + p.bytes, 0), 0);
      for (let round = 0; round < 3; round++) {
        values = values.slice();
        for (let r = round; r < values.length; r += 20) values[r] = -r; // 5% of the rows
        const next = new Table({ id: t.getChild('id')!, value: vectorFromArray(values) });
        const stored = patchBytesOf(await manifestOf(store, 'n'));
        const result = await store.write('n', next, { chunkRows: 5000 });
        // The patches are new bytes, though not new chunks.
        expect(result).toMatchObject({ newChunks: 0, rows: 20_000, newBytes: patchBytesOf(await manifestOf(store, 'n')) - stored });
        expect(result.newBytes).toBeGreaterThan(0);
        expect(await store.read('n')).toEqualTable(next);
      }
      const after = await manifestOf(store, 'n');
      expect(after.chunks.map((c) => c.id)).toEqual(before.chunks.map((c) => c.id));
      expect(after.chunks.map((c) => c.patches?.length)).toEqual([3, 3, 3, 3]);
      // Three rounds of 5% of one column cost about a quarter of one rewrite (each patch file's footer
      // weighs on 250-row patches), against three rewrites without patches.
      expect(patchBytesOf(after)).toBeLessThan(before.chunks.reduce((n, c) => n + c.bytes, 0) * 0.3);
      // A same-size table with other rows is written again, as before.
      const other = narrowTable(20_000, 99);
      expect(await store.write('n', other, { chunkRows: 5000 })).toMatchObject({ newChunks: 4 });
      expect(await store.read('n')).toEqualTable(other);
    });
  });

  it('stores about what changed when edits are spread over the table, from a stream as from memory', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(200_000);
      await store.write('n', t, { chunkRows: 20_000 });
      const total = (await manifestOf(store, 'n')).chunks.reduce((n, c) => n + c.bytes, 0);
      const ids = t.getChild('id')!.toArray() as BigInt64Array;
      const values = t.getChild('value')!.toArray() as Float64Array;
      const pick = (keep: (r: number) => boolean, value = (r: number) => values[r]!) => {
        const rows = Array.from({ length: t.numRows }, (_, r) => r).filter(keep);
        return new Table({ id: vectorFromArray(BigInt64Array.from(rows, (r) => ids[r]!)), value: vectorFromArray(Float64Array.from(rows, value)) });
      };
      // Every 25th row deleted; then, of what is left, every 20th value changed, three rows inserted
      // here and there and 1% of new rows at the end (an upsert of 5% of the rows, re-imported).
      const deleted = pick((r) => r % 25 !== 7);
      const upserted = (() => {
        const v = (deleted.getChild('value')!.toArray() as Float64Array).map((x, k) => (k % 20 === 3 ? -x : x));
        const changed = new Table({ id: deleted.getChild('id')!, value: vectorFromArray(v) });
        const row = (k: number) => new Table({ id: vectorFromArray(BigInt64Array.of(BigInt(1e9 + k))), value: vectorFromArray(Float64Array.of(k)) });
        const withRows = splice(splice(splice(changed, 150_000, 0, row(3)), 90_000, 0, row(2)), 10_000, 0, row(1));
        return new Table([...withRows.batches, ...narrowTable(2000, 5).batches]);
      })();
      for (const [what, next, bound] of [
        ['every 25th row deleted', deleted, 0.01],
        // The changed values alone are 5.5% of this table's bytes (random doubles do not compress).
        ['upsert of 5% of the rows', upserted, 0.12],
      ] as const) {
        // As a file arrives: a stream of record batches, not a table in memory.
        const stream = { schema: next.schema, batches: (async function* () { yield* rebatched(next, 7000).batches; })() };
        const r = await store.write('n', stream, { chunkRows: 20_000 });
        expect({ what, rows: r.rows, share: r.newBytes / total < bound }).toEqual({ what, rows: next.numRows, share: true });
        expect(await store.read('n')).toEqualTable(next);
      }
      expect(await store.read('n', { version: 1 })).toEqualTable(t);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('adds no chunk for identical data, and rewrites when the codec changes', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(10_000);
      await store.write('n', t, { chunkRows: 1000 });
      const first = await store.describe('n');
      expect(await store.write('n', t, { chunkRows: 1000 })).toMatchObject({ newChunks: 0, newBytes: 0 });
      expect((await store.describe('n')).manifest).toBe(first.manifest);
      const z = await store.write('n', t, { chunkRows: 1000, codec: 'zstd' });
      expect(z.newChunks).toBe(10);
    });
  });

  it('keeps the table’s codec and chunk size when an overwrite does not name them, so it still stores only what changed', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(10_000);
      const first = await store.write('n', t, { chunkRows: 1000, codec: 'zstd' });
      // A re-import of the same file, one row changed, as the CLI does it: no settings given.
      const edited = splice(t, 5000, 1, narrowTable(1, 9));
      const r = await store.write('n', edited);
      expect(r.newChunks).toBeLessThanOrEqual(1);
      expect(r.newBytes).toBeLessThan(first.newBytes / 5); // one chunk of ten, not the table again
      const m = await manifestOf(store, 'n');
      expect([m.codec, m.chunkRows]).toEqual(['zstd', 1000]);
      expect(rowsOf(await store.read('n'))).toEqual(rowsOf(edited));
    });
  });
});
