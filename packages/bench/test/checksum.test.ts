import { describe, expect, it } from 'vitest';
import { Binary, TimeMillisecond, Table, tableFromIPC, tableToIPC, vectorFromArray, Utf8, Dictionary, Int32 } from 'apache-arrow';
import { tableChecksum } from '../src/checksum.js';
import { filterRows } from '../src/filter.js';
import { bytesTable, mixedTable } from './helpers.js';

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
    expect(() => tableChecksum(t)).toThrow('checksum: unsupported type of column "at": Time32<MILLISECOND> (supported: integers, floats, strings, binaries, decimals, bools, timestamps, dates)');
  });

  it('treats dictionary-encoded strings like plain strings', () => {
    const values = ['a', 'b', null, 'a', 'c'];
    const plain = new Table({ s: vectorFromArray(values, new Utf8()) });
    const dict = new Table({ s: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())) });
    expect(tableChecksum(dict)).toBe(tableChecksum(plain));
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
