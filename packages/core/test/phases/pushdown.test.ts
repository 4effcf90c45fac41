import { phaseConformance } from './conformance.js';

phaseConformance('pushdown');

// Pushdown-specific: the filter skips chunks by statistics (counted through the chunk files read).
import { describe, expect, it } from 'vitest';

import { nativeStatus } from '../../src/index.js';
import { narrowTable } from '../fixtures.js';
import { manifestOf, withTempStore } from '../helpers.js';

describe.skipIf(!nativeStatus().available)('pushdown', () => {
  it('reads no chunk that statistics rule out', async () => {
    await withTempStore(async (store, dir) => {
      await store.write('n', narrowTable(10_000), { chunkRows: 1000 });
      const { rm } = await import('node:fs/promises');
      const { objectPath } = await import('../../src/backend/layout.js');
      const m = await manifestOf(store, 'n');
      for (const c of m.chunks.slice(1)) await rm(objectPath(dir, c.id)); // only chunk 0 remains
      const t = await store.read('n', { filter: { column: 'id', op: '<', value: 10n } });
      expect(t.numRows).toBe(10);
    }, { phase: 'pushdown' });
  });
});
