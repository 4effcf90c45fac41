import { describe, expect, it } from 'vitest';

import { alignRows } from '../src/table/row-align.js';

const align = (old: number[], next: number[]) => Array.from(alignRows(Float64Array.from(old), Float64Array.from(next)));

describe('alignRows', () => {
  it('pairs equal rows, skips deleted ones and leaves inserted ones unpaired', () => {
    expect(align([1, 2, 3, 4], [1, 2, 3, 4])).toEqual([0, 1, 2, 3]);
    expect(align([1, 2, 3, 4, 5], [1, 3, 5])).toEqual([0, 2, 4]);
    expect(align([1, 2, 3, 4], [1, 9, 8, 2, 3, 4])).toEqual([0, -1, -1, 1, 2, 3]);
    expect(align([1, 2], [7, 1, 2, 8])).toEqual([-1, 0, 1, -1]);
  });

  it('pairs a changed row with the row it replaces', () => {
    expect(align([1, 2, 3, 4], [1, 20, 3, 40])).toEqual([0, 1, 2, 3]);
    expect(align([1, 2, 3, 4, 5], [1, 20, 4, 5])).toEqual([0, 1, 3, 4]);
  });

  it('does not jump to a far copy of a changed row unless the rows after it pair too', () => {
    // Row 1 changed into a copy of row 30: the row after 30 does not follow, so it stays a change.
    const old = Array.from({ length: 40 }, (_, k) => k);
    const next = old.map((v) => (v === 1 ? 30 : v));
    expect(align(old, next)).toEqual(old);
    // The same copy followed by the rows after 30 is rows 1 to 29 deleted.
    expect(align(old, [0, ...old.slice(30)])).toEqual([0, ...old.slice(30)]);
  });

  it('pairs duplicate rows in order', () => {
    expect(align([5, 5, 5, 6], [5, 5, 6])).toEqual([0, 1, 3]);
  });
});
