import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { combineBatches } from '../src/table/concat.js';
import { sliceIntoChunks, sliceIntoRuns } from '../src/table/source.js';
import { narrowTable, rebatched, twoDictionaries } from './fixtures.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The rows of each chunk of a run, as [batch index, rows] of the batch that holds it. */
function chunkHomes(run: Table, chunkRows: number): [number, number][] {
  const homes: [number, number][] = [];
  let start = 0;
  run.batches.forEach((b, i) => {
    expect(b.numRows % chunkRows === 0 || i === run.batches.length - 1, `batch ${i} ends inside a chunk`).toBe(true);
    for (let at = 0; at < b.numRows; at += chunkRows) homes.push([i, Math.min(chunkRows, b.numRows - at)]);
    start += b.numRows;
  });
  expect(start).toBe(run.numRows);
  return homes;
}

describe('sliceIntoRuns', () => {
  it('keeps the rows and the chunks of sliceIntoChunks, each chunk inside one batch', async () => {
    const t = narrowTable(10_000);
    for (const input of [t, rebatched(t, 7), rebatched(t, 333), rebatched(t, 1000), rebatched(t, 4999)]) {
      const runs = await collect(sliceIntoRuns(input, 1000, 3));
      expect(runs.map((r) => r.numRows)).toEqual([3000, 3000, 3000, 1000]);
      const chunks = await collect(sliceIntoChunks(input, 1000));
      expect(runs.flatMap((r) => chunkHomes(r, 1000)).map(([, rows]) => rows)).toEqual(chunks.map((c) => c.numRows));
      expect(new Table(runs.flatMap((r) => r.batches))).toEqualTable(t);
    }
  });

  it('passes batches that hold whole chunks on unsliced, and cuts a big one only where a run ends', async () => {
    const input = rebatched(narrowTable(9000), 2000); // 2000, 2000, 2000, 2000, 1000
    const runs = await collect(sliceIntoRuns(input, 1000, 4));
    expect(runs.map((r) => r.batches.map((b) => b.numRows))).toEqual([[2000, 2000], [2000, 2000], [1000]]);
    expect(runs[0]!.batches[0]).toBe(input.batches[0]);
    expect(runs[1]!.batches[1]).toBe(input.batches[3]);
    const one = narrowTable(9000);
    expect((await collect(sliceIntoRuns(one, 1000, 4))).map((r) => r.numRows)).toEqual([4000, 4000, 1000]);
    expect((await collect(sliceIntoRuns(one, 1000, 10)))[0]!.batches[0]).toBe(one.batches[0]);
  });

  it('keeps every row of a chunk whose batches have different dictionaries', async () => {
    const t = twoDictionaries();
    expect(new Table(combineBatches(t))).toEqualTable(t);
    const runs = await collect(sliceIntoRuns(t, 10, 2));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toEqualTable(t);
  });

  it('yields nothing for an empty source', async () => {
    expect(await collect(sliceIntoRuns({ schema: narrowTable(1).schema, batches: [] }, 10, 2))).toEqual([]);
  });
});
