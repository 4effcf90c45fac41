/**
 * One conformance suite for every phase: each `<phase>.test.ts` calls `phaseConformance(name)`.
 * Phases must agree byte for byte: the same input and settings give the same chunk ids (hence the
 * same manifest id) as `sequential`, the same tables on read, and the same errors.
 */
import { makeData, makeVector, Null, Table, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { ChunkNotFoundError, CorruptChunkError, nativeStatus, type Filter, type OpenOptions, type PhaseName, type Store } from '../../src/index.js';
import { PHASES } from '../../src/internals.js';
import { putManifest } from '../../src/catalog/manifest.js';
import { allTypesTable, allTypesUpdate, dictionaryPolicyTable, narrowTable, rebatched, rowsOf, statsEdgeTable, twoDictionaries } from '../fixtures.js';
import { localHost, manifestOf, withTempStore as withLocalStore, type StoreHost } from '../helpers.js';

/** Writes `t` with the sequential phase and returns its manifest id (the reference). */
async function referenceManifest(t: import('apache-arrow').Table, chunkRows: number): Promise<string> {
  return withLocalStore(async (store) => {
    await store.write('t', t, { chunkRows });
    return (await store.describe('t')).manifest;
  }, { phase: 'sequential' });
}

/**
 * The suite for phase `name` with its stores on `host` (a temp directory by default; test/s3 runs it
 * on the S3 server). `skip`: false, or why the suite cannot run there.
 */
export function phaseConformance(name: PhaseName, host: StoreHost = localHost, skip: false | string = false): void {
  // Under CI, ARMILLARIA_NATIVE=require turns a missing addon into a failure here instead of a skip.
  const runnable = (!PHASES[name].needsNative || nativeStatus().available) && !skip;
  describe.skipIf(!runnable)(`phase ${name} conformance${host === localHost ? '' : ` on ${host.name}`}`, () => {
    const open = { phase: name };
    const withTempStore = <T>(fn: (store: Store) => Promise<T>, options?: OpenOptions) => host.withStore(fn, options);

    it('round-trips every type exactly', async () => {
      await withTempStore(async (store) => {
        expect(store.phase).toBe(name);
        const t = allTypesTable();
        await store.write('all', t, { chunkRows: 3 });
        expect(await store.read('all')).toEqualTable(t);
      }, open);
    });

    it('writes byte-identical chunks and manifests to sequential', async () => {
      // 131072 unique int64s overflow the 64 KiB dictionary page limit: both writers must fall back alike.
      // dictionaryPolicyTable: chunks of 2048 rows from 3 batches, and a last one too short to judge.
      // statsEdgeTable: statistics the wasm phases read from Parquet footers and the native ones compute.
      // rebatched: chunks spanning many input batches, large enough for several pages per column (the
      // encoder must see one batch per chunk in every phase, or page boundaries move).
      const cases = [
        [narrowTable(200_000), 131_072], [narrowTable(50_000), 8192], [allTypesTable(), 3], [dictionaryPolicyTable(5000, 3), 2048],
        [statsEdgeTable(), 3], [rebatched(narrowTable(100_000), 7777), 32_768],
      ] as const;
      for (const [t, chunkRows] of cases) {
        const reference = await referenceManifest(t, chunkRows);
        await withTempStore(async (store) => {
          await store.write('t', t, { chunkRows });
          expect((await store.describe('t')).manifest).toBe(reference);
          expect(await store.read('t')).toEqualTable(t);
        }, open);
      }
    });

    it('writes every row of a chunk whose batches have different dictionaries', async () => {
      await withTempStore(async (store) => {
        const t = twoDictionaries();
        await store.write('d', t);
        expect(await store.read('d')).toEqualTable(t);
      }, open);
    });

    it('leaves the caller\'s vectors as they were', async () => {
      // arrow-js caches a null count when its IPC writer reads it, and a Data whose count is known to
      // be 0 reports nullable: true, so a Table built from the vectors afterwards got another schema
      // (and an overwrite with it could keep nothing).
      await withTempStore(async (store) => {
        const t = narrowTable(3000);
        const rebuilt = () => new Table({ id: t.getChild('id')!, value: t.getChild('value')! }).schema.fields.map((f) => f.nullable);
        const before = rebuilt();
        await store.write('t', t, { chunkRows: 1000 });
        expect(rebuilt()).toEqual(before);
      }, open);
    });

    it('writes a column of the Null type across chunks', async () => {
      // Regression: arrow-js gave the sliced Null column of every chunk but the first a null count of
      // -1, and arrow-rs refused the IPC message (a 131073-row pyarrow file with pa.nulls() failed to import).
      await withTempStore(async (store) => {
        const t = new Table({ id: vectorFromArray(Int32Array.from({ length: 10 }, (_, i) => i)), nothing: makeVector(makeData({ type: new Null(), length: 10, nullCount: 10 })) });
        await store.write('n', t, { chunkRows: 4 });
        expect(await store.read('n')).toEqualTable(t);
      }, open);
    });

    it('stores identical data once', async () => {
      await withTempStore(async (store) => {
        const t = narrowTable(20_000);
        expect(await store.write('a', t, { chunkRows: 5000 })).toMatchObject({ chunks: 4, newChunks: 4 });
        expect(await store.write('b', t, { chunkRows: 5000 })).toMatchObject({ chunks: 4, newChunks: 0, newBytes: 0 });
      }, open);
    });

    it('stores and counts a chunk repeated inside one write once', async () => {
      await withTempStore(async (store) => {
        const chunk = narrowTable(5000);
        const repeated = new Table(Array.from({ length: 4 }, () => chunk.batches).flat());
        const written = await store.write('r', repeated, { chunkRows: 5000 });
        const { chunks } = await manifestOf(store, 'r');
        expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
        expect(written).toMatchObject({ chunks: 4, newChunks: 1, newBytes: chunks[0]!.bytes });
        expect(await store.read('r')).toEqualTable(repeated);
      }, open);
    });

    it('projects and filters like every other phase', async () => {
      await withTempStore(async (store) => {
        await store.write('n', narrowTable(10_000), { chunkRows: 1000 });
        const t = await store.read('n', { columns: ['value', 'id'], filter: { column: 'id', op: '<', value: 1500n } });
        expect(t.schema.fields.map((f) => f.name)).toEqual(['value', 'id']);
        expect(t.numRows).toBe(1500);
        expect(Number(t.getChild('id')!.get(1499))).toBe(1499);
      }, open);
    });

    it('reads the rows a scattered filter matches on every type, as sequential does', async () => {
      const t = allTypesTable();
      const filter: Filter = { or: [{ column: 'i16', op: '=', value: -3000 }, { column: 'list', op: 'is null' }, { column: 's', op: 'in', values: ['héllo', 'a'] }] };
      const read = async (store: import('../../src/index.js').Store) => {
        await store.write('all', t, { chunkRows: 3 });
        return [rowsOf(await store.read('all', { filter })), rowsOf(await store.read('all', { columns: ['lbin', 'i16', 'dict', 'obj'], filter }))];
      };
      const [all, some] = await withTempStore(read, { phase: 'sequential' });
      expect(all!.map((r) => r.i16)).toEqual([-1000, null, -3000, null, -6000]); // rows 1, 2, 3, 5, 6
      await withTempStore(async (store) => expect(await read(store)).toEqual([all, some]), open);
    });

    it('drops rows deleted through a deletion vector, with and without a filter', async () => {
      await withTempStore(async (store) => {
        const t = narrowTable(10_000);
        await store.write('n', t, { chunkRows: 1000 });
        await store.transaction((tx) => tx.delete('n', { and: [{ column: 'id', op: '>=', value: 1000n }, { column: 'id', op: '<', value: 1100n }] }));
        expect((await manifestOf(store, 'n')).chunks[1]!.deleted?.rows).toBe(100);
        expect(await store.read('n')).toEqualTable(new Table([...t.slice(0, 1000).batches, ...t.slice(1100).batches]));
        const f = await store.read('n', { columns: ['id'], filter: { column: 'id', op: '<', value: 1200n } });
        expect(f.numRows).toBe(1100);
        expect(Number(f.getChild('id')!.get(1000))).toBe(1100);
      }, open);
    });

    it('overlays column patches on every type, with the same manifest as sequential', async () => {
      const { table, updates, expected } = allTypesUpdate();
      const patched = async (store: import('../../src/index.js').Store) => {
        await store.write('all', table, { chunkRows: 4 });
        expect((await store.transaction((tx) => tx.update('all', updates, { on: ['k'] }))).value).toBe(5);
        // Rows 2-3 of 0-3 are patched; all of 4-6 changed, so that chunk is rewritten.
        expect((await manifestOf(store, 'all')).chunks.map((c) => c.patches?.length ?? 0)).toEqual([1, 0]);
        return (await store.describe('all')).manifest;
      };
      const reference = await withTempStore(patched, { phase: 'sequential' });
      await withTempStore(async (store) => {
        expect(await patched(store)).toBe(reference);
        expect(rowsOf(await store.read('all'))).toEqual(expected);
        const projected = await store.read('all', { columns: ['s', 'k'], filter: { column: 'k', op: '>=', value: 4 } });
        expect(rowsOf(projected)).toEqual(expected.slice(4).map(({ s, k }) => ({ s, k })));
      }, open);
    });

    it('adds columns of every type through patches, with the same manifest as sequential', async () => {
      const t = allTypesTable();
      const extra = new Table(Object.fromEntries(t.schema.fields.map((f) => [`new_${f.name}`, t.getChild(f.name)!])));
      const added = async (store: import('../../src/index.js').Store) => {
        await store.write('all', t, { chunkRows: 3 });
        await store.transaction((tx) => tx.addColumns('all', extra));
        return (await store.describe('all')).manifest;
      };
      const reference = await withTempStore(added, { phase: 'sequential' });
      await withTempStore(async (store) => {
        expect(await added(store)).toBe(reference);
        const both = rowsOf(t).map((row, r) => ({ ...row, ...Object.fromEntries(Object.entries(rowsOf(extra)[r]!)) }));
        expect(rowsOf(await store.read('all'))).toEqual(both);
        expect(rowsOf(await store.read('all', { columns: ['new_s', 's'] }))).toEqual(both.map((r) => ({ new_s: r.new_s, s: r.s })));
      }, open);
    });

    it('reads chunks of different file schemas and patches of different kinds in one table', async () => {
      await withTempStore(async (store) => {
        const t = narrowTable(3000);
        await store.write('n', t, { chunkRows: 1000, keys: ['id'] });
        await store.transaction((tx) => tx.addColumns('n', new Table({ label: vectorFromArray(Array.from({ length: 3000 }, (_, i) => `r${i}`)) })));
        await store.transaction((tx) => tx.update('n', new Table({ id: vectorFromArray(BigInt64Array.from([5n, 1500n])), value: vectorFromArray(Float64Array.from([-1, -2])) })));
        const tail = new Table({ id: vectorFromArray(BigInt64Array.from([3000n])), value: vectorFromArray(Float64Array.from([9])), label: vectorFromArray(['tail']) });
        await store.write('n', tail, { mode: 'append' });
        const read = await store.read('n');
        expect(read.numRows).toBe(3001);
        expect([5, 1500, 3000].map((r) => [read.getChild('value')!.get(r), read.getChild('label')!.get(r)])).toEqual([[-1, 'r5'], [-2, 'r1500'], [9, 'tail']]);
        const some = await store.read('n', { columns: ['label', 'value'], filter: { column: 'value', op: '<', value: 0 } });
        expect(rowsOf(some)).toEqual([{ label: 'r5', value: -1 }, { label: 'r1500', value: -2 }]);
      }, open);
    });

    it('keeps the unchanged parts of an overwritten table, with the same manifest as sequential', async () => {
      const t = narrowTable(10_000);
      const grown = new Table([...t.slice(0, 4500).batches, ...narrowTable(300, 3).batches, ...t.slice(4500).batches]);
      const edited = new Table({ id: grown.getChild('id')!, value: vectorFromArray(Float64Array.from(grown.getChild('value')!, (v, r) => (r % 97 === 0 ? -r : v))) });
      const overwrite = async (store: import('../../src/index.js').Store) => {
        await store.write('n', t, { chunkRows: 1000 });
        expect(await store.write('n', grown, { chunkRows: 1000 })).toMatchObject({ rows: 10_300, newChunks: 1 });
        expect(await store.write('n', edited, { chunkRows: 1000 })).toMatchObject({ newChunks: 0 }); // same size: patches
        return (await store.describe('n')).manifest;
      };
      const reference = await withTempStore(overwrite, { phase: 'sequential' });
      await withTempStore(async (store) => {
        expect(await overwrite(store)).toBe(reference);
        expect(await store.read('n')).toEqualTable(edited);
      }, open);
    });

    it('serves concurrent reads of one store, each its own table', async () => {
      await withTempStore(async (store) => {
        const [a, b] = [narrowTable(60_000), narrowTable(90_000)];
        await store.write('a', a, { chunkRows: 4000 });
        await store.write('b', b, { chunkRows: 6000 });
        const [ra, rb, ra2] = await Promise.all([store.read('a'), store.read('b'), store.read('a')]);
        expect(ra).toEqualTable(a);
        expect(rb).toEqualTable(b);
        expect(ra2).toEqualTable(a);
      }, open);
    });

    it('fails a read as a whole, naming the chunk, when one is missing', async () => {
      await withTempStore(async (store) => {
        await store.write('n', narrowTable(3000), { chunkRows: 1000 });
        const victim = (await manifestOf(store, 'n')).chunks[1]!.id;
        await host.removeObject(store, victim);
        const err = await store.read('n').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ChunkNotFoundError);
        expect(err).toMatchObject({ code: 'ARM_CHUNK_NOT_FOUND', message: `chunk-store: chunk ${victim} not found` });
      }, open);
    });

    it('detects a flipped byte on every read by default, filtered and projected too, naming the chunk', async () => {
      // Regression: reads without `verify: true` returned wrong values (a 117 read back as 1.57e156).
      await withTempStore(async (store) => {
        await store.write('n', narrowTable(3000), { chunkRows: 1000 });
        const victim = (await manifestOf(store, 'n')).chunks[2]!.id;
        const bytes = await host.readObject(store, victim);
        bytes[bytes.length >> 1]! ^= 0x40;
        await host.writeObject(store, victim, bytes);
        for (const options of [{}, { verify: true }, { columns: ['value'] }, { filter: { column: 'id', op: '>=', value: 2500 } as Filter }]) {
          const err = await store.read('n', options).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(CorruptChunkError);
          expect((err as CorruptChunkError).id).toBe(victim);
          expect((err as Error).message).toMatch(new RegExp(`^chunk-store: chunk ${victim} is corrupt \\(content hashes to [0-9a-f]{64}\\)$`));
        }
        // A read that skips the damaged chunk by its statistics still works; restored, the table reads
        // again, with the check or without it.
        if (PHASES[name].pushdown) expect((await store.read('n', { filter: { column: 'id', op: '<', value: 1000 } })).numRows).toBe(1000);
        bytes[bytes.length >> 1]! ^= 0x40;
        await host.writeObject(store, victim, bytes);
        expect((await store.read('n', { verify: false })).numRows).toBe(3000);
      }, open);
    });

    it('checks chunks of a manifest written before sums against their ids', async () => {
      await withTempStore(async (store) => {
        await store.write('n', narrowTable(3000), { chunkRows: 1000 });
        const m = await manifestOf(store, 'n');
        expect(m.chunks.every((c) => /^[0-9a-f]{16}$/.test(c.sum ?? ''))).toBe(true);
        // The same version as an older writer stored it: no sums.
        const bare = await putManifest(store.chunks, { ...m, chunks: m.chunks.map(({ sum: _s, ...c }) => c) });
        const head = await store.commits.get((await store.refs.head('main'))!);
        const c = await store.commits.create([head.id], { ...head.tables, n: { manifest: bare, version: 2 } }, 'without sums');
        expect(await store.refs.move('branch', 'main', head.id, c.id, 'test', await store.fence.open())).toBe(true);
        expect(await store.read('n')).toEqualTable(await store.read('n', { version: 1 }));
        const victim = m.chunks[1]!.id;
        const bytes = await host.readObject(store, victim);
        bytes[bytes.length >> 1]! ^= 0x40;
        await host.writeObject(store, victim, bytes);
        for (const version of [1, 2]) await expect(store.read('n', { version })).rejects.toMatchObject({ code: 'ARM_CORRUPT_CHUNK', id: victim });
      }, open);
    });

    it('commits on branches and closes idempotently', async () => {
      await withTempStore(async (store) => {
        await store.write('n', narrowTable(10));
        await store.createBranch('dev');
        await store.write('n', narrowTable(20), { branch: 'dev' });
        expect((await store.read('n')).numRows).toBe(10);
        expect((await store.read('n', { branch: 'dev' })).numRows).toBe(20);
        await store.close();
        await store.close();
      }, open);
    });
  });
}
