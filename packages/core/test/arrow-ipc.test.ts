import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { tableFromIpcBytes, tableToIpcPieces, tableToIpcStream } from '../src/table/arrow-ipc.js';
import { allTypesTable, narrowTable, rowsOf } from './fixtures.js';

describe('tableToIpcPieces', () => {
  it('emits the bytes of tableToIpcStream, in pieces that view the table instead of copying it', async () => {
    const narrow = narrowTable(1000);
    const sliced = new Table([...narrow.slice(100, 400).batches, ...narrow.slice(700).batches]);
    for (const table of [allTypesTable(), sliced, new Table(narrow.schema)]) {
      const pieces = await tableToIpcPieces(table);
      expect(Buffer.concat(pieces).equals(tableToIpcStream(table))).toBe(true);
      expect(rowsOf(tableFromIpcBytes(Buffer.concat(pieces)))).toEqual(rowsOf(table));
    }
    const values = narrow.getChild('value')!.data[0]!.values as Float64Array;
    const pieces = await tableToIpcPieces(narrow);
    expect(pieces.some((p) => p.buffer === values.buffer)).toBe(true);
  });
});
