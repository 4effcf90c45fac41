import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../src/errors.js';
import { parseWhere } from '../src/table/where.js';

describe('parseWhere', () => {
  it('reads comparisons, lists, ranges and nulls with SQL precedence', () => {
    expect(parseWhere("value < 0.04 AND (city = 'Oslo' OR id IN (1, 2))")).toEqual({
      and: [
        { column: 'value', op: '<', value: 0.04 },
        { or: [{ column: 'city', op: '=', value: 'Oslo' }, { column: 'id', op: 'in', values: [1, 2] }] },
      ],
    });
    expect(parseWhere('a = 1 OR b = 2 AND c = 3')).toEqual({ or: [{ column: 'a', op: '=', value: 1 }, { and: [{ column: 'b', op: '=', value: 2 }, { column: 'c', op: '=', value: 3 }] }] });
    expect(parseWhere('not x is null')).toEqual({ not: { column: 'x', op: 'is null' } });
    expect(parseWhere('x IS NOT NULL')).toEqual({ column: 'x', op: 'is not null' });
    expect(parseWhere('n between -1 and 2.5e3')).toEqual({ and: [{ column: 'n', op: '>=', value: -1 }, { column: 'n', op: '<=', value: 2500 }] });
    expect(parseWhere('n NOT IN (1)')).toEqual({ not: { column: 'n', op: 'in', values: [1] } });
    expect(parseWhere('"odd name" <> \'it\'\'s\'')).toEqual({ column: 'odd name', op: '!=', value: "it's" });
    expect(parseWhere('flag = TRUE')).toEqual({ column: 'flag', op: '=', value: true });
    expect(parseWhere("day >= DATE '2024-03-01'")).toEqual({ column: 'day', op: '>=', value: new Date('2024-03-01T00:00:00Z') });
    expect(parseWhere('id = 9007199254740993')).toEqual({ column: 'id', op: '=', value: 9007199254740993n });
  });

  it('names what is wrong and where', () => {
    const cases: [string, string][] = [
      ['', 'empty condition'],
      ['value <', 'expected a value'],
      ['value 3', 'expected a comparison after column "value" at position 7'],
      ['(a = 1', 'expected ) at position 7'],
      ['a = 1 b', 'unexpected "b" at position 7'],
      ['a = @', 'unexpected "@" at position 5'],
      ["d = DATE 'nope'", 'expected a date in quotes'],
      ['a NOT = 1', 'expected IN or BETWEEN after NOT'],
    ];
    for (const [text, message] of cases) {
      expect(() => parseWhere(text)).toThrow(InvalidArgumentError);
      expect(() => parseWhere(text)).toThrow(message);
    }
  });
});
