/**
 * The Python side: checksum equality Node vs Python on the same file, and the driver's JSON-lines
 * protocol. Skipped only when the venv cannot be made and CI is unset; under CI a missing venv fails.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Field, Int32, List, Table, Uint16, Uint64, Uint8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { tableChecksum } from '../src/checksum.js';
import { buildSeeded } from '../src/datasets/datasets.js';
import { datasetSpec } from '../src/datasets/specs.js';
import { PythonDriver } from '../src/engines/python-engine.js';
import { filterRows } from '../src/filter.js';
import { ADDED_COLUMN, deleteFilters, derivedColumn, withColumn, withoutRows } from '../src/workloads.js';
import { bytesTable, mixedTable, nestedTable, venvPythonOrSkip, withTempDir } from './helpers.js';

const python = venvPythonOrSkip();

describe.skipIf(!python)('delta_driver.py', () => {
  let driver: PythonDriver;
  const stderr: string[] = [];
  beforeAll(() => {
    driver = new PythonDriver(python!, 'delta', { onStderr: (l) => stderr.push(l) });
  });
  afterAll(async () => {
    await driver.quit();
  });

  it('answers hello with the pinned versions', async () => {
    const r = await driver.call('hello');
    expect(r.versions).toMatchObject({ deltalake: '1.6.6', pyarrow: '26.0.1' });
    expect(r.checksum).toBe('armillaria-checksum-v1');
  });

  it('settles before a case: collects, trims, and keeps serving', async () => {
    expect(await driver.request('settle')).toMatchObject({ ok: true });
    expect((await driver.call('hello')).checksum).toBe('armillaria-checksum-v1');
  });

  it('computes the same checksum as Node on the same IPC file (nulls, strings, bools, timestamps, -0, binary, decimals, lists, structs)', async () => {
    await withTempDir(async (dir) => {
      for (const [name, table] of [
        ['mixed', mixedTable(5000)],
        ['mixed-sliced', mixedTable(5000).slice(123, 4000)],
        ['seed-wide', (await buildSeeded(datasetSpec('seed-wide-100k'))).slice(0, 20_000)],
        ['bytes', bytesTable(3000)],
        ['bytes-sliced', bytesTable(3000).slice(77, 2500)],
        ['nested', nestedTable(3000)],
        ['nested-sliced', nestedTable(3000).slice(101, 2500)],
      ] as const) {
        const file = join(dir, `${name}.arrow`);
        writeFileSync(file, tableToIPC(table, 'file'));
        const r = await driver.call('load', { slot: name, path: file });
        expect(r.rows, name).toBe(table.numRows);
        expect(r.checksum, name).toBe(tableChecksum(table));
      }
    });
  });

  it('round-trips write + read + checksum, with projection, filter, time travel and merge', async () => {
    await withTempDir(async (dir) => {
      const table = mixedTable(2000);
      const file = join(dir, 't.arrow');
      writeFileSync(file, tableToIPC(table, 'file'));
      await driver.call('load', { slot: 't', path: file });
      const path = join(dir, 'delta', 't');
      const w = await driver.call('write', { slot: 't', path, mode: 'overwrite', codec: 'zstd' });
      expect(w.version).toBe(0);
      expect(w.ms).toBeGreaterThan(0);
      expect(w.cpuMs).toBeGreaterThan(0); // time.process_time() over the same region
      expect(w.rssPeakBytes).toBeGreaterThan(0);
      expect(await driver.call('du', { path })).not.toHaveProperty('cpuMs'); // untimed commands have none
      const r = await driver.call('read', { path });
      expect(r).toMatchObject({ rows: 2000, checksum: tableChecksum(table) });
      const p = await driver.call('read', { path, columns: ['s', 'f'] });
      expect(p.checksum).toBe(tableChecksum(table.select(['s', 'f'])));
      const f = await driver.call('read', { path, filter: { and: [{ column: 'id', op: '>=', value: 100 }, { column: 'id', op: '<', value: 150 }] } });
      expect(f).toMatchObject({ rows: 50, checksum: tableChecksum(table.slice(100, 150)) });
      await driver.call('write', { slot: 't', path, mode: 'append', codec: 'zstd' });
      expect((await driver.call('read', { path })).rows).toBe(4000);
      const tt = await driver.call('read', { path, version: 0 });
      expect(tt).toMatchObject({ rows: 2000, checksum: tableChecksum(table), version: 0 });
      const du = await driver.call('du', { path });
      expect(du.bytes).toBeGreaterThan(0);
      const copy = await driver.call('copy', { src: path, dst: join(dir, 'delta', 'copy') });
      expect(copy).toMatchObject({ bytes: du.bytes, method: 'full-copy' });
    });
  });

  it('deletes by a filter turned into SQL (scattered and range) and adds a column by schema overwrite', async () => {
    await withTempDir(async (dir) => {
      const table = (await buildSeeded(datasetSpec('seed-narrow-100k'))).slice(0, 10_000);
      const file = join(dir, 't.arrow');
      writeFileSync(file, tableToIPC(table, 'file'));
      await driver.call('load', { slot: 't', path: file });
      const { scattered, range } = deleteFilters(table.numRows);
      for (const [name, filter] of [['scattered', scattered], ['range', range]] as const) {
        const path = join(dir, 'delta', name);
        await driver.call('write', { slot: 't', path, mode: 'overwrite', codec: 'snappy' });
        const doomed = filterRows(table, filter);
        const d = await driver.call('delete', { path, filter, codec: 'snappy' });
        expect(d, name).toMatchObject({ rows: doomed.length, version: 1 });
        const kept = withoutRows(table, doomed);
        expect(await driver.call('read', { path }), name).toMatchObject({ rows: table.numRows - doomed.length, checksum: tableChecksum(kept) });
      }
      expect((await driver.call('delete', { path: join(dir, 'delta', 'range'), filter: { column: 'id', op: '=', value: -1 }, codec: 'snappy' })).rows).toBe(0);

      const widened = withColumn(table, ADDED_COLUMN, derivedColumn(table));
      const wfile = join(dir, 'w.arrow');
      writeFileSync(wfile, tableToIPC(widened, 'file'));
      await driver.call('load', { slot: 'w', path: wfile });
      const path = join(dir, 'delta', 'scattered');
      const plain = await driver.request('write', { slot: 'w', path, mode: 'overwrite', codec: 'snappy' });
      expect(plain.ok).toBe(false); // a new column needs schema evolution
      const w = await driver.call('write', { slot: 'w', path, mode: 'overwrite', codec: 'snappy', schemaMode: 'overwrite' });
      expect(w.version).toBe(2);
      expect(await driver.call('read', { path })).toMatchObject({ rows: 10_000, checksum: tableChecksum(widened) });
    });
  });

  it('writes unsigned integers, nested ones too, as signed types that hold them, and lists and structs', async () => {
    await withTempDir(async (dir) => {
      const n = 1000;
      const nested = nestedTable(n);
      const table = new Table({
        id: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()),
        u8: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : (i * 7) % 256)), new Uint8()),
        u64: vectorFromArray(Array.from({ length: n }, (_, i) => 2n ** 63n - 1n - BigInt(i)), new Uint64()),
        l16: vectorFromArray(Array.from({ length: n }, (_, i) => [65535 - i, i]), new List(new Field('item', new Uint16(), true))),
        st: nested.getChild('st')!,
        entries: nested.getChild('entries')!,
      });
      const file = join(dir, 'u.arrow');
      writeFileSync(file, tableToIPC(table, 'file'));
      const loaded = await driver.call('load', { slot: 'u', path: file });
      expect(loaded).toMatchObject({ checksum: tableChecksum(table), widened: ['u8 (uint8 -> int16)', 'u64 (uint64 -> int64)', 'l16 (list<item: uint16> -> list<item: int32>)'] });
      const path = join(dir, 'delta', 'u');
      await driver.call('write', { slot: 'u', path, mode: 'overwrite', codec: 'snappy' });
      expect(await driver.call('read', { path })).toMatchObject({ rows: n, checksum: tableChecksum(table) });

      const big = new Table({ u64: vectorFromArray([1n, 2n ** 63n], new Uint64()) });
      writeFileSync(join(dir, 'big.arrow'), tableToIPC(big, 'file'));
      const r = await driver.request('load', { slot: 'big', path: join(dir, 'big.arrow') });
      expect(r).toMatchObject({ ok: false });
      expect(r.error).toContain('column u64 (uint64) holds a value that no signed integer type holds');
    });
  });

  it('reports failures as ok:false with the exception, and keeps serving', async () => {
    const r = await driver.request('read', { path: '/nonexistent/table' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/TableNotFoundError|not a Delta table|No files in log segment/i);
    const u = await driver.request('frobnicate');
    expect(u).toMatchObject({ ok: false, error: "unknown command 'frobnicate'", errorType: 'UnknownCommand' });
    expect((await driver.call('hello')).ok).toBe(true);
  });
});
