import { Field, Int32, List, Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { matchingRows } from '../src/table/row-match.js';

const batch = (t: Table) => t.batches[0]!;
const lists = (v: number[][]) => vectorFromArray(v, new List(new Field('item', new Int32(), true)));

describe('matchingRows', () => {
  it('counts common rows from either end, comparing values by their bits', () => {
    const a = batch(tableFromArrays({ x: Float64Array.from([1, NaN, 0, 4, 5]), s: ['a', 'b', 'c', 'd', 'e'] }));
    const b = batch(tableFromArrays({ x: Float64Array.from([1, NaN, -0, 4, 5]), s: ['a', 'b', 'c', 'd', 'e'] }));
    expect(matchingRows(a, b, false)).toBe(2); // NaN equals NaN, -0 is not 0
    expect(matchingRows(a, b, true)).toBe(2);
    const shorter = batch(tableFromArrays({ x: Float64Array.from([4, 5]), s: ['d', 'e'] }));
    expect(matchingRows(a, shorter, true)).toBe(2);
    expect(matchingRows(a, shorter, false)).toBe(0);
  });

  it('compares strings without nulls by their bytes, from either end', () => {
    const strings = (v: string[]) => batch(new Table({ s: vectorFromArray(v, new Utf8()) }));
    const a = strings(['same', 'héllo', 'x', 'tail']);
    expect(matchingRows(a, strings(['same', 'héllo', 'y', 'tail']), false)).toBe(2);
    expect(matchingRows(a, strings(['same', 'héllo', 'y', 'tail']), true)).toBe(1);
    expect(matchingRows(a, strings(['x', 'tail']), true)).toBe(2);
    expect(matchingRows(a, strings(['sam', 'éhllo']), false)).toBe(0);
  });

  it('treats nulls as equal whatever lies under them, and compares strings and nested values exactly', () => {
    const a = batch(new Table({ n: vectorFromArray([1, null, 3, 4]), s: vectorFromArray(['x', null, 'yy', 'z']), l: lists([[1], [2, 3], [], [4]]) }));
    const b = batch(new Table({ n: vectorFromArray([1, null, 3, 9]), s: vectorFromArray(['x', null, 'yy', 'z']), l: lists([[1], [2, 3], [], [4]]) }));
    expect(matchingRows(a, b, false)).toBe(3);
    expect(matchingRows(a, b, true)).toBe(0);
    const c = batch(new Table({ n: vectorFromArray([1, null, 3, 4]), s: vectorFromArray(['x', null, 'yz', 'z']), l: lists([[1], [2, 4], [], [4]]) }));
    expect(matchingRows(a, c, false)).toBe(1);
    expect(matchingRows(a, c, true)).toBe(1);
  });
});
