import { Float64, Int64, LargeUtf8, Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { chunkStats } from '../src/table/stats.js';
import { allTypesTable } from './fixtures.js';

describe('chunkStats', () => {
  it('follows the manifest statistics contract for every type', () => {
    const s = chunkStats(allTypesTable());
    expect(s.i8).toEqual({ nulls: 2, min: -128, max: 127 });
    expect(s.i64).toEqual({ nulls: 2, min: '-9007199254740993', max: '-8999791847400255' });
    expect(s.u64).toEqual({ nulls: 2, min: '18446744073709551609', max: '18446744073709551615' });
    expect(s.u32).toEqual({ nulls: 2, min: 4294967289, max: 4294967295 });
    expect(s.f16).toEqual({ nulls: 2, min: 0, max: 1.5 });
    expect(s.f64).toEqual({ nulls: 2, min: -Infinity, max: 6 * Math.PI }); // NaN is ignored
    expect(s.flag).toEqual({ nulls: 2, min: false, max: true });
    expect(s.s).toEqual({ nulls: 2, min: '', max: '𝄞 clef' }); // UTF-8 byte order: U+1D11E sorts after 日
    expect(s.ts_ms).toEqual({ nulls: 2, min: '1700000000000', max: '1700000000006' });
    expect(s.d32).toEqual({ nulls: 2, min: 19723, max: 19729 });
    expect(s.dec).toEqual({ nulls: 2 });
    expect(s.dict).toEqual({ nulls: 2 });
    expect(s.list).toEqual({ nulls: 2 });
    expect(s.obj).toEqual({ nulls: 2 });
  });

  it('orders strings by UTF-8 bytes where their first eight bytes tie', () => {
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    const values = ['ab\0', 'ab', 'ab\0\0', 'user_1234', 'user_123\0', 'user_123', 'user_12345', '', '\0'];
    let x = 7;
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      values.push(Array.from({ length: (x >>> 8) % 12 }, (_, k) => ['a', 'b', '\0', 'é', '日'][((x >>> k % 24) + k) % 5]).join(''));
    }
    for (const from of [0, 3, 9, 500]) {
      const slice = values.slice(from);
      const sorted = [...slice].sort(byBytes);
      for (const type of [new Utf8(), new LargeUtf8()]) {
        const t = new Table({ s: vectorFromArray(slice, type) });
        expect(chunkStats(t).s).toEqual({ nulls: 0, min: sorted[0], max: sorted[sorted.length - 1] });
      }
    }
    // Ties in the first eight bytes, each order: the tie-break decides.
    for (const pair of [['ab\0', 'ab'], ['ab', 'ab\0'], ['user_1234', 'user_123\0'], ['user_123\0', 'user_1234']]) {
      const sorted = [...pair].sort(byBytes);
      expect(chunkStats(new Table({ s: vectorFromArray(pair, new Utf8()) })).s).toEqual({ nulls: 0, min: sorted[0], max: sorted[1] });
    }
  });

  it('reads slices at their offset', () => {
    const t = tableFromArrays({ id: new BigInt64Array([5n, -3n, 9n, 1n]), v: new Float64Array([1, 2, 3, 4]), s: ['d', 'c', 'b', 'a'] });
    expect(chunkStats(t.slice(2, 4))).toMatchObject({ id: { min: '1', max: '9' }, v: { min: 3, max: 4 } });
  });

  it('finds the bounds across batches, wherever each lies', () => {
    const batch = (ids: (bigint | null)[], names: (string | null)[]) =>
      new Table({ id: vectorFromArray(ids, new Int64()), name: vectorFromArray(names, new Utf8()) }).batches[0]!;
    const t = new Table([batch([null, null], [null, null]), batch([7n, -2n], ['m', 'zz']), batch([3n, 11n], ['a', 'k'])]);
    expect(chunkStats(t)).toEqual({ id: { nulls: 2, min: '-2', max: '11' }, name: { nulls: 2, min: 'a', max: 'zz' } });
  });

  it('starts the bounds at the first valid value after leading nulls, in slices too', () => {
    const t = new Table({
      id: vectorFromArray([null, null, 4n, -1n, null, 8n], new Int64()),
      name: vectorFromArray([null, 'q', null, 'b', 'x', null], new Utf8()),
      v: vectorFromArray([null, null, null, 2.5, -1, null], new Float64()),
    });
    expect(chunkStats(t)).toEqual({ id: { nulls: 3, min: '-1', max: '8' }, name: { nulls: 3, min: 'b', max: 'x' }, v: { nulls: 4, min: -1, max: 2.5 } });
    expect(chunkStats(t.slice(2, 5))).toEqual({ id: { nulls: 1, min: '-1', max: '4' }, name: { nulls: 1, min: 'b', max: 'x' }, v: { nulls: 1, min: -1, max: 2.5 } });
  });

  it('omits min and max for an all-null column', () => {
    const t = tableFromArrays({ v: new Float64Array([NaN, NaN]) });
    expect(chunkStats(t)).toEqual({ v: { nulls: 0 } });
  });
});
