/**
 * The Iceberg and Lance drivers at the protocol level, on a table with nulls, strings, timestamps and
 * more: what each returns is checked by content checksum against Node's own (column order included).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableToIPC } from 'apache-arrow';
import { tableChecksum } from '../src/checksum.js';
import { PythonDriver, type Competitor } from '../src/engines/python-engine.js';
import { mixedTable, venvPythonOrSkip, withTempDir } from './helpers.js';

const python = venvPythonOrSkip();

describe.skipIf(!python).each(['iceberg', 'lance'] as const)('%s_driver.py', (engine: Competitor) => {
  let driver: PythonDriver;
  beforeAll(() => {
    driver = new PythonDriver(python!, engine, { onStderr: () => {} });
  });
  afterAll(async () => {
    await driver.quit();
  });

  it('round-trips write, append, read, projection in the requested order, filter, time travel, branch and delete', async () => {
    await withTempDir(async (dir) => {
      if (engine === 'iceberg') await driver.call('catalog', { dir });
      const table = mixedTable(2000, { timestampUnit: 'us' });
      const file = join(dir, 't.arrow');
      writeFileSync(file, tableToIPC(table, 'file'));
      expect((await driver.call('load', { slot: 't', path: file })).checksum).toBe(tableChecksum(table));
      const path = join(dir, 'tables', 't');
      const first = await driver.call('write', { slot: 't', path, mode: 'overwrite', codec: 'zstd' });
      expect(first.ms).toBeGreaterThan(0);
      expect(first.cpuMs).toBeGreaterThan(0);
      expect(await driver.call('read', { path })).toMatchObject({ rows: 2000, checksum: tableChecksum(table) });
      // Columns come back in the order asked for, not the table's.
      const p = await driver.call('read', { path, columns: ['s', 'id'] });
      expect(p.checksum).toBe(tableChecksum(table.select(['s', 'id'])));
      const f = await driver.call('read', { path, filter: { and: [{ column: 'id', op: '>=', value: 100 }, { column: 'id', op: '<', value: 150 }] } });
      expect(f).toMatchObject({ rows: 50, checksum: tableChecksum(table.slice(100, 150)) });
      await driver.call('write', { file, path, mode: 'append', codec: 'zstd' });
      expect((await driver.call('read', { path })).rows).toBe(4000);
      expect(await driver.call('read', { path, version: first.version })).toMatchObject({ rows: 2000, checksum: tableChecksum(table) });
      // A branch written with the original rows: main keeps its 4000, the branch holds 2000.
      await driver.call('branch-write', { path, name: 'b', slot: 't', codec: 'zstd' });
      expect(await driver.call('read', { path, branch: 'b' })).toMatchObject({ rows: 2000, checksum: tableChecksum(table) });
      expect((await driver.call('read', { path })).rows).toBe(4000);
      const d = await driver.call('delete', { path, filter: { column: 'id', op: '<', value: 10 }, codec: 'zstd' });
      expect(d.rows).toBe(20);
      expect((await driver.call('read', { path })).rows).toBe(3980);
      expect((await driver.call('du', { path })).bytes).toBeGreaterThan(0);
    });
  });

  it('reports failures as ok:false naming the table, and keeps serving', async () => {
    await withTempDir(async (dir) => {
      if (engine === 'iceberg') await driver.call('catalog', { dir });
      const r = await driver.request('read', { path: join(dir, 'tables', 'missing') });
      expect(r.ok).toBe(false);
      expect(r.error).toBeTruthy();
      expect((await driver.call('hello')).checksum).toBe('armillaria-checksum-v1');
    });
  });
});
