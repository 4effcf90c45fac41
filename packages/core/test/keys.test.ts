import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { DuplicateKeyError } from '../src/index.js';
import { rebatched } from './fixtures.js';
import { withTempStore } from './helpers.js';

const rows = (ids: number[], names = ids.map((i) => `n${i}`)) => tableFromArrays({ id: BigInt64Array.from(ids.map(BigInt)), name: names });

describe('declared keys', () => {
  it('are unique across two appends that land side by side: the one that rebases onto the other is refused', async () => {
    await withTempStore(async (store) => {
      await store.write('t', rows([1, 2]), { keys: ['id'] });
      const [a, b, c] = [await store.begin(), await store.begin(), await store.begin()];
      await a.write('t', rows([3, 4]), { mode: 'append' });
      await b.write('t', rows([5, 4]), { mode: 'append' });
      await c.write('t', rows([6]), { mode: 'append' });
      await a.commit('a');
      // b saw no 4 in the table, but a appended one meanwhile: its rebase is refused, naming the key.
      await expect(b.commit('b')).rejects.toThrow(DuplicateKeyError);
      await expect(b.commit('b')).rejects.toThrow(/already committed|aborted/);
      await c.commit('c'); // no key in common: rebases
      expect((await store.read('t')).getChild('id')!.toArray()).toEqual(BigInt64Array.from([1n, 2n, 3n, 4n, 6n]));
    });
  });

  it('are unique on every write: in memory, streamed, appended and across key columns', async () => {
    await withTempStore(async (store) => {
      await store.write('t', rows([1, 2, 3]), { keys: ['id'] });
      const head = (await store.log())[0]!.commit;
      const streamed = rows([5, 6, 7, 6]);
      const attempts: [string, () => Promise<unknown>, string][] = [
        ['overwrite in memory', () => store.write('t', rows([1, 2, 2])), 'key id = 2 appears twice in "t"'],
        ['overwrite streamed', () => store.write('t', { schema: streamed.schema, batches: rebatched(streamed, 2).batches[Symbol.iterator]() }), 'key id = 6'],
        ['append of a key the table has', () => store.write('t', rows([4, 3]), { mode: 'append' }), 'key id = 3'],
        ['a new table declaring keys', () => store.write('u', rows([9, 9]), { keys: ['id'] }), 'key id = 9'],
        ['two key columns', () => store.write('v', rows([1, 1], ['a', 'a']), { keys: ['id', 'name'] }), 'key id = 1, name = a'],
      ];
      for (const [what, attempt, message] of attempts) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect({ what, error }).toEqual({ what, error: expect.any(DuplicateKeyError) });
        expect((error as Error).message).toContain(message);
      }
      expect((await store.log())[0]!.commit).toBe(head);
      expect((await store.tables()).map((t) => t.name)).toEqual(['t']);
      // Without declared keys, or with the duplicate gone, writes go through.
      await store.write('w', rows([1, 1]));
      await store.write('v', rows([1, 1], ['a', 'b']), { keys: ['id', 'name'] });
      expect((await store.write('t', rows([4, 5]), { mode: 'append' })).rows).toBe(2);
    });
  });
});
