import { Blob } from 'node:buffer';

import * as pw from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';

import { columnsWithoutDictionary, DISTINCT_HEAD_ROWS } from '../src/table/dictionary-policy.js';
import { encodeChunk } from '../src/table/parquet-codec.js';
import { dictionaryPolicyTable } from './fixtures.js';

const WITHOUT = ['f64', 'unique_i64', 'cycle_i32', 'unique_u64', 'ts_ns', 'd32', 'd64', 'names', 'large_names'];

describe('columnsWithoutDictionary', () => {
  it('names floats and the columns whose first 1024 rows are valid and distinct', () => {
    expect(columnsWithoutDictionary(dictionaryPolicyTable(4000))).toEqual(WITHOUT);
  });

  it('reads the head across record batches and from sliced ones', () => {
    expect(columnsWithoutDictionary(dictionaryPolicyTable(4000, 7))).toEqual(WITHOUT);
    const t = dictionaryPolicyTable(6000, 3);
    // Rows 1000..2999, a head across the batch boundary at row 2000: `nullable_i64`'s null (row 7) is
    // left behind, `repeat_i32` still repeats inside it (at row 2000).
    expect(columnsWithoutDictionary(t.slice(1000, 3000))).toEqual([...WITHOUT, 'nullable_i64']);
  });

  it('keeps the dictionary when a chunk is too short to judge', () => {
    expect(columnsWithoutDictionary(dictionaryPolicyTable(DISTINCT_HEAD_ROWS - 1))).toEqual(['f64']);
  });

  it('is what the encoder does: no dictionary page for those columns, one for the others', async () => {
    const t = dictionaryPolicyTable(3000);
    const file = await pw.ParquetFile.fromFile(new Blob([await encodeChunk(t, 'snappy', 3000)]) as unknown as globalThis.Blob);
    const columns = file.metadata().rowGroup(0).columns();
    const dictionary = columns.filter((c) => c.encodings().includes(pw.Encoding.RLE_DICTIONARY)).map((c) => c.columnPath().join('.'));
    expect(dictionary).toEqual(['repeat_i32', 'i8', 'tags', 'nullable_i64']);
  });
});
