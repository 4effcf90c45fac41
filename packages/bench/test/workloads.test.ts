/** The storage workloads' inputs: appends, delete predicates, rows removed, the added column. */
import { describe, expect, it } from 'vitest';
import { Table, tableFromArrays } from 'apache-arrow';
import { tableChecksum } from '../src/checksum.js';
import { buildSeeded } from '../src/datasets/datasets.js';
import { datasetSpec } from '../src/datasets/specs.js';
import { filterRows } from '../src/filter.js';
import {
  ADDED_COLUMN,
  APPEND_FRACTION,
  APPENDS,
  appendBatches,
  deleteFilters,
  derivedColumn,
  fileFilter,
  filterOf,
  float64Vector,
  idRange,
  insertMiddle,
  projectionOf,
  valuesOf,
  withColumn,
  withoutRows,
} from '../src/workloads.js';

const ids = (t: Table): number[] => Array.from(t.getChild('id')! as Iterable<bigint>, Number);

/** Seeded-narrow shaped table: ids 0..n-1, value = i / n (so `value < f` is the first f·n rows). */
function narrow(n: number, value: (i: number) => number = (i) => i / n): Table {
  return new Table({ id: idRange(0, n), value: float64Vector(Float64Array.from({ length: n }, (_, i) => value(i))) });
}

describe('appendBatches', () => {
  it('makes 10 batches of 1% with ids continuing after the table and fresh seeded values', () => {
    const table = narrow(10_000);
    const batches = appendBatches(table);
    expect(batches).toHaveLength(APPENDS);
    const k = 10_000 * APPEND_FRACTION;
    batches.forEach((b, j) => {
      expect(b.numRows).toBe(k);
      expect(ids(b)).toEqual(Array.from({ length: k }, (_, i) => 10_000 + j * k + i));
      expect(b.schema.fields.map((f) => f.name)).toEqual(['id', 'value']);
    });
    const all = table.concat(...batches);
    expect(ids(all)).toEqual(Array.from({ length: 11_000 }, (_, i) => i));
    // Fresh uniform values: not copies of the table's, in [0, 1), different from batch to batch.
    const v0 = valuesOf(batches[0]!);
    const v1 = valuesOf(batches[1]!);
    expect(Array.from(v0).every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from(v0).some((x, i) => x !== i / 10_000)).toBe(true);
    expect(v0).not.toEqual(v1);
    // Deterministic.
    expect(appendBatches(table).map((b) => tableChecksum(b))).toEqual(batches.map((b) => tableChecksum(b)));
  });

  it('copies the other columns of the seeded-wide set and wraps on tiny tables', async () => {
    const wide = (await buildSeeded(datasetSpec('seed-wide-100k'))).slice(0, 5_000);
    const [b0, b1] = appendBatches(wide);
    expect(b1!.numRows).toBe(50);
    expect(b1!.getChild('name')!.get(0)).toBe(wide.getChild('name')!.get(50));
    expect(b0!.schema.fields.map((f) => f.name)).toEqual(wide.schema.fields.map((f) => f.name));
    const tiny = appendBatches(narrow(5), 3, 0.5);
    expect(tiny.map((b) => b.numRows)).toEqual([3, 3, 3]);
    expect(tiny.flatMap(ids)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
});

describe('deleteFilters and withoutRows', () => {
  it('matches 4%: scattered over the whole table by value, or one contiguous id range mid-table', async () => {
    const table = await buildSeeded(datasetSpec('seed-narrow-100k'));
    const { scattered, range } = deleteFilters(table.numRows);
    expect(scattered).toEqual({ column: 'value', op: '<', value: 0.04 });
    const s = filterRows(table, scattered);
    expect(s.length).toBe(3998); // uniform values: ~4% of 100,000
    // Spread: matches in every tenth of the table.
    const tenths = new Set(Array.from(s, (r) => Math.floor(r / 10_000)));
    expect(tenths.size).toBe(10);
    const r = filterRows(table, range);
    expect(r.length).toBe(4000);
    expect([r[0], r[r.length - 1]]).toEqual([48_000, 51_999]);
  });

  it('removes exactly the given rows, keeping order, at the edges too', () => {
    const table = narrow(10);
    expect(ids(withoutRows(table, Uint32Array.from([0, 3, 4, 9])))).toEqual([1, 2, 5, 6, 7, 8]);
    expect(withoutRows(table, new Uint32Array(0)).numRows).toBe(10);
    const none = withoutRows(table, Uint32Array.from({ length: 10 }, (_, i) => i));
    expect(none.numRows).toBe(0);
    expect(none.schema.fields.map((f) => f.name)).toEqual(['id', 'value']);
    const kept = withoutRows(table, filterRows(table, { column: 'value', op: '<', value: 0.3 }));
    expect(tableChecksum(kept)).toBe(tableChecksum(table.slice(3)));
  });
});

describe('derivedColumn and withColumn', () => {
  it('derives a deterministic float64 in [0, 1) from id alone', () => {
    const table = narrow(1000);
    const c = Array.from(derivedColumn(table) as Iterable<number>);
    expect(c.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(c).size).toBe(1000);
    // From id alone: the same ids in another table (sliced, other values) give the same numbers.
    const other = narrow(1000, () => 7).slice(500);
    expect(Array.from(derivedColumn(other) as Iterable<number>)).toEqual(c.slice(500));
    // Spread like a uniform variable, not a smooth function of id.
    const mean = c.reduce((a, x) => a + x, 0) / c.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(c.filter((x, i) => i > 0 && x > c[i - 1]!).length).toBeGreaterThan(400);
    expect(c.filter((x, i) => i > 0 && x > c[i - 1]!).length).toBeLessThan(600);
  });

  it('adds the column last and refuses an existing name', () => {
    const table = narrow(10);
    const w = withColumn(table, ADDED_COLUMN, derivedColumn(table));
    expect(w.schema.fields.map((f) => f.name)).toEqual(['id', 'value', ADDED_COLUMN]);
    expect(w.numRows).toBe(10);
    expect(() => withColumn(table, 'value', derivedColumn(table))).toThrow(/already has a column "value"/);
    expect(() => derivedColumn(new Table({ value: float64Vector(new Float64Array(3)) }))).toThrow(/"id"/);
  });
});

describe('insertMiddle (shares idRange)', () => {
  it('inserts 3% mid-table with fresh ids', () => {
    const { table, inserted } = insertMiddle(narrow(100));
    expect(inserted).toBe(3);
    expect(ids(table).slice(48, 55)).toEqual([48, 49, 100, 101, 102, 50, 51]);
  });
});

describe('projection and filter of a table file', () => {
  const file = (table: Table) => ({ spec: { family: 'file' as const }, table });

  it('projects the first half of the columns', () => {
    const t = tableFromArrays({ a: [1], b: [2], c: [3] });
    expect(projectionOf(file(t))).toEqual(['a', 'b']);
    expect(projectionOf(file(tableFromArrays({ only: [1] })))).toEqual(['only']);
  });

  it('filters about 1% of the rows on the first numeric column that varies, wherever they lie', () => {
    const n = 10_000;
    // `year` is constant (no 1% range exists); `delay` is a shuffled 0..n-1.
    const delay = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const t = tableFromArrays({ name: Array.from({ length: n }, (_, i) => `r${i}`), year: new Int32Array(n).fill(2013), delay });
    const f = fileFilter(t)!;
    expect(f).toEqual({ and: [{ column: 'delay', op: '>=', value: 5000 }, { column: 'delay', op: '<', value: 5100 }] });
    expect(filterRows(t, f).length).toBe(100);
    expect(filterOf(file(t))).toEqual(f);
  });

  it('falls back to the middle value of the first string column, and to nothing', () => {
    const t = tableFromArrays({ year: new Int32Array(4).fill(1), city: ['a', 'b', 'c', 'd'] });
    expect(fileFilter(t)).toEqual({ column: 'city', op: '=', value: 'c' });
    expect(fileFilter(tableFromArrays({ flag: [true, false] }))).toBeUndefined();
  });
});
