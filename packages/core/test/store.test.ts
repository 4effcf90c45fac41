import { readFile, writeFile } from 'node:fs/promises';

import { Field, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import {
  BranchNotFoundError, ErrorCode, InvalidArgumentError, InvalidNameError, SchemaMismatchError, StoreNotFoundError,
  TableNotFoundError, VersionNotFoundError, openStore,
} from '../src/index.js';
import { objectPath } from '../src/backend/layout.js';
import { narrowTable } from './fixtures.js';
import { manifestOf, withTempDir, withTempStore } from './helpers.js';

/** A one-row table of int32 columns named `names`, which may repeat (unlike an object's keys). */
function intColumns(...names: string[]): Table {
  const fields = names.map((n) => new Field(n, new Int32()));
  const children = names.map(() => makeData({ type: new Int32(), length: 1, data: new Int32Array([1]) }));
  return new Table([new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }))]);
}

describe('Store versions', () => {
  it('keeps every version readable by number', async () => {
    await withTempStore(async (store) => {
      const v1 = narrowTable(1000, 1);
      const v2 = narrowTable(500, 2);
      expect((await store.write('t', v1)).version).toBe(1);
      expect((await store.write('t', v2)).version).toBe(2);
      expect(await store.read('t')).toEqualTable(v2);
      expect(await store.read('t', { version: 1 })).toEqualTable(v1);
      expect(await store.read('t', { version: 2 })).toEqualTable(v2);
    });
  });

  it('appends rows after the existing ones', async () => {
    await withTempStore(async (store) => {
      const a = narrowTable(300, 1);
      const b = narrowTable(200, 2);
      await store.write('t', a, { chunkRows: 128 });
      const r = await store.write('t', b, { mode: 'append', chunkRows: 128 });
      expect(r).toMatchObject({ version: 2, rows: 200, chunks: 2 });
      expect(await store.read('t')).toEqualTable(a.concat(b));
      expect((await store.describe('t')).chunks).toBe(5);
    });
  });

  it('adds no chunk when the same table is written twice', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(10_000);
      const first = await store.write('t', t, { chunkRows: 4096 });
      const second = await store.write('t', t, { chunkRows: 4096 });
      const copy = await store.write('other', t, { chunkRows: 4096 });
      expect(first).toMatchObject({ chunks: 3, newChunks: 3 });
      expect(second).toMatchObject({ version: 2, chunks: 3, newChunks: 0, newBytes: 0 });
      expect(copy).toMatchObject({ version: 1, newChunks: 0, newBytes: 0 });
    });
  });

  it('round-trips an empty table with its schema', async () => {
    await withTempStore(async (store) => {
      const empty = narrowTable(0);
      const r = await store.write('e', empty);
      expect(r).toMatchObject({ rows: 0, chunks: 0 });
      const back = await store.read('e');
      expect(back.numRows).toBe(0);
      expect(back).toEqualTable(empty);
    });
  });

  it('reads only the requested columns, in the requested order', async () => {
    await withTempStore(async (store) => {
      const t = tableFromArrays({ a: new Int32Array([1, 2]), b: new Float64Array([0.5, 1.5]), c: ['x', 'y'] });
      await store.write('t', t);
      const p = await store.read('t', { columns: ['c', 'a'] });
      expect(p.schema.fields.map((f) => f.name)).toEqual(['c', 'a']);
      expect(p.toArray().map((r) => r.toJSON())).toEqual([{ c: 'x', a: 1 }, { c: 'y', a: 2 }]);
    });
  });

  it('lists tables and history', async () => {
    await withTempStore(async (store) => {
      await store.write('b', narrowTable(10), { message: 'first b' });
      await store.write('a', narrowTable(20), { message: 'first a' });
      await store.write('b', narrowTable(30), { mode: 'append', message: 'more b' });
      expect((await store.tables()).map((t) => [t.name, t.version, t.rows])).toEqual([['a', 1, 20], ['b', 2, 40]]);
      const log = await store.log();
      expect(log.map((e) => [e.message, e.changes])).toEqual([
        ['more b', [{ table: 'b', version: 2 }]],
        ['first a', [{ table: 'a', version: 1 }]],
        ['first b', [{ table: 'b', version: 1 }]],
      ]);
      expect((await store.log({ table: 'a' })).map((e) => e.message)).toEqual(['first a']);
      expect(log[0]!.parents).toEqual([log[1]!.commit]);
    });
  });

  it('lands concurrent writes to different tables without losing either', async () => {
    await withTempStore(async (store) => {
      await Promise.all(['a', 'b', 'c', 'd'].map((n, i) => store.write(n, narrowTable(100 + i))));
      expect((await store.tables()).map((t) => t.rows)).toEqual([100, 101, 102, 103]);
      expect(await store.log()).toHaveLength(4);
    });
  });
});

describe('Store errors leave the store unchanged', () => {
  it('rejects an append whose schema differs, naming every difference', async () => {
    await withTempStore(async (store) => {
      await store.write('t', tableFromArrays({ id: new Int32Array([1]), v: new Float64Array([1]) }));
      const err = await store
        .write('t', tableFromArrays({ id: new Float64Array([1]), w: new Float64Array([1]) }), { mode: 'append' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaMismatchError);
      expect(err).toMatchObject({
        code: ErrorCode.SchemaMismatch,
        message:
          'table: schema of "t" differs: column "id" is Float64, expected Int32; column "v" (Float64) is missing; column "w" (Float64) is not in the table',
      });
      expect((await store.log()).length).toBe(1);
    });
  });

  it('names unknown tables, versions, branches and columns', async () => {
    await withTempStore(async (store) => {
      await store.write('t', narrowTable(5));
      await expect(store.read('nope')).rejects.toThrow(TableNotFoundError);
      await expect(store.read('nope')).rejects.toThrow('catalog: table "nope" not found on branch "main"');
      await expect(store.read('t', { version: 7 })).rejects.toThrow(VersionNotFoundError);
      await expect(store.read('t', { version: 7 })).rejects.toThrow('catalog: table "t" has no version 7 (latest is 1)');
      await expect(store.read('t', { version: 0 })).rejects.toThrow('catalog: invalid version 0 (expected an integer >= 1)');
      await expect(store.read('t', { branch: 'dev' })).rejects.toThrow(BranchNotFoundError);
      await expect(store.read('t', { columns: ['zz'] })).rejects.toThrow('table: column "zz" not found in table "t" (columns: id, value)');
    });
  });

  it('rejects names that could escape the store, saying which rule broke', async () => {
    await withTempStore(async (store) => {
      const t = narrowTable(1);
      const cases: [string, string][] = [
        ['../x', 'names: invalid table name "../x": must not contain "/"'],
        ['', 'names: invalid table name "": must not be empty'],
        ['/abs', 'names: invalid table name "/abs": must not be an absolute path'],
        ['a\u0000b', 'names: invalid table name "a\\u0000b": must not contain control characters'],
        ['..', 'names: invalid table name "..": must not contain "." or ".." path segments'],
        ['x.lock', 'names: invalid table name "x.lock": must not end in .lock, .tmp or .breaker'],
      ];
      for (const [name, message] of cases) {
        const err = await store.write(name, t).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidNameError);
        expect(err).toMatchObject({ code: 'ARM_INVALID_NAME', message });
      }
      await expect(store.write('t', t, { branch: 'a/../b' })).rejects.toThrow('must not contain "." or ".." path segments');
      expect(await store.log()).toEqual([]);
    });
  });

  it('rejects bad write arguments by value', async () => {
    await withTempStore(async (store) => {
      await expect(store.write('t', { rows: [1] } as never)).rejects.toThrow(
        'table: data must be an Arrow Table, RecordBatch, RecordBatchReader, (async) iterable of RecordBatches, { schema, batches } or IPC bytes (got Object { rows })',
      );
      await expect(store.write('t', narrowTable(1), { mode: 'upsert' as never })).rejects.toThrow(
        'table: invalid write mode "upsert": expected overwrite or append',
      );
      await expect(store.write('t', narrowTable(1), { chunkRows: 0 })).rejects.toThrow(InvalidArgumentError);
      expect(await store.tables()).toEqual([]);
    });
  });

  it('rejects empty and repeated column names, naming each', async () => {
    // Both imported "successfully" from foreign Parquet files before, and then could not be exported
    // (an empty name came back as "null"; two columns "x" read back as one twice).
    await withTempStore(async (store) => {
      const err = await store.write('t', intColumns('x', '', 'x', 'y', 'y')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({
        code: ErrorCode.InvalidArgument,
        message: 'table: column names of "t" must be non-empty and unique: column 1 has an empty name; column "x" appears twice (columns 0 and 2); column "y" appears twice (columns 3 and 4)',
      });
      const nested = new Table({ s: vectorFromArray([{ '': 1 }], new Struct([new Field('', new Int32())])) });
      await expect(store.write('t', nested)).rejects.toThrow('table: column names of "t" must be non-empty and unique: column "s" has a nested field with an empty name');
      await store.write('t', intColumns('x'));
      await expect(store.transaction((tx) => tx.addColumns('t', intColumns('a', 'a')))).rejects.toThrow(
        'add columns: column names must be non-empty and unique: column "a" appears twice (columns 0 and 1)',
      );
      expect((await store.log()).length).toBe(1);
    });
  });

  it('refuses to open a directory that is not a store, and rejects unknown phases', async () => {
    await withTempDir(async (dir) => {
      await expect(openStore(dir)).rejects.toThrow(StoreNotFoundError);
      await expect(openStore(dir, { create: true, phase: 'mmmap' })).rejects.toThrow(
        'phases: invalid phase "mmmap": expected one of auto, sequential, batch, mmap, parallel-parse, native-parquet, pushdown',
      );
    });
  });
});

describe('Store.verify', () => {
  it('is clean on a healthy store and names a flipped byte in a chunk or a manifest', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('t', narrowTable(5000), { chunkRows: 2000 });
      expect(await store.verify()).toEqual({ objectsChecked: 5, problems: [] });
      const info = await store.describe('t');
      const manifest = await manifestOf(store, 't');
      const victims = [manifest.chunks[1]!.id, info.manifest];
      for (const id of victims) {
        const path = objectPath(dir, id);
        const bytes = await readFile(path);
        bytes[10]! ^= 0x20;
        await writeFile(path, bytes);
      }
      const report = await store.verify();
      expect(report.problems.map((p) => p.id).sort()).toEqual([...victims].sort());
      for (const p of report.problems) expect(p.problem).toMatch(/^content hashes to [0-9a-f]{64}$/);
    });
  });
});

describe('authorship', () => {
  it('records the author and metadata of a commit, from the call, the store or the environment', async () => {
    await withTempStore(async (store) => {
      await store.write('t', narrowTable(10), { author: 'ada', metadata: { job: '7' } });
      await store.transaction((tx) => tx.delete('t', { column: 'id', op: '=', value: 1n }), { metadata: { reason: 'gdpr' } });
      const [second, first] = await store.log();
      expect([first!.author, first!.metadata, second!.author, second!.metadata]).toEqual(['ada', { job: '7' }, store.author, { reason: 'gdpr' }]);
      await expect(store.write('t', narrowTable(3), { author: 'two\nlines' })).rejects.toThrow(InvalidArgumentError);
      await expect(store.write('t', narrowTable(3), { metadata: { n: 1 as never } })).rejects.toThrow('metadata must map names to strings: "n"');
      expect(await store.log()).toHaveLength(2);
    });
  });
});
