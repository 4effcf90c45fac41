import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { CorruptObjectError, InvalidArgumentError, openStore, UnsupportedFeatureError } from '../../src/index.js';
import { narrowTable } from '../fixtures.js';
import { runCli, storeDigest, withTempDir, withTempStore } from '../helpers.js';
import { allOk, makeDeltaTable, python, readWithEngines } from './engines.js';

beforeAll(() => {
  python(); // the venv, once
}, 600_000);

describe('importDelta', () => {
  it('turns every Delta version that changed data into one version, equal to what deltalake and Polars read', async () => {
    await withTempStore(async (store, root) => {
      const delta = join(root, 'delta');
      makeDeltaTable(delta, 'history');
      const versions = await store.importDelta('h', delta);
      expect(versions.map((v) => [v.deltaVersion, v.operation, v.mode, v.version])).toEqual([
        [0, 'WRITE', 'overwrite', 1],
        [1, 'WRITE', 'append', 2],
        [2, 'DELETE', 'overwrite', 3],
        [3, 'UPDATE', 'overwrite', 4],
        [4, 'WRITE', 'overwrite', 5], // a column added: the whole table, in the new schema
        [5, 'OPTIMIZE', 'unchanged', undefined],
        [6, 'WRITE', 'overwrite', 6],
      ]);
      expect(versions[3]!.newBytes).toBeLessThan(versions[2]!.newBytes!); // the update kept what it shared
      const stored = versions.filter((v) => v.version !== undefined);
      const expected = await Promise.all(stored.map((v) => store.read('h', { version: v.version! })));
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      const deltas = stored.map((v) => v.deltaVersion);
      expect(await readWithEngines(delta, scratch, deltas, expected, 'id')).toEqual(allOk(deltas));
      expect(expected.map((t) => t.numRows)).toEqual([100, 150, 135, 135, 145, 20]);
      expect(expected[4]!.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'value', 'at', 'price', 'day', 'note']);
      expect(expected[4]!.getChild('note')!.nullCount).toBe(135); // rows written before the column was
    });
  }, 180_000);

  it('imports from a Delta version on top of an existing table, which it otherwise refuses', async () => {
    await withTempStore(async (store, root) => {
      const delta = join(root, 'delta');
      makeDeltaTable(delta, 'history');
      await store.write('h', narrowTable(5));
      await expect(store.importDelta('h', delta)).rejects.toThrow(/table "h" exists on branch "main"; give since/);
      await expect(store.importDelta('h', delta, { since: 9 })).rejects.toThrow(/--since 9 is not a version of .* \(it has versions 0 to 6\)/);
      const versions = await store.importDelta('h', delta, { since: 4 });
      expect(versions.map((v) => [v.deltaVersion, v.mode, v.version])).toEqual([
        [4, 'overwrite', 2],
        [5, 'unchanged', undefined],
        [6, 'overwrite', 3],
      ]);
    });
  }, 120_000);

  it('refuses what it cannot carry, a broken log and a directory that is no Delta table, changing nothing', async () => {
    await withTempDir(async (root) => {
      const partitioned = join(root, 'partitioned');
      makeDeltaTable(partitioned, 'partitioned');
      const broken = join(root, 'broken');
      makeDeltaTable(broken, 'history');
      const log = join(broken, '_delta_log', '00000000000000000002.json');
      await writeFile(log, (await readFile(log, 'utf8')).replace('\n', '\n{"add": oops\n'));
      const gap = join(root, 'gap');
      await cp(partitioned, gap, { recursive: true });
      await writeFile(join(gap, '_delta_log', '00000000000000000005.json'), '{"commitInfo":{}}\n');

      const dir = join(root, 'store');
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('kept', narrowTable(10));
      const before = await storeDigest(dir);
      const e = await store.importDelta('p', partitioned).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnsupportedFeatureError);
      expect((e as UnsupportedFeatureError).features).toEqual(['partition columns (day)']);
      await expect(store.importDelta('b', broken)).rejects.toThrow(CorruptObjectError);
      await expect(store.importDelta('b', broken)).rejects.toThrow(/00000000000000000002.json.*line 2 is not valid JSON/);
      await expect(store.importDelta('g', gap)).rejects.toThrow(/has no commit file for version 1/);
      await expect(store.importDelta('x', join(root, 'none'))).rejects.toThrow(InvalidArgumentError);
      await expect(store.importDelta('x', join(root, 'none'))).rejects.toThrow(/is not a Delta table/);
      expect(await storeDigest(dir)).toBe(before);
      await store.close();
    });
  }, 120_000);

  it('reads back what publish wrote: a round trip through Delta Lake keeps every row', async () => {
    await withTempStore(async (store, root) => {
      await store.write('t', narrowTable(1000, 1), { chunkRows: 100 });
      await store.write('t', narrowTable(300, 2), { mode: 'append' });
      await store.transaction((tx) => tx.delete('t', { column: 'id', op: '<', value: 50n }));
      const view = join(root, 'view');
      await store.publish('t', view, { history: true });
      await withTempStore(async (other) => {
        const versions = await other.importDelta('t', view);
        expect(versions.map((v) => v.mode)).toEqual(['overwrite', 'append', 'overwrite']);
        for (const v of [1, 2, 3]) expect(await other.read('t', { version: v })).toEqualTable(await store.read('t', { version: v }));
      });
    });
  });
});

describe('armillaria import-delta', () => {
  it('imports with history and reports each version as JSON', async () => {
    await withTempDir(async (root) => {
      const delta = join(root, 'delta');
      makeDeltaTable(delta, 'history');
      const s = join(root, 'store');
      expect((await runCli('--store', s, 'init')).code).toBe(0);
      const r = await runCli('--store', s, 'import-delta', 'h', delta, '--json');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as { version?: number }[]).map((v) => v.version ?? null)).toEqual([1, 2, 3, 4, 5, null, 6]);
      const log = await runCli('--store', s, 'log', '--json');
      expect((JSON.parse(log.out) as { message: string }[])[0]!.message).toBe('import-delta version 6: WRITE');
      const bad = await runCli('--store', s, 'import-delta', 'h2', delta, '--since', '-1');
      expect(bad.code).toBe(2);
    });
  }, 120_000);
});
