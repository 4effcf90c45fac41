import { Float16, Float64, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { encodeChunk } from '../src/table/parquet-codec.js';
import { encodedChunkStats } from '../src/table/parquet-stats.js';
import { chunkStats, type ChunkStats } from '../src/table/stats.js';
import { allTypesTable, dictionaryPolicyTable, statsEdgeTable } from './fixtures.js';

const encode = (t: Table) => encodeChunk(t, 'snappy', Math.max(t.numRows, 1));
/** As a manifest stores statistics: JSON, where -0 and 0 are one number (Parquet records a zero minimum as -0). */
const stored = (s: ChunkStats) => JSON.parse(JSON.stringify(s)) as ChunkStats;

describe('encodedChunkStats', () => {
  it('equals the statistics computed from the values, for every type and edge case', async () => {
    for (const t of [allTypesTable(), statsEdgeTable(), dictionaryPolicyTable(3000, 3), dictionaryPolicyTable(3000, 3).slice(700, 2900)]) {
      expect(stored(encodedChunkStats(t, await encode(t)))).toEqual(stored(chunkStats(t)));
    }
  });

  it('takes min/max from the footer where exact, and computes the rest from the values', async () => {
    const table = (ids: bigint[], names: string[], halves: number[]) =>
      new Table({ id: vectorFromArray(ids, new Int64()), name: vectorFromArray(names, new Utf8()), half: vectorFromArray(halves, new Float16()), v: vectorFromArray(halves, new Float64()) });
    const long = 'x'.repeat(70);
    const footerOf = table([10n, 20n], [`${long}a`, `${long}b`], [0.5, 1.5]);
    const values = table([1n, 2n], [`${long}c`, `${long}d`], [2.5, 3.5]);
    // Statistics of `values` against the footer of another chunk show which side each column came from:
    // id and v from the footer; name (truncated in the footer) and half (Float16) from the values.
    expect(encodedChunkStats(values, await encode(footerOf))).toEqual({
      id: { nulls: 0, min: '10', max: '20' },
      name: { nulls: 0, min: `${long}c`, max: `${long}d` },
      half: { nulls: 0, min: 2.5, max: 3.5 },
      v: { nulls: 0, min: 0.5, max: 1.5 },
    });
  });
});
