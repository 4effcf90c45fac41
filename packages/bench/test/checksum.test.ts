import { describe, expect, it } from 'vitest';
import { Binary, Dictionary, Field, FixedSizeList, Float64, Int32, List, Struct, Table, TimeMillisecond, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { tableChecksum } from '../src/checksum.js';
import { filterRows } from '../src/filter.js';
import { bytesTable, mixedTable, nestedTable } from './helpers.js';

/** Re-batch a table into batches of `size` rows. */
function rebatch(t: Table, size: number): Table {
  const parts: Table[] = [];
  for (let i = 0; i < t.numRows; i += size) parts.push(t.slice(i, Math.min(t.numRows, i + size)));
  return parts.reduce((a, b) => a.concat(b));
}

describe('tableChecksum', () => {
  const t = mixedTable(1000);
  const sum = tableChecksum(t);

  it('is a sha256 hex digest and deterministic', () => {
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    expect(tableChecksum(mixedTable(1000))).toBe(sum);
  });

  it('does not depend on batch boundaries, slicing or IPC framing', () => {
    expect(tableChecksum(rebatch(t, 97))).toBe(sum);
    expect(tableChecksum(tableFromIPC(tableToIPC(t, 'stream')))).toBe(sum);
    expect(tableChecksum(t.slice(0, 500).concat(t.slice(500)))).toBe(sum);
  });

  it('does not depend on the timestamp unit (ms and us of the same instants)', () => {
    expect(tableChecksum(mixedTable(1000, { timestampUnit: 'us' }))).toBe(sum);
  });

  it('changes with one value, one null, the column names and the row count', () => {
    const f = Float64Array.from(t.getChild('f')!.toArray() as Float64Array);
    f[500] = f[500]! + 1e-12;
    const changed = new Table({ ...Object.fromEntries(t.schema.fields.map((x) => [x.name, t.getChild(x.name)!])), f: vectorFromArray(f) });
    expect(tableChecksum(changed)).not.toBe(sum);
    const strs = Array.from(t.getChild('s')!, (v) => v as string | null);
    strs[5] = ''; // was null: an empty string must differ from a null
    const nulled = new Table({ ...Object.fromEntries(t.schema.fields.map((x) => [x.name, t.getChild(x.name)!])), s: vectorFromArray(strs, new Utf8()) });
    expect(tableChecksum(nulled)).not.toBe(sum);
    expect(tableChecksum(t.slice(0, 999))).not.toBe(sum);
    expect(tableChecksum(t.select(['id', 'f']))).not.toBe(tableChecksum(t.select(['f', 'id'])));
  });

  it('puts rows in id order when ids are out of order, and is order-sensitive otherwise', () => {
    const swapped = t.slice(500).concat(t.slice(0, 500));
    expect(tableChecksum(swapped)).toBe(sum);
    const noId = t.select(['i32', 's']);
    expect(tableChecksum(noId.slice(500).concat(noId.slice(0, 500)))).not.toBe(tableChecksum(noId));
  });

  it('checksums a row selection as the table made of those rows', () => {
    const rows = filterRows(t, { and: [{ column: 'id', op: '>=', value: 100 }, { column: 'id', op: '<', value: 200 }] });
    expect(rows.length).toBe(100);
    expect(tableChecksum(t, rows)).toBe(tableChecksum(t.slice(100, 200)));
  });

  it('covers binary, fixed-size binary and decimal columns, nulls included', () => {
    const b = bytesTable(1000);
    const sum = tableChecksum(b);
    expect(tableChecksum(rebatch(b, 97))).toBe(sum);
    expect(tableChecksum(tableFromIPC(tableToIPC(b, 'stream')))).toBe(sum);
    expect(tableChecksum(b.slice(0, 500).concat(b.slice(500)))).toBe(sum);
    for (const column of ['blob', 'fixed', 'price']) {
      const cut = (t: Table) => tableChecksum(t.select([column]));
      // the same column with its rows rotated by one: every value moves
      expect(cut(b.slice(1).concat(b.slice(0, 1))), column).not.toBe(cut(b));
    }
    // fixed-size binary counts as binary: the same bytes as a variable-width column checksum alike
    const fixedAsBinary = new Table({ fixed: vectorFromArray(Array.from(b.getChild('fixed')!, (v) => v as Uint8Array | null), new Binary()) });
    expect(tableChecksum(fixedAsBinary)).toBe(tableChecksum(b.select(['fixed'])));
  });

  it('refuses a type it has no canonical form for, naming the column', () => {
    const t = new Table({ id: vectorFromArray([1, 2], new Int32()), at: vectorFromArray([1000, 2000], new TimeMillisecond()) });
    expect(() => tableChecksum(t)).toThrow('checksum: unsupported type of column "at": Time32<MILLISECOND> (supported: integers, floats, strings, binaries, decimals, bools, timestamps, dates, and lists and structs of them)');
  });

  it('treats dictionary-encoded strings like plain strings', () => {
    const values = ['a', 'b', null, 'a', 'c'];
    const plain = new Table({ s: vectorFromArray(values, new Utf8()) });
    const dict = new Table({ s: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())) });
    expect(tableChecksum(dict)).toBe(tableChecksum(plain));
  });

  describe('nested columns', () => {
    const nested = nestedTable(1000);
    const nestedSum = tableChecksum(nested);

    it('do not depend on batch boundaries, slicing, IPC framing or the order of ids', () => {
      expect(tableChecksum(rebatch(nested, 97))).toBe(nestedSum);
      expect(tableChecksum(tableFromIPC(tableToIPC(nested, 'stream')))).toBe(nestedSum);
      expect(tableChecksum(nested.slice(0, 500).concat(nested.slice(500)))).toBe(nestedSum);
      expect(tableChecksum(nested.slice(500).concat(nested.slice(0, 500)))).toBe(nestedSum);
      for (const column of ['ints', 'pairs', 'st', 'entries']) {
        const cut = (t: Table) => tableChecksum(t.select([column]));
        expect(cut(nested.slice(1).concat(nested.slice(0, 1))), column).not.toBe(cut(nested));
      }
    });

    it('see every element, every null, and where each list ends', () => {
      const list = (rows: ((number | null)[] | null)[]) => tableChecksum(new Table({ l: vectorFromArray(rows, new List(new Field('item', new Int32(), true))) }));
      const base = list([[1, 2], [3], [], null]);
      expect(list([[1, 2], [3], [], null])).toBe(base);
      expect(list([[1], [2, 3], [], null])).not.toBe(base); // an element moved to the next list
      expect(list([[1, 2], [3], null, null])).not.toBe(base); // an empty list became null
      expect(list([[1, null], [3], [], null])).not.toBe(base);
      expect(list([[1, 2], [4], [], null])).not.toBe(base);
    });

    it('checksum a fixed-size list like a list of the same values, whatever the item is called', () => {
      const rows = [[1.5, 2], null, [3, -0]];
      const fixed = new Table({ l: vectorFromArray(rows, new FixedSizeList(2, new Field('item', new Float64(), true))) });
      const variable = new Table({ l: vectorFromArray(rows, new List(new Field('element', new Float64(), true))) });
      expect(tableChecksum(fixed)).toBe(tableChecksum(variable));
    });

    it('hide the fields of a null struct, and see field names, values and which rows are null', () => {
      const struct = (values: number[], valid: number, name = 'n') => {
        const child = makeData({ type: new Int32(), length: 3, nullCount: 0, data: Int32Array.from(values) });
        const type = new Struct([new Field(name, new Int32(), true)]);
        return tableChecksum(new Table({ st: makeVector(makeData({ type, length: 3, nullCount: 1, nullBitmap: Uint8Array.of(valid), children: [child] })) }));
      };
      const base = struct([1, 2, 3], 0b101); // row 1 is null
      expect(struct([1, 99, 3], 0b101)).toBe(base);
      expect(struct([1, 2, 4], 0b101)).not.toBe(base);
      expect(struct([1, 2, 3], 0b011)).not.toBe(base);
      expect(struct([1, 2, 3], 0b101, 'm')).not.toBe(base);
    });
  });
});

describe('filterRows', () => {
  it('uses SQL semantics: comparisons with null are false', () => {
    const t = mixedTable(30);
    const rows = filterRows(t, { column: 'i32', op: '!=', value: 0 });
    // i32 is null at i % 7 === 3 (rows 3, 10, 17, 24): excluded although "!= 0" would hold in JS
    expect(Array.from(rows)).not.toContain(3);
    expect(rows.length).toBe(30 - 4);
  });
});
