import { rm } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { ChunkNotFoundError, nativeStatus } from '../../src/index.js';
import { objectPath } from '../../src/backend/layout.js';
import { MapWindow } from '../../src/phases/map-window.js';
import type { NativeBinding } from '../../src/phases/native-binding.js';
import { narrowTable } from '../fixtures.js';
import { manifestOf, withTempStore } from '../helpers.js';

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

  it('reads on after a read that failed half-way through its chunks', async () => {
    await withTempStore(async (store, dir) => {
      const t = narrowTable(40_000);
      await store.write('t', t, { chunkRows: 10_000 });
      await store.write('u', narrowTable(40_000, 2), { chunkRows: 10_000 });
      await rm(objectPath(dir, (await manifestOf(store, 'u')).chunks[2]!.id));
      await expect(store.read('u')).rejects.toBeInstanceOf(ChunkNotFoundError);
      expect(await store.read('t')).toEqualTable(t);
    }, { phase });
  });
});

describe('MapWindow', () => {
  it('reads through mapChunks, which copies, once the runtime refuses the region', async () => {
    const calls: string[] = [];
    const chunks = [Buffer.from('first'), Buffer.from('second')];
    const native = {
      mapRegionBytes: (sizes: number[]) => sizes.length * 4096,
      reserveMapRegion: () => (calls.push('reserve'), null),
      mapChunks: async (_root: string, ids: string[]) => (calls.push(`mapChunks ${ids.join(',')}`), chunks),
    } as unknown as NativeBinding;
    const window = new MapWindow(native, '/root');
    const refs = [{ id: 'a', bytes: 5, rows: 1, stats: {} }, { id: 'b', bytes: 6, rows: 1, stats: {} }];
    for (let i = 0; i < 2; i++) expect(await window.read(refs, false, (views) => views.map(String))).toEqual(['first', 'second']);
    expect(calls).toEqual(['reserve', 'mapChunks a,b', 'mapChunks a,b']);
  });
});
