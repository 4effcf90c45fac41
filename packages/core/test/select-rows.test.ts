import { Bool, FixedSizeBinary, Interval, IntervalUnit, Table, makeBuilder, type DataType, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { combineBatches } from '../src/table/concat.js';
import { maskedSlices, selectRows, takeRows } from '../src/table/select-rows.js';
import { allTypesTable, rebatched } from './fixtures.js';

function column<T extends DataType>(type: T, values: unknown[]) {
  const b = makeBuilder({ type, nullValues: [null] });
  for (const v of values) b.append(v as never);
  return b.finish().toVector();
}

/** Every row of `batches` as plain values, compared by JSON (bigints and bytes spelled out). */
function rows(batches: RecordBatch[]): string[] {
  const json = (v: unknown): unknown =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array || v instanceof Uint32Array ? [...v] : v && typeof v === 'object' && 'toJSON' in v ? json((v as { toJSON(): unknown }).toJSON()) : v;
  return new Table(batches).toArray().map((r) => JSON.stringify(r.toJSON(), (_k, v: unknown) => json(v)));
}

/** A batch whose columns start at an offset: a slice of a bigger one (booleans keep their bit offset). */
function shifted(t: Table): RecordBatch {
  const doubled = combineBatches(new Table(t.schema, [...t.batches, ...t.batches]));
  return doubled!.slice(3, 3 + t.numRows);
}

const extra = new Table({
  flags: column(new Bool(), [true, null, false, true, true, false, null, true, false, true, true]),
  fixed: column(new FixedSizeBinary(3), Array.from({ length: 11 }, (_, i) => (i === 4 ? null : Uint8Array.of(i, i * 2, 255 - i)))),
  months: column(new Interval(IntervalUnit.YEAR_MONTH), Array.from({ length: 11 }, (_, i) => (i === 7 ? null : Int32Array.of(i, 12 - i)))),
});

describe('selectRows', () => {
  const cases: [string, RecordBatch][] = [
    ['all types but lists', allTypesTable().select(allTypesTable().schema.fields.map((f) => f.name).filter((n) => n !== 'list')).batches[0]!],
    ['all types but lists, at an offset', shifted(allTypesTable().select(allTypesTable().schema.fields.map((f) => f.name).filter((n) => n !== 'list')))],
    ['booleans, fixed-size binary, intervals', rebatched(extra, 11).batches[0]!],
    ['booleans, fixed-size binary, intervals, at an offset', shifted(extra)],
  ];
  for (const [name, batch] of cases) {
    it(`copies the selected rows of ${name} into one batch equal to the slices`, () => {
      const mask = Uint8Array.from({ length: batch.numRows }, (_, i) => (i % 2 === 0 ? 1 : 0));
      const selected = selectRows(batch, mask);
      expect(selected).toHaveLength(1); // short runs: copied
      expect(selected[0]!.schema.fields).toEqual(batch.schema.fields);
      expect(rows(selected)).toEqual(rows(maskedSlices(batch, mask)));
      expect(selected[0]!.numRows).toBe(mask.filter((m) => m === 1).length);
    });
  }

  it('counts the nulls it keeps, and drops the bitmap when it keeps none', () => {
    const batch = allTypesTable().select(['i32', 's']).batches[0]!; // nulls at rows 2 and 5
    const withNull = takeRows(batch, Uint32Array.of(1, 2, 6))!;
    expect(withNull.getChildAt(0)!.nullCount).toBe(1);
    expect(withNull.getChildAt(1)!.toArray()).toEqual(['héllo', null, 'a']);
    const without = takeRows(batch, Uint32Array.of(0, 3))!;
    expect(without.getChildAt(0)!.nullCount).toBe(0);
    expect(without.getChildAt(0)!.data[0]!.nullBitmap?.length ?? 0).toBe(0);
  });

  it('slices long runs and a single run without copying', () => {
    const batch = rebatched(allTypesTable().select(['i64', 's']), 7).batches[0]!;
    const one = selectRows(batch, Uint8Array.of(0, 1, 1, 1, 0, 0, 0));
    expect(one).toHaveLength(1);
    expect(one[0]!.getChildAt(0)!.data[0]!.values.buffer).toBe(batch.getChildAt(0)!.data[0]!.values.buffer);
    const big = new Table({ x: column(new Bool(), Array.from({ length: 200 }, () => true)) }).batches[0]!;
    const long = Uint8Array.from({ length: 200 }, (_, i) => (i < 90 || i >= 110 ? 1 : 0));
    expect(selectRows(big, long)).toHaveLength(2);
  });

  it('leaves lists to slices', () => {
    const batch = allTypesTable().select(['i32', 'list']).batches[0]!;
    expect(takeRows(batch, Uint32Array.of(0, 2))).toBeUndefined();
    const mask = Uint8Array.of(1, 0, 1, 0, 1, 0, 1);
    expect(selectRows(batch, mask)).toHaveLength(4);
    expect(rows(selectRows(batch, mask))).toEqual(rows(maskedSlices(batch, mask)));
  });

  it('selects nothing from an empty mask', () => {
    const batch = allTypesTable().batches[0]!;
    expect(selectRows(batch, new Uint8Array(batch.numRows))).toEqual([]);
  });
});
