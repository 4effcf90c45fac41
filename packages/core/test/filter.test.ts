import { Dictionary, Int32, LargeUtf8, Table, Uint64, Utf8, makeBuilder, vectorFromArray, type DataType } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { filterMask, type Filter, type Scalar } from '../src/table/filter.js';
import { rebatched } from './fixtures.js';

function column<T extends DataType>(type: T, values: unknown[]) {
  const b = makeBuilder({ type, nullValues: [null] });
  for (const v of values) b.append(v as never);
  return b.finish().toVector();
}

const rows = 40;
const pick = <T>(f: (i: number) => T) => Array.from({ length: rows }, (_, i) => (i % 7 === 3 ? null : f(i)));
const words = ['HA', 'AA', 'Ñandú', '', 'HAA', '𝄞'];
const table = new Table({
  i32: vectorFromArray(pick((i) => (i % 5) - 2), new Int32()),
  f64: vectorFromArray(pick((i) => (i % 6 === 1 ? NaN : i / 4))),
  i64: vectorFromArray(pick((i) => BigInt(i * 3 - 50) * (i % 4 === 0 ? 2n ** 41n : 1n))),
  u64: column(new Uint64(), pick((i) => (i % 2 ? 2n ** 63n : 0n) + BigInt(i) * 2n ** 40n + BigInt(i % 3) * 2n ** 12n)), // exact as doubles too
  s: column(new Utf8(), pick((i) => words[i % words.length])),
  ls: column(new LargeUtf8(), pick((i) => words[(i * 5) % words.length])),
  d: column(new Dictionary(new Utf8(), new Int32()), pick((i) => words[(i * 2) % words.length])),
});

/** The definition: SQL nulls (no comparison matches one), NaN orders with nothing, kinds must agree. */
function expected(filter: Filter, row: Record<string, unknown>): boolean {
  const f = filter as Record<string, unknown>;
  if (f.and) return (f.and as Filter[]).every((g) => expected(g, row));
  if (f.or) return (f.or as Filter[]).some((g) => expected(g, row));
  if (f.not) return !expected(f.not as Filter, row);
  const leaf = filter as { column: string; op: string; value?: Scalar; values?: Scalar[] };
  const v = row[leaf.column];
  if (leaf.op === 'is null') return v === null;
  if (leaf.op === 'is not null') return v !== null;
  const cmp = (x: Scalar): number | undefined => {
    if (v === null) return undefined;
    const [a, b] = typeof v === 'bigint' || typeof x === 'bigint' ? [Number(v), Number(x)] : [v, x];
    if (typeof a !== typeof b) return undefined;
    if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  };
  if (leaf.op === 'in') return leaf.values!.some((x) => cmp(x) === 0);
  const c = cmp(leaf.value!);
  if (c === undefined) return false;
  return { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[leaf.op]!;
}

const filters: Filter[] = [
  { column: 'i32', op: '=', value: 0 }, { column: 'i32', op: '>=', value: 1 }, { column: 'i32', op: 'in', values: [-2, 2] },
  { column: 'i32', op: '!=', value: 0 }, { column: 'i32', op: '<', value: 1n }, { column: 'i32', op: '=', value: 'x' },
  { column: 'f64', op: '>', value: 2 }, { column: 'f64', op: '!=', value: 1.25 }, { column: 'f64', op: '=', value: NaN },
  { column: 'f64', op: '<=', value: 0.5 }, { column: 'f64', op: 'is null' },
  { column: 'i64', op: '<', value: 0n }, { column: 'i64', op: '=', value: -47n }, { column: 'i64', op: 'in', values: [-50n, 7n, 10n] },
  { column: 'i64', op: '>', value: 10 }, { column: 'i64', op: 'is not null' }, { column: 'i64', op: 'in', values: [-47, 4, 7n] },
  { column: 'i64', op: '<=', value: 2.5 }, { column: 'i64', op: '>=', value: -(2n ** 41n) * 38n }, { column: 'i64', op: '<', value: 2n ** 70n },
  { column: 'i64', op: '>', value: -(2n ** 64n) }, { column: 'i64', op: '!=', value: -26 * 2 ** 41 },
  { column: 'u64', op: '>', value: 2n ** 63n + 5n * 2n ** 40n }, { column: 'u64', op: '<=', value: 3n * 2n ** 40n + 2n ** 12n }, { column: 'u64', op: '=', value: -1n },
  { column: 'u64', op: '!=', value: 2n ** 64n }, { column: 'i64', op: '=', value: NaN }, { column: 'i64', op: '!=', value: NaN },
  { column: 's', op: '=', value: 'HA' }, { column: 's', op: '!=', value: 'HA' }, { column: 's', op: 'in', values: ['', '𝄞', 'zz'] },
  { column: 's', op: '<', value: 'HA' }, { column: 's', op: '=', value: 5 },
  { column: 'ls', op: '=', value: 'Ñandú' }, { column: 'ls', op: '!=', value: '' }, { column: 'ls', op: '>=', value: 'HA' },
  { column: 'd', op: '=', value: 'HA' }, { column: 'd', op: '!=', value: 'AA' }, { column: 'd', op: 'in', values: ['HAA', ''] },
  { column: 'd', op: '>', value: 'B' }, { column: 'd', op: 'is null' },
  { and: [{ column: 's', op: '=', value: 'HA' }, { column: 'i32', op: '>', value: -2 }] },
  { or: [{ column: 'd', op: '=', value: '𝄞' }, { not: { column: 'f64', op: '<', value: 5 } }] },
];

describe('filterMask', () => {
  it('matches the definition for every operator and column type, on sliced and whole batches', () => {
    const all = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    for (const input of [table, rebatched(table, 9)]) {
      expect(input.batches.some((b) => b.data.children[0]!.offset > 0) || input === table).toBe(true);
      for (const filter of filters) {
        const mask = input.batches.flatMap((b) => [...filterMask(filter, b)]);
        expect(mask, JSON.stringify(filter, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(all.map((r) => (expected(filter, r) ? 1 : 0)));
      }
    }
  });
});
