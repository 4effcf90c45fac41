/**
 * SQL over versions: every answer is compared with DuckDB's over the same version exported to
 * Parquet (`store.read` at that version, one file), across deletes, updates, added columns and
 * appends, several tables at one snapshot.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, inject, it } from 'vitest';

import { openStore, RefNotFoundError, SqlError, TableNotFoundError, VersionNotFoundError, type Store } from '../src/index.js';
import { objectPath } from '../src/backend/layout.js';
import { encodeChunk } from '../src/table/parquet-codec.js';
import { manifestOf, withTempDir, withTempStore } from './helpers.js';
import { freshLocation, s3Options } from './s3/server.js';

const N = 2000;
const CATS = ['north', 'south', 'east', 'west'];

function users(from: number, n: number): Table {
  const ids = Array.from({ length: n }, (_, i) => from + i);
  return tableFromArrays({
    id: BigInt64Array.from(ids.map(BigInt)),
    name: ids.map((i) => `user_${i}`),
    cat: ids.map((i) => CATS[(i * 7) % 4]!),
    score: Float64Array.from(ids.map((i) => ((i * 37) % 101) / 100)),
  });
}

function orders(n: number): Table {
  return tableFromArrays({
    id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    user: BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 13) % N)),
    amount: Int32Array.from({ length: n }, (_, i) => (i * 31) % 1000),
  });
}

/** Builds a history of users (versions 1-6) and orders (1-2); returns the commit after each step. */
async function history(store: Store): Promise<void> {
  await store.write('users', users(0, N), { chunkRows: 250, keys: ['id'] }); // users v1
  await store.write('orders', orders(3000), { chunkRows: 500 }); // orders v1
  await store.transaction((tx) => tx.delete('users', { column: 'id', op: 'in', values: Array.from({ length: N / 7 }, (_, i) => BigInt(i * 7)) })); // v2
  const changed = Array.from({ length: N / 20 }, (_, i) => i * 20 + 3);
  const rows = tableFromArrays({ id: BigInt64Array.from(changed.map(BigInt)), score: Float64Array.from(changed.map((i) => -i)) });
  await store.transaction((tx) => tx.update('users', rows, { ignoreMissing: true })); // v3: patches (rows deleted in v2 skipped)
  const live = (await store.read('users', { columns: ['id'] })).numRows;
  await store.transaction((tx) => tx.addColumns('users', tableFromArrays({ bonus: Int32Array.from({ length: live }, (_, i) => i % 17) }))); // v4
  const more = users(N, 300);
  await store.write('users', tableFromArrays({ ...Object.fromEntries(more.schema.fields.map((f) => [f.name, more.getChild(f.name)!.toArray()])), bonus: Int32Array.from({ length: 300 }, () => 99) }) as never, { mode: 'append' }); // v5
  const again = tableFromArrays({ id: BigInt64Array.from([3n, 1003n, 2100n]), bonus: Int32Array.from([-1, -2, -3]) });
  await store.transaction((tx) => tx.update('users', again)); // v6: a patch of an added column
  await store.write('orders', orders(1000), { mode: 'append' }); // orders v2
}

/** Every cell as a string, rows sorted: how two engines' answers compare. */
const rowsOf = (t: Table): string[] => t.toArray().map((r) => JSON.stringify(Object.values(r.toJSON()).map(cell))).sort();
const cell = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'number' ? String(Math.round(v * 1e9) / 1e9) : String(v));

/** The answer of DuckDB over the versions exported to Parquet. */
async function reference(dir: string, store: Store, query: string, at: { ref?: string; versions?: Record<string, number> }): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    for (const t of await store.tables({ ref: at.ref })) {
      const table = await store.read(t.name, { ref: at.ref, version: at.versions?.[t.name] });
      const file = join(dir, `${t.name}-${Math.random().toString(36).slice(2)}.parquet`);
      await writeFile(file, await encodeChunk(table, 'uncompressed', table.numRows));
      await c.run(`CREATE VIEW "${t.name}" AS SELECT * FROM read_parquet('${file}')`);
    }
    const r = await c.runAndReadAll(query);
    return r.getRowsJS().map((row) => JSON.stringify(row.map(cell))).sort();
  } finally {
    c.closeSync();
  }
}

const QUERIES = [
  'SELECT count(*) AS n, round(sum(score), 6) AS s, min(name) AS lo, max(id) AS hi FROM users',
  'SELECT cat, count(*) AS n, round(avg(score), 6) AS a FROM users WHERE id >= 500 AND id < 1500 GROUP BY cat',
  'SELECT * FROM users WHERE score > 0.5 AND id BETWEEN 100 AND 1900',
  "SELECT id, name FROM users WHERE cat IN ('north', 'west') AND id < 600",
  'SELECT u.cat, count(*) AS n, sum(o.amount)::BIGINT AS total FROM users u JOIN orders o ON o.user = u.id WHERE u.id < 800 GROUP BY u.cat',
  'SELECT id FROM users WHERE 1000 <= id AND score <= -500',
];

describe('store.sql', () => {
  it('answers every query at every version exactly as DuckDB over the version exported to Parquet', async () => {
    await withTempStore(async (store, dir) => {
      await history(store);
      const commits = (await store.log()).map((e) => e.commit).reverse();
      expect(commits).toHaveLength(8);
      for (const ref of commits.slice(1)) {
        const tables = (await store.tables({ ref })).map((t) => t.name);
        for (const query of QUERIES) {
          if (!tables.includes('orders') && query.includes('orders')) continue;
          expect(rowsOf(await store.sql(query, { ref })), `${query} at ${ref}`).toEqual(await reference(dir, store, query, { ref }));
        }
      }
      // Added columns and their patches, at the head.
      const q = 'SELECT id, bonus FROM users WHERE bonus < 0 OR id >= 2290';
      const got = rowsOf(await store.sql(q));
      expect(got).toEqual(await reference(dir, store, q, {}));
      expect(got).toContain(JSON.stringify(['3', '-1']));
    });
  }, 120_000);

  it('reads every table of a query at one snapshot, or each at the version asked for', async () => {
    await withTempStore(async (store, dir) => {
      await history(store);
      const join = 'SELECT count(*) AS n FROM users u JOIN orders o ON o.user = u.id';
      const [first] = await store.log({ table: 'orders', limit: 1 });
      // At the commit that appended to orders, users is at version 6.
      expect(rowsOf(await store.sql(join, { ref: first!.commit }))).toEqual(await reference(dir, store, join, { ref: first!.commit }));
      const versions = { users: 2, orders: 1 };
      const got = rowsOf(await store.sql(join, { versions }));
      expect(got).toEqual(await reference(dir, store, join, { versions }));
      expect(got).not.toEqual(rowsOf(await store.sql(join)));
      await expect(store.sql(join, { versions: { users: 9 } })).rejects.toThrow(VersionNotFoundError);
    });
  }, 60_000);

  it('skips chunks by statistics before DuckDB opens them, and EXPLAIN says which', async () => {
    await withTempStore(async (store) => {
      await store.write('users', users(0, N), { chunkRows: 250 });
      const plan = await store.sql('EXPLAIN SELECT count(*) FROM users WHERE id >= 1000 AND id < 1300');
      const ours = plan.toArray().map((r) => r.toJSON()).filter((r) => r.explain_key === 'armillaria');
      expect(ours.map((r) => r.explain_value)).toEqual(['table users: 2 of 8 chunks read, 6 skipped by statistics (id >= 1000 AND id < 1300); 0 folded (patches or deleted rows applied)']);
      // A table named twice is not pruned: a condition on one mention says nothing of the other.
      const twice = await store.sql('EXPLAIN SELECT count(*) FROM users a, users b WHERE a.id = 5 AND b.id = 6');
      expect(twice.toArray().map((r) => r.toJSON()).find((r) => r.explain_key === 'armillaria')?.explain_value).toContain('8 of 8 chunks read');
      // The answer is the same as without pruning.
      const n = await store.sql('SELECT count(*)::INTEGER AS n FROM users WHERE id >= 1000 AND id < 1300');
      expect(n.getChild('n')!.get(0)).toBe(300);
      const none = await store.sql('SELECT count(*)::INTEGER AS n, min(id) AS lo FROM users WHERE id > 99999');
      expect([none.getChild('n')!.get(0), none.getChild('lo')!.get(0)]).toEqual([0, null]);
    });
  });

  it('returns Arrow types as DuckDB exports them, nulls included, and streams large results in batches', async () => {
    await withTempStore(async (store) => {
      await store.write('users', users(0, N), { chunkRows: 250 });
      const t = await store.sql(
        "SELECT 1::TINYINT AS a, 2::SMALLINT AS b, 3 AS c, 4::BIGINT AS d, 5::UBIGINT AS e, 1.5::FLOAT AS f, 2.5 AS g, 123.45::DECIMAL(10,2) AS h, sum(id) AS i, 'x' AS j, NULL::INTEGER AS k, DATE '2024-02-29' AS l, TIMESTAMP '2024-01-01 00:00:01' AS m, true AS n, '\\x01'::BLOB AS o FROM users",
      );
      expect(t.schema.fields.map((f) => String(f.type))).toEqual([
        'Int8', 'Int16', 'Int32', 'Int64', 'Uint64', 'Float32', 'Decimal[2e+1]', 'Decimal[10e+2]', 'Decimal[38e0]', 'Utf8', 'Int32', 'Date32<DAY>', 'Timestamp<MICROSECOND>', 'Bool', 'Binary',
      ]);
      const row = t.get(0)!.toJSON();
      expect([row.a, row.b, row.c, row.d, row.e, row.f, row.j, row.k, row.n]).toEqual([1, 2, 3, 4n, 5n, 1.5, 'x', null, true]);
      expect(row.l).toBe(Date.UTC(2024, 1, 29));
      expect(row.m).toBe(Date.UTC(2024, 0, 1, 0, 0, 1)); // apache-arrow reads timestamps as milliseconds
      expect(String(t.getChild('i')!.get(0))).toBe(String((N * (N - 1)) / 2));
      await expect(store.sql('SELECT [1, 2] AS l')).rejects.toThrow(/"l" has type INTEGER\[\].*CAST/);

      const batches = [];
      for await (const b of store.sqlBatches('SELECT a.id, b.id AS id2 FROM users a, users b WHERE a.id < 100')) batches.push(b);
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(100 * N);
      expect(batches.length).toBeGreaterThan(1);
      expect(Math.max(...batches.map((b) => b.numRows))).toBeLessThanOrEqual(65_536 + 2048);
    });
  });

  it('names bad SQL, unknown tables, columns and refs, and never changes the store', async () => {
    await withTempStore(async (store) => {
      await store.write('users', users(0, 100));
      const head = (await store.log())[0]!.commit;
      await expect(store.sql('SELEC 1')).rejects.toThrow(/sql: Parser Error: syntax error at or near "SELEC"/);
      await expect(store.sql('SELECT * FROM nope')).rejects.toThrow(TableNotFoundError);
      await expect(store.sql('SELECT * FROM nope')).rejects.toThrow('table "nope" not found on branch "main"');
      await expect(store.sql('SELECT missing FROM users')).rejects.toThrow(/sql: Binder Error: .*"missing"/);
      await expect(store.sql('SELECT 1', { ref: 'v9' })).rejects.toThrow(RefNotFoundError);
      await expect(store.sql('')).rejects.toThrow(SqlError);
      await expect(store.sql('SELECT 1; SELECT 2')).rejects.toThrow('one statement at a time (got 2)');
      for (const q of ['INSERT INTO users VALUES (1)', 'DROP VIEW users', "COPY (SELECT 1) TO '/tmp/x.csv'", 'CREATE TABLE x AS SELECT 1']) {
        await expect(store.sql(q)).rejects.toThrow(/only queries run here \(SELECT or EXPLAIN\)/);
      }
      expect((await store.log())[0]!.commit).toBe(head);
      expect((await store.read('users')).numRows).toBe(100);
    });
  });

  it('refuses a damaged chunk unless told not to verify', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('users', users(0, 500), { chunkRows: 250 });
      const { chunks } = await manifestOf(store, 'users');
      const file = objectPath(dir, chunks[1]!.id);
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(file);
      bytes[Math.floor(bytes.length / 2)]! ^= 1;
      await writeFile(file, bytes);
      await expect(store.sql('SELECT count(*) FROM users')).rejects.toThrow(/corrupt|does not match/i);
      await expect(store.sql('SELECT count(*) FROM users WHERE id < 250')).resolves.toBeDefined(); // the damaged chunk is skipped
    });
  });

  it('folds a chunk with patches or deleted rows once, and checks the folded file against its sum', async () => {
    await withTempDir(async (cache) => {
      process.env.ARMILLARIA_SQL_CACHE = cache;
      try {
        await withTempStore(async (store) => {
          await store.write('users', users(0, 500), { chunkRows: 250, keys: ['id'] });
          await store.transaction((tx) => tx.delete('users', { column: 'id', op: '=', value: 3n }));
          const q = 'SELECT count(*)::INTEGER AS n FROM users';
          expect((await store.sql(q)).getChild('n')!.get(0)).toBe(499);
          const plan = await store.sql(`EXPLAIN ${q}`);
          expect(plan.get(0)!.toJSON().explain_value).toBe('table users: 2 of 2 chunks read; 1 folded (patches or deleted rows applied)');
          const { readdir } = await import('node:fs/promises');
          const files = (await readdir(cache, { recursive: true })).filter((f) => f.endsWith('.parquet'));
          expect(files).toHaveLength(1); // one fold, reused by the second query
          const file = join(cache, files[0]!);
          const { readFile } = await import('node:fs/promises');
          const bytes = await readFile(file);
          bytes[bytes.length >> 1]! ^= 1;
          await writeFile(file, bytes);
          await expect(store.sql(q)).rejects.toThrow(/does not match its sum/);
          expect((await store.sql(q)).getChild('n')!.get(0)).toBe(499); // folded again
        });
      } finally {
        delete process.env.ARMILLARIA_SQL_CACHE;
      }
    });
  });

  const s3 = inject('s3');
  it.skipIf(!s3)('runs on a store on S3, fetching chunks through the store', async () => {
    const location = freshLocation(s3!);
    const store = await openStore(location, { create: true, s3: s3Options(s3!) });
    try {
      await withTempDir(async (dir) => {
        await history(store);
        const q = QUERIES[4]!;
        expect(rowsOf(await store.sql(q))).toEqual(await reference(dir, store, q, {}));
      });
    } finally {
      await store.close();
    }
  }, 60_000);
});
