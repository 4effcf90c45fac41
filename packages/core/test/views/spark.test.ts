/**
 * Spark, the engine users scale out to, reads the Delta Lake and Iceberg views of every version:
 * one Spark session (local mode, started once for the file) reads them all.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { withTempStore } from '../helpers.js';
import { readWithSpark, type SparkView } from './engines.js';
import { typedRows } from './tables.js';

/** Columns both formats hold, with the timestamp zone Iceberg reads (UTC). */
const COLUMNS = ['i8', 'i16', 'i32', 'i64', 'f32', 'f64', 'flag', 's', 'ls', 'bin', 'dict', 'ts_ms', 'd32', 'dec', 'list', 'obj'];

const typed = (from: number, to: number): Table => typedRows(from, to, COLUMNS);

describe('Spark reads the views', () => {
  it('reads every version of a table with appends, deletes, updates and an added column, in Delta Lake and Iceberg', async () => {
    await withTempStore(async (store, root) => {
      await store.write('t', typed(0, 9), { chunkRows: 3, keys: ['k'] });
      await store.write('t', typed(9, 14), { mode: 'append' });
      await store.transaction((tx) => tx.delete('t', { column: 'k', op: 'in', values: [1, 10] }));
      await store.transaction((tx) => tx.update('t', typed(4, 6).slice(0, 1), { on: ['k'] }).then(() => undefined));
      await store.transaction((tx) => tx.addColumns('t', tableFromArrays({ note: Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? null : `n${i}`)) })));
      const expected = await Promise.all([1, 2, 3, 4, 5].map((version) => store.read('t', { version })));

      const delta = await store.publish('t', join(root, 'delta'), { history: true });
      const iceberg = await store.publish('t', join(root, 'iceberg'), { format: 'iceberg', history: true });
      const views: SparkView[] = [
        { format: 'delta', dir: delta.dir, versions: delta.published.map((p, i) => ({ version: p.deltaVersion, expected: expected[i]! })) },
        { format: 'iceberg', dir: iceberg.dir, versions: iceberg.published.map((p, i) => ({ version: p.snapshotId, expected: expected[i]! })) },
      ];
      const scratch = join(root, 'scratch');
      await mkdir(scratch);
      const verdicts = await readWithSpark(views, scratch);
      for (const view of views) {
        expect(verdicts[view.dir]).toEqual(Object.fromEntries(view.versions.map((v) => [String(v.version), 'ok'])));
      }
    });
  }, 900_000);
});
