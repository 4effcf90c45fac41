import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Dictionary, Int32, Int8, Table, Utf8, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { objectPath } from '../src/backend/layout.js';
import { openStore } from '../src/index.js';
import { allTypesTable, narrowTable, rowsOf } from './fixtures.js';
import { manifestOf, runCli, withTempDir } from './helpers.js';
import { freshLocation } from './s3/server.js';

const cli = runCli;

function parquetOf(t: Table): Uint8Array {
  return pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream')));
}

function readParquetFile(bytes: Uint8Array): Table {
  return tableFromIPC(pw.readParquet(bytes).intoIPCStream());
}

describe('armillaria CLI', () => {
  it('is installed at the repository root, so `pnpm exec armillaria` runs it', () => {
    const bin = join(import.meta.dirname, '../../../node_modules/.bin/armillaria');
    expect(execFileSync(bin, ['--help']).toString()).toContain('Usage: armillaria');
  });

  it('imports and exports every type through .arrow and .parquet unchanged', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      const t = allTypesTable();
      expect((await cli('--store', s, 'init')).code).toBe(0);
      await writeFile(join(dir, 'in.arrow'), tableToIPC(t, 'file'));
      await writeFile(join(dir, 'in.parquet'), parquetOf(t));
      expect(await cli('--store', s, 'import', 'a', join(dir, 'in.arrow'))).toMatchObject({ code: 0 });
      expect(await cli('--store', s, 'import', 'p', join(dir, 'in.parquet'))).toMatchObject({ code: 0 });
      expect((await cli('--store', s, 'export', 'a', join(dir, 'out.arrow'))).code).toBe(0);
      expect((await cli('--store', s, 'export', 'p', join(dir, 'out.parquet'))).code).toBe(0);
      expect(tableFromIPC(await readFile(join(dir, 'out.arrow')))).toEqualTable(t);
      expect(readParquetFile(await readFile(join(dir, 'out.parquet')))).toEqualTable(readParquetFile(parquetOf(t)));
    });
  });

  it('imports string_view and binary_view columns of a pyarrow file, as utf8 and binary', async () => {
    // test/fixtures/views.pyarrow.parquet: pyarrow 26 wrote it, with string_view / binary_view in its
    // Arrow schema; parquet-wasm decodes them as utf8 / binary. Labelled with the file's schema, the
    // batches failed to import ("Missing variadic count for Utf8View column").
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      expect(await cli('--store', s, 'import', 'v', join(import.meta.dirname, 'fixtures/views.pyarrow.parquet'))).toMatchObject({ code: 0 });
      const back = await (await openStore(s)).read('v');
      expect(back.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(['s: Utf8', 'b: Binary']);
      expect(rowsOf(back)).toEqual([
        { s: 'a', b: Uint8Array.of(120) },
        { s: 'a string longer than twelve bytes', b: null },
        { s: null, b: Uint8Array.of(121, 121) },
      ]);
    });
  });

  it('imports seconds as seconds, zone included, and exports them to .parquet as milliseconds', async () => {
    // test/fixtures/seconds.pyarrow.parquet: pyarrow 26 wrote timestamp[s, tz=Europe/Berlin],
    // timestamp[s] and time32[s] in milliseconds, the second unit recorded in its Arrow schema.
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      expect(await cli('--store', s, 'import', 't', join(import.meta.dirname, 'fixtures/seconds.pyarrow.parquet'))).toMatchObject({ code: 0 });
      const types = (t: Table) => t.schema.fields.map((f) => `${f.name}: ${f.type}`);
      const stored = await (await openStore(s)).read('t');
      expect(types(stored)).toEqual(['t: Timestamp<SECOND, Europe/Berlin>', 'u: Timestamp<SECOND>', 't32: Time32<SECOND>']);
      // The stored integers, null where a row is null.
      const raw = (t: Table, name: string) => {
        const column = t.getChild(name)!;
        return Array.from({ length: column.length }, (_, i) => (column.isValid(i) ? String(column.data[0]!.values[i]) : null));
      };
      expect([raw(stored, 't'), raw(stored, 'u'), raw(stored, 't32')]).toEqual([['1700000000', null, '-1'], ['1700000000', '5', null], ['7', null, '86399']]);
      // arrow-rs would write seconds as bare integers, which other readers take for numbers.
      expect((await cli('--store', s, 'export', 't', join(dir, 'out.parquet'))).code).toBe(0);
      const exported = readParquetFile(await readFile(join(dir, 'out.parquet')));
      expect(types(exported)).toEqual(['t: Timestamp<MILLISECOND, Europe/Berlin>', 'u: Timestamp<MILLISECOND>', 't32: Time32<MILLISECOND>']);
      expect([raw(exported, 't'), raw(exported, 't32')]).toEqual([['1700000000000', null, '-1000'], ['7000', null, '86399000']]);
    });
  });

  it('exports a dictionary column spanning chunks to .arrow, with one dictionary that grows', async () => {
    await withTempDir(async (dir) => {
      // Each chunk decodes with its own dictionary, and the Arrow file format refuses a replaced
      // one: this export used to crash (ERR_STREAM_DESTROYED) and leave a .partial file behind.
      const s = join(dir, 'store');
      const d = vectorFromArray(['a', 'b', 'a', 'c', null, 'b', 'd', 'a'], new Dictionary(new Utf8(), new Int32()));
      const t = new Table({ n: vectorFromArray(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7])), d });
      await (await openStore(s, { create: true })).write('t', t, { chunkRows: 3 });
      expect((await cli('--store', s, 'export', 't', join(dir, 'out.arrow'))).code).toBe(0);
      const back = tableFromIPC(await readFile(join(dir, 'out.arrow')));
      expect(rowsOf(back)).toEqual(rowsOf(t));
      expect([...back.getChild('d')!.data.at(-1)!.dictionary!]).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  it('fails an export cleanly when a dictionary outgrows its indices, leaving no file', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      // Two writes of 100 values each: every chunk fits int8 indices, their union does not.
      const part = (prefix: string) => new Table({ d: vectorFromArray(Array.from({ length: 100 }, (_, i) => `${prefix}${i}`), new Dictionary(new Utf8(), new Int8())) });
      const store = await openStore(s, { create: true });
      await store.write('t', part('v'));
      await store.write('t', part('w'), { mode: 'append' });
      const r = await cli('--store', s, 'export', 't', join(dir, 'out.arrow'));
      expect(r).toMatchObject({ code: 2, err: 'error: export: dictionary column "d" holds 200 distinct values across chunks, more than its Int8 indices can address; export to .parquet, or store the column with wider indices\n' });
      expect(await readdir(dir)).toEqual(['store']);
    });
  });

  it('updates rows by key and adds columns from files', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 't.csv'), 'id,price\n1,1.5\n2,2.5\n3,3.5\n');
      await writeFile(join(dir, 'u.csv'), 'id,price\n2,20\n9,90\n');
      await writeFile(join(dir, 'c.csv'), 'label\none\ntwo\nthree\n');
      await cli('--store', s, 'import', 't', join(dir, 't.csv'));
      // id 9 is not in the table: named, nothing committed; --ignore-missing skips it.
      expect(await cli('--store', s, 'update', 't', join(dir, 'u.csv'), '--on', 'id')).toMatchObject({ code: 2, err: 'error: update: 1 update row(s) match no row of "t": (id = 9) (upsert inserts them; ignoreMissing skips them)\n' });
      expect(await cli('--store', s, 'update', 't', join(dir, 'u.csv'), '--on', 'id', '--ignore-missing')).toMatchObject({ code: 0, out: expect.stringMatching(/^t: 1 rows updated, version 2, commit [0-9a-f]{12}\n$/) });
      // show, given a commit rather than a table, says what it changed.
      const shown = await cli('--store', s, 'show', 'main');
      expect(shown.out).toMatch(/^commit [0-9a-f]{64}\nDate: .*\nTables:  t@v2\n\n    update t from .*u\.csv\n\nt: changed \(v1 -> v2\), chunks \+0 -0, rows in them \+3 -3\n$/);
      expect(JSON.parse((await cli('--store', s, 'show', 'main', '--json')).out)).toMatchObject({ tables: [{ table: 't', status: 'changed', fromVersion: 1, toVersion: 2 }] });
      expect(await cli('--store', s, 'show', 'nothing')).toMatchObject({ code: 2, err: expect.stringContaining('table "nothing" not found') });
      const added = await cli('--store', s, 'add-columns', 't', join(dir, 'c.csv'), '--json');
      expect(JSON.parse(added.out)).toMatchObject({ table: 't', addedColumns: ['label'], version: 3 });
      const t = await (await openStore(s)).read('t');
      expect([...t].map((r) => r!.toJSON())).toEqual([
        { id: 1n, price: 1.5, label: 'one' },
        { id: 2n, price: 20, label: 'two' },
        { id: 3n, price: 3.5, label: 'three' },
      ]);
      expect(await cli('--store', s, 'update', 't', join(dir, 'u.csv'))).toMatchObject({ code: 2, err: expect.stringContaining('declares no key columns') });
    });
  });

  it('upserts a file by key, deletes rows by a SQL condition, and re-imports an edited file storing what changed', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 't.csv'), 'id,city,price\n1,Oslo,1.5\n2,Bergen,2.5\n3,Oslo,3.5\n4,Tromsø,4.5\n');
      await cli('--store', s, 'import', 't', join(dir, 't.csv'), '--keys', 'id');
      // 2 changes, 3 stays as it is, 9 is new.
      await writeFile(join(dir, 'u.csv'), 'id,city,price\n2,Bergen,20\n3,Oslo,3.5\n9,Bodø,90\n');
      const up = await cli('--store', s, 'upsert', 't', join(dir, 'u.csv'), '--json');
      expect(JSON.parse(up.out)).toMatchObject({ table: 't', updated: 1, inserted: 1, deleted: 0, unchanged: 1, version: 2 });
      const rows = async () => [...(await (await openStore(s)).read('t'))].map((r) => r!.toJSON());
      expect(await rows()).toEqual([
        { id: 1n, city: 'Oslo', price: 1.5 },
        { id: 2n, city: 'Bergen', price: 20 },
        { id: 3n, city: 'Oslo', price: 3.5 },
        { id: 4n, city: 'Tromsø', price: 4.5 },
        { id: 9n, city: 'Bodø', price: 90 },
      ]);
      const del = await cli('--store', s, 'delete', 't', '--where', "city = 'Oslo' AND price < 2 OR id IN (4)");
      expect(del).toMatchObject({ code: 0, out: expect.stringMatching(/^t: 2 rows deleted, version 3, commit [0-9a-f]{12}\n$/) });
      expect((await rows()).map((r) => r.id)).toEqual([2n, 3n, 9n]);
      // --delete-missing: the file is the whole content.
      const whole = await cli('--store', s, 'upsert', 't', join(dir, 'u.csv'), '--delete-missing', '--json');
      expect(JSON.parse(whole.out)).toMatchObject({ updated: 0, inserted: 0, deleted: 0, unchanged: 3 });
      await writeFile(join(dir, 'v.csv'), 'id,city,price\n3,Oslo,3.5\n');
      expect(JSON.parse((await cli('--store', s, 'upsert', 't', join(dir, 'v.csv'), '--delete-missing', '--json')).out)).toMatchObject({ deleted: 2, unchanged: 1 });
      expect((await rows()).map((r) => r.id)).toEqual([3n]);
      // Bad input names the problem and commits nothing.
      const before = await cli('--store', s, 'log', '--json');
      expect(await cli('--store', s, 'delete', 't', '--where', 'price <')).toMatchObject({ code: 2, err: expect.stringContaining('expected a value') });
      expect(await cli('--store', s, 'delete', 't', '--where', "nope = 1")).toMatchObject({ code: 2, err: expect.stringContaining('column "nope" not found') });
      await writeFile(join(dir, 'bad.csv'), 'id,price\n3,1\n');
      expect(await cli('--store', s, 'upsert', 't', join(dir, 'bad.csv'))).toMatchObject({ code: 2, err: expect.stringContaining('city') });
      await writeFile(join(dir, 'twice.csv'), 'id,city,price\n5,A,1\n5,B,2\n');
      expect(await cli('--store', s, 'upsert', 't', join(dir, 'twice.csv'))).toMatchObject({ code: 2, err: expect.stringContaining('id = 5 appears twice') });
      expect((await cli('--store', s, 'log', '--json')).out).toBe(before.out);
    });
  });

  it('records who made each commit and what else was said of it, and shows it in the log', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 't.csv'), 'id,price\n1,1.5\n');
      await cli('--store', s, '--author', 'Ada Lovelace', '--meta', 'job=nightly-42', '--meta', 'source=t.csv', 'import', 't', join(dir, 't.csv'));
      await cli('--store', s, 'delete', 't', '--where', 'id = 1');
      const log = JSON.parse((await cli('--store', s, 'log', '--json')).out);
      expect(log.map((e: { author?: string; metadata?: object }) => [e.author, e.metadata])).toEqual([
        [undefined, undefined],
        ['Ada Lovelace', { job: 'nightly-42', source: 't.csv' }],
      ]);
      expect((await cli('--store', s, 'log')).out).toContain('Author:  Ada Lovelace\nDate:');
      expect(await cli('--store', s, '--meta', 'nokey', 'log')).toMatchObject({ code: 2, err: expect.stringContaining('expected key=value, got "nokey"') });
    });
  });

  it('re-imports an edited file storing about what changed', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      const t = narrowTable(100_000);
      await writeFile(join(dir, 't.parquet'), parquetOf(t));
      await cli('--store', s, 'import', 't', join(dir, 't.parquet'), '--chunk-rows', '10000');
      // Every 25th row deleted, exported by another tool as Parquet.
      const kept = Array.from({ length: t.numRows }, (_, r) => r).filter((r) => r % 25 !== 24);
      const ids = t.getChild('id')!.toArray() as BigInt64Array;
      const values = t.getChild('value')!.toArray() as Float64Array;
      const edited = new Table({ id: vectorFromArray(BigInt64Array.from(kept, (r) => ids[r]!)), value: vectorFromArray(Float64Array.from(kept, (r) => values[r]!)) });
      await writeFile(join(dir, 'e.parquet'), parquetOf(edited));
      const r = JSON.parse((await cli('--store', s, 'import', 't', join(dir, 'e.parquet'), '--chunk-rows', '10000', '--json')).out);
      const one = (await manifestOf(await openStore(s), 't')).chunks.reduce((n: number, c: { bytes: number }) => n + c.bytes, 0);
      expect({ rows: r.rows, newChunks: r.newChunks, small: r.newBytes < one * 0.02 }).toEqual({ rows: 96_000, newChunks: 0, small: true });
      expect(await (await openStore(s)).read('t')).toEqualTable(edited);
    });
  });

  it('round-trips CSV with inferred types and nulls', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      const csv = 'id,price,ok,name\n1,1.5,true,"a, quoted"\n2,,false,\n-3,2e3,,"line\nbreak"\n';
      await writeFile(join(dir, 'in.csv'), csv);
      expect((await cli('--store', s, 'import', 't', join(dir, 'in.csv'))).code).toBe(0);
      const store = await openStore(s);
      const t = await store.read('t');
      expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['id:Int64', 'price:Float64', 'ok:Bool', 'name:Utf8']);
      expect(t.toArray().map((r) => r.toJSON())).toEqual([
        { id: 1n, price: 1.5, ok: true, name: 'a, quoted' },
        { id: 2n, price: null, ok: false, name: null },
        { id: -3n, price: 2000, ok: null, name: 'line\nbreak' },
      ]);
      expect((await cli('--store', s, 'export', 't', join(dir, 'out.csv'))).code).toBe(0);
      expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe('id,price,ok,name\n1,1.5,true,"a, quoted"\n2,,false,\n-3,2000,,"line\nbreak"\n');
    });
  });

  it('reports a CSV value that does not fit its column, and leaves the store unchanged', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 'bad.csv'), `n\n${Array.from({ length: 10_001 }, (_, i) => i).join('\n')}\nseven\n`);
      const r = await cli('--store', s, 'import', 't', join(dir, 'bad.csv'));
      expect(r.code).toBe(2);
      expect(r.err).toBe(`error: io: ${join(dir, 'bad.csv')} is not a valid CSV file: line 10003, column "n": "seven" is not int (type inferred from the first 10000 rows)\n`);
      expect((await cli('--store', s, 'tables', '--json')).out).toBe('[]\n');
    });
  });

  it('shows tables, versions and history as JSON', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 'n.arrow'), tableToIPC(narrowTable(1000), 'file'));
      await cli('--store', s, 'import', 'n', join(dir, 'n.arrow'), '-m', 'load n');
      await cli('--store', s, 'import', 'n', join(dir, 'n.arrow'), '--mode', 'append', '--chunk-rows', '300');
      const show = JSON.parse((await cli('--store', s, 'show', 'n', '--json')).out) as Record<string, unknown>;
      expect(show).toMatchObject({ name: 'n', version: 2, rows: 2000, chunks: 5, schema: [{ name: 'id', type: 'Int64' }, { name: 'value', type: 'Float64' }] });
      const v1 = JSON.parse((await cli('--store', s, 'show', 'n', '--version', '1', '--json')).out) as Record<string, unknown>;
      expect(v1).toMatchObject({ version: 1, rows: 1000, chunks: 1 });
      const log = JSON.parse((await cli('--store', s, 'log', 'n', '--json')).out) as { message: string }[];
      expect(log.map((e) => e.message)).toEqual([`import ${join(dir, 'n.arrow')}`, 'load n']);
      const missing = await cli('--store', s, 'show', 'n', '--version', '3');
      expect(missing).toMatchObject({ code: 2, err: 'error: catalog: table "n" has no version 3 (latest is 2)\n' });
    });
  });

  it('runs SQL at a snapshot, printed as a table, CSV or JSON or written to a file, and in a shell', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 'n.arrow'), tableToIPC(narrowTable(1000), 'file'));
      await cli('--store', s, 'import', 'n', join(dir, 'n.arrow'));
      await cli('--store', s, 'import', 'n', join(dir, 'n.arrow'), '--mode', 'append');
      const q = 'SELECT count(*) AS n, max(id) AS hi FROM n';
      expect(JSON.parse((await cli('--store', s, 'sql', q, '--format', 'json')).out)).toEqual([{ n: 2000, hi: 999 }]);
      expect(JSON.parse((await cli('--store', s, 'sql', q, '--format', 'json', '--table-version', 'n=1')).out)).toEqual([{ n: 1000, hi: 999 }]);
      expect((await cli('--store', s, 'sql', q, '--format', 'csv')).out).toBe('n,hi\n2000,999\n');
      expect((await cli('--store', s, 'sql', q)).out).toBe('n     hi\n2000  999\n(1 row)\n');
      expect((await cli('--store', s, 'sql', 'SELECT 1 AS x, 2 AS x', '--format', 'csv')).out).toBe('x,x\n1,2\n'); // by position
      const out = join(dir, 'top.parquet');
      expect(await cli('--store', s, 'sql', 'SELECT id, value FROM n WHERE id < 10', '--out', out)).toMatchObject({ code: 0, err: '20 rows written to ' + out + '\n' });
      expect(readParquetFile(await readFile(out)).numRows).toBe(20);
      expect(await cli('--store', s, 'sql', 'SELEC 1')).toMatchObject({ code: 2, err: expect.stringContaining('error: sql: Parser Error: syntax error at or near "SELEC"') });
      expect(await cli('--store', s, 'sql', q, '--format', 'parquet')).toMatchObject({ code: 2, err: expect.stringContaining('--out FILE.parquet') });
      // The shell: statements over several lines, errors reported without leaving, history kept.
      const bin = join(import.meta.dirname, '../bin/armillaria.js');
      const shell = execFileSync(process.execPath, [bin, '--store', s, 'sql'], { input: 'SELECT 40 +\n 2 AS x;\nSELECT nope;\nSELECT 7 AS y;\n', env: { ...process.env, HOME: dir } }).toString();
      expect(shell).toMatch(/x\s*\n42\s*\n\(1 row\)/);
      expect(shell).toContain('error: sql: Binder Error');
      expect(shell).toMatch(/y\s*\n7\s*\n/);
      expect(await readFile(join(dir, '.armillaria_sql_history'), 'utf8')).toBe('SELECT 40 +  2 AS x\nSELECT nope\nSELECT 7 AS y\n');
    });
  });

  it('stops quietly when its reader closes the pipe early (`armillaria … | head`)', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      const child = spawn(process.execPath, [join(import.meta.dirname, '../bin/armillaria.js'), '--store', s, 'sql', 'SELECT * FROM range(1000000)']);
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy()); // megabytes to come (a million rows): the next write meets a closed pipe
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect({ code, err }).toEqual({ code: 0, err: '' });
    });
  });

  it('verify exits 0 on a clean store and 1 naming every corrupt object', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      const store = await openStore(s);
      await store.write('t', tableFromArrays({ x: new Int32Array([1, 2, 3]) }));
      expect(await cli('--store', s, 'verify')).toMatchObject({ code: 0, out: 'ok: 3 objects verified\n' });
      const chunk = (await store.describe('t')).manifest;
      const path = objectPath(s, chunk);
      const bytes = await readFile(path);
      bytes[bytes.length - 1]! ^= 1;
      await writeFile(path, bytes);
      const r = await cli('--store', s, 'verify');
      expect(r.code).toBe(1);
      expect(r.out).toContain(`bad object ${chunk}: content hashes to `);
      expect(r.out).toContain('1 problem(s) in 3 objects');
    });
  });

  it('export re-hashes what it copies out, and fails naming a corrupt chunk', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      const store = await openStore(s, { create: true });
      await store.write('t', narrowTable(1000));
      const [chunk] = (await manifestOf(store, 't')).chunks;
      const path = objectPath(s, chunk!.id);
      const bytes = await readFile(path);
      bytes[bytes.length >> 1]! ^= 1;
      await writeFile(path, bytes);
      const r = await cli('--store', s, 'export', 't', join(dir, 'out.parquet'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^error: chunk-store: chunk ${chunk!.id} .*\n$`));
      expect(await readdir(dir)).toEqual(['store']);
    });
  });

  it('fails clearly without a store or with an unsupported file', async () => {
    await withTempDir(async (dir) => {
      expect(await cli('--store', dir, 'tables')).toMatchObject({
        code: 2,
        err: `error: store: no Armillaria store at ${dir} (run \`armillaria init\` first)\n`,
      });
      await cli('--store', dir, 'init');
      expect(await cli('--store', dir, 'import', 't', join(dir, 'x.xlsx'))).toMatchObject({
        code: 2,
        err: `error: io: unsupported file format for ${join(dir, 'x.xlsx')} (expected .parquet, .pq, .csv, .arrow, .ipc, .feather)\n`,
      });
    });
  });

  it('settles a conflicted merge by side, cherry-picks, reverts and resets', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      const run = (...args: string[]) => cli('--store', s, ...args);
      await run('init');
      await writeFile(join(dir, 'p.csv'), 'id,name\n1,ann\n2,bob\n');
      await writeFile(join(dir, 'ours.csv'), 'id,name\n1,ann\n2,Bob\n');
      await writeFile(join(dir, 'theirs.csv'), 'id,name\n1,ann\n2,BOB\n');
      await run('import', 'p', join(dir, 'p.csv'), '--keys', 'id');
      await run('branch', 'create', 'dev');
      await run('import', 'p', join(dir, 'theirs.csv'), '--branch', 'dev');
      await run('import', 'p', join(dir, 'ours.csv'));
      const names = async () => (JSON.parse((await run('sql', 'SELECT name FROM p ORDER BY id', '--format', 'json')).out) as { name: string }[]).map((r) => r.name);
      const conflicted = await run('merge', 'dev');
      expect(conflicted).toMatchObject({ code: 1, out: expect.stringContaining('conflict in p key {"id":2} column name: changed on both sides to different values (base "bob", ours "Bob", theirs "BOB")') });
      const head = JSON.parse((await run('log', '--json', '-n', '1')).out)[0].commit as string;
      expect(conflicted.out).toContain('the merge is pending: settle it with merge --continue');
      // The pending merge: shown, settled row by row from a file, finished; then another aborted.
      const status = await run('merge', '--status');
      expect(status).toMatchObject({ code: 1, out: expect.stringMatching(/^pending: merge of dev \([0-9a-f]{12}\) into main, since .*\nconflicts \(main at [0-9a-f]{12}\)\n  p: conflict\n  conflict in p key/) });
      await writeFile(join(dir, 'fix.csv'), 'id,name\n2,Bob B.\n');
      expect(await run('merge', '--continue', '--resolve', `p=${join(dir, 'fix.csv')}`)).toMatchObject({ code: 0, out: expect.stringMatching(/^merged \(main at [0-9a-f]{12}\)\n  p: row-merge\n$/) });
      expect(await names()).toEqual(['ann', 'Bob B.']);
      expect(await run('merge', '--status')).toMatchObject({ code: 2, err: 'error: merge: no merge into "main" is pending\n' });
      expect(JSON.parse((await run('reset', 'main', head, '--json')).out)).toMatchObject({ to: head });
      expect((await run('merge', 'dev')).code).toBe(1);
      expect(await run('merge', '--abort')).toMatchObject({ code: 0, out: expect.stringMatching(/^aborted the merge of dev \([0-9a-f]{12}\) into main\n$/) });
      expect(await run('merge', 'dev', '--continue')).toMatchObject({ code: 2, err: expect.stringContaining('--continue takes no SOURCE') });
      expect(await run('merge', 'dev', '--ours', '--theirs')).toMatchObject({ code: 2, err: expect.stringContaining('--ours and --theirs both') });
      expect(JSON.parse((await run('merge', 'dev', '--theirs', 'p', '--json')).out)).toMatchObject({ status: 'merged', tables: [{ table: 'p', action: 'row-merge' }] });
      expect(await names()).toEqual(['ann', 'BOB']);
      expect(JSON.parse((await run('reset', 'main', head, '--json')).out)).toMatchObject({ branch: 'main', to: head });
      expect(await names()).toEqual(['ann', 'Bob']);
      const dev = JSON.parse((await run('log', '--branch', 'dev', '--json', '-n', '1')).out)[0].commit as string;
      expect(await run('cherry-pick', dev, '--theirs')).toMatchObject({ code: 0, out: expect.stringMatching(/^merged \(main at [0-9a-f]{12}\)\n  p: row-merge\n$/) });
      expect(await names()).toEqual(['ann', 'BOB']);
      const picked = JSON.parse((await run('log', '--json', '-n', '1')).out)[0].commit as string;
      expect((await run('revert', picked)).code).toBe(0);
      expect(await names()).toEqual(['ann', 'Bob']);
    });
  });

  it('branches, tags, merges, diffs and collects garbage', async () => {
    await withTempDir(async (dir) => {
      const s = join(dir, 'store');
      await cli('--store', s, 'init');
      await writeFile(join(dir, 'p.csv'), 'id,name\n1,ann\n2,bob\n');
      await writeFile(join(dir, 'p2.csv'), 'id,name\n1,ann\n2,BOB\n3,cid\n');
      expect((await cli('--store', s, 'import', 'p', join(dir, 'p.csv'), '--keys', 'id')).code).toBe(0);
      expect(await cli('--store', s, 'tag', 'create', 'v1')).toMatchObject({ code: 0 });
      expect((await cli('--store', s, 'branch', 'create', 'dev')).out).toMatch(/^created branch dev at [0-9a-f]{12}\n$/);
      await cli('--store', s, 'import', 'p', join(dir, 'p2.csv'), '--branch', 'dev');
      const branches = JSON.parse((await cli('--store', s, 'branch', 'list', '--json')).out) as { name: string }[];
      expect(branches.map((b) => b.name)).toEqual(['dev', 'main']);
      const diff = await cli('--store', s, 'diff', 'v1', 'dev');
      expect(diff.out).toContain('by key (id): 1 inserted, 0 deleted, 1 updated');
      const merged = await cli('--store', s, 'merge', 'dev');
      expect(merged).toMatchObject({ code: 0, out: expect.stringMatching(/^fast-forward \(main at [0-9a-f]{12}\)\n$/) as unknown });
      const old = JSON.parse((await cli('--store', s, 'show', 'p', '--ref', 'v1', '--json')).out) as { rows: number };
      expect(old.rows).toBe(2);
      expect((await cli('--store', s, 'branch', 'delete', 'dev')).out).toContain('deleted branch dev');
      expect(await cli('--store', s, 'branch', 'delete', 'main')).toMatchObject({ code: 2, err: 'error: refs: the default branch "main" cannot be deleted\n' });
      const gc = JSON.parse((await cli('--store', s, 'gc', '--json')).out) as { deleted: number };
      expect(gc.deleted).toBe(0); // everything is reachable or young
      expect((await cli('--store', s, 'verify')).code).toBe(0);
    });
  });
});

const server = inject('s3');

describe.skipIf(!server)('armillaria CLI on S3', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('runs on s3://bucket/prefix with the endpoint and credentials from the standard AWS variables', async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: server!.endpoint,
      AWS_REGION: server!.region,
      AWS_ACCESS_KEY_ID: server!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server!.secretAccessKey,
    });
    await withTempDir(async (dir) => {
      const s = freshLocation(server!);
      const t = narrowTable(1000);
      await writeFile(join(dir, 'in.arrow'), tableToIPC(t, 'file'));
      expect(await cli('--store', s, 'init')).toMatchObject({ code: 0, out: `initialised empty Armillaria store in ${s}\n` });
      expect(await cli('--store', s, 'import', 'events', join(dir, 'in.arrow'), '-m', 'load')).toMatchObject({ code: 0 });
      expect(await cli('--store', s, 'branch', 'create', 'dev')).toMatchObject({ code: 0 });
      expect((await cli('--store', s, 'export', 'events', join(dir, 'out.arrow'), '--branch', 'dev')).code).toBe(0);
      expect(rowsOf(tableFromIPC(await readFile(join(dir, 'out.arrow'))))).toEqual(rowsOf(t));
      expect((await cli('--store', s, 'log', 'events')).out).toContain('load');
      expect(await cli('--store', s, 'verify')).toMatchObject({ code: 0 });
      expect(await cli('--store', s, 'init')).toMatchObject({ code: 2 });
    });
  });
});
