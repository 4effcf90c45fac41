import { describe, expect, it } from 'vitest';

import { nativeStatus } from '../../src/index.js';
import { narrowTable } from '../fixtures.js';
import { withTempStore } from '../helpers.js';

// The phases that read through map windows (src/phases/map-window.ts): each read in flight needs its
// own region, and a read larger than the last needs a larger one.
describe.skipIf(!nativeStatus().available).each(['mmap', 'parallel-parse'] as const)('%s reads through map windows', (phase) => {
  it('keeps reads in flight at once apart, and grows the region for a larger read', async () => {
    await withTempStore(async (store) => {
      const small = narrowTable(1000);
      const large = narrowTable(300_000);
      await store.write('small', small);
      await store.write('large', large, { chunkRows: 65_536 });
      const [a, b, c] = await Promise.all([store.read('large'), store.read('small'), store.read('large')]);
      expect(a).toEqualTable(large);
      expect(b).toEqualTable(small);
      expect(c).toEqualTable(large);
      expect(await store.read('small')).toEqualTable(small);
      expect(await store.read('large')).toEqualTable(large);
      expect(await store.read('large', { columns: ['value'] })).toEqualTable(large.select(['value']));
    }, { phase });
  });
});
