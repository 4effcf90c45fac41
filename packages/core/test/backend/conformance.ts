/**
 * One suite for every implementation of the object-I/O port (src/backend/backend.ts): the local
 * directory, S3, and (objects only) the addon's writer and reader of the local layout. Each rule of
 * the port's contract has a test here; `<backend>.test.ts` runs it.
 */
import { describe, expect, it } from 'vitest';

import type { ObjectBackend } from '../../src/backend/backend.js';
import { hashBytes } from '../../src/internals.js';

/** A fresh, empty store's backend (with its marker), and a way to make an object look old. */
export interface BackendFixture {
  open(): Promise<ObjectBackend>;
  /** Sets the age gc sees for object `id` (a local file's mtime); undefined where the medium cannot. */
  age?(backend: ObjectBackend, id: string, ms: number): Promise<void>;
  close?(backend: ObjectBackend): Promise<void>;
}

const commitA = 'a'.repeat(64);
const commitB = 'b'.repeat(64);
const commitC = 'c'.repeat(64);

export function backendConformance(name: string, fixture: BackendFixture | undefined, skip: false | string = false): void {
  describe.skipIf(!!skip || !fixture)(`object-I/O port: ${name}`, () => {
    const withBackend = async (fn: (b: ObjectBackend) => Promise<void>) => {
      const b = await fixture!.open();
      try {
        await fn(b);
      } finally {
        await fixture!.close?.(b);
      }
    };
    const object = (text: string) => {
      const bytes = Buffer.from(text);
      return { id: hashBytes(bytes), bytes };
    };

    it('stores objects once, returns them whole, and says which puts wrote', async () => {
      await withBackend(async (b) => {
        const o = object('hello port');
        expect(await b.putObject(o.id, o.bytes)).toEqual({ id: o.id, written: true, bytes: o.bytes.length });
        expect(await b.putObject(o.id, o.bytes)).toEqual({ id: o.id, written: false, bytes: o.bytes.length });
        expect(Buffer.from((await b.getObject(o.id))!).toString()).toBe('hello port');
        expect(await b.hasObject(o.id)).toBe(true);
        const missing = object('never stored');
        expect(await b.getObject(missing.id)).toBeUndefined();
        expect(await b.hasObject(missing.id)).toBe(false);
        const batch = b.putBatch();
        const many = ['x', 'y', 'z'].map(object);
        expect((await Promise.all(many.map((m) => batch.put(m.id, m.bytes)))).map((r) => r.written)).toEqual([true, true, true]);
        await batch.finish();
        const got = await b.getObjects([many[2]!.id, missing.id, many[0]!.id]);
        expect(got.map((g) => (g ? Buffer.from(g).toString() : g))).toEqual(['z', undefined, 'x']);
        const listed = [];
        for await (const l of b.listObjects()) listed.push(l);
        expect(listed.map((l) => l.id).sort()).toEqual([o.id, ...many.map((m) => m.id)].sort());
        expect(listed.find((l) => l.id === o.id)!.bytes).toBe(o.bytes.length);
      });
    });

    it('refreshes an object a put finds, so that gc counts its age from then', async () => {
      await withBackend(async (b) => {
        const o = object('old and unreferenced');
        await b.putObject(o.id, o.bytes);
        if (fixture!.age) await fixture!.age(b, o.id, 2 * 3600_000);
        const before = await mtimeOf(b, o.id);
        await new Promise((r) => setTimeout(r, 1100)); // object stores keep times to the second
        expect((await b.putObject(o.id, o.bytes)).written).toBe(false);
        expect(await mtimeOf(b, o.id)).toBeGreaterThan(before);
        expect(await b.refreshObject(object('absent').id)).toBe(false);
      });
    });

    it('deletes an object only when it is older than asked', async () => {
      await withBackend(async (b) => {
        const o = object('delete me');
        await b.putObject(o.id, o.bytes);
        expect(await b.deleteObject(o.id, 3600_000)).toBe(false);
        expect(await b.hasObject(o.id)).toBe(true);
        expect(await b.deleteObject(o.id)).toBe(true);
        expect(await b.getObject(o.id)).toBeUndefined();
        expect(await b.deleteObject(o.id)).toBe(false);
      });
    });

    it('swaps refs only from the expected value, and logs every change', async () => {
      await withBackend(async (b) => {
        expect(await b.readRef('heads/main')).toBeUndefined();
        expect(await b.compareAndSwapRef('heads/main', undefined, commitA, { reason: 'create' })).toBe(true);
        expect(await b.compareAndSwapRef('heads/main', undefined, commitB)).toBe(false); // exists
        expect(await b.compareAndSwapRef('heads/main', commitB, commitC)).toBe(false); // not B
        expect(await b.readRef('heads/main')).toBe(commitA);
        expect(await b.compareAndSwapRef('heads/main', commitA, commitB, { reason: 'move' })).toBe(true);
        expect(await b.compareAndSwapRef('tags/v1', undefined, commitA)).toBe(true);
        expect(await b.listRefs('heads/')).toEqual(['heads/main']);
        expect(await b.listRefs('')).toEqual(['heads/main', 'tags/v1']);
        expect(await b.compareAndSwapRef('tags/v1', commitA, undefined, { reason: 'delete' })).toBe(true);
        expect(await b.readRef('tags/v1')).toBeUndefined();
        expect(await b.listRefs('tags/')).toEqual([]);
        const logs = await b.readRefLogs();
        expect(logs.get('heads/main')!.map((e) => [e.old, e.new, e.reason])).toEqual([[null, commitA, 'create'], [commitA, commitB, 'move']]);
        expect(logs.get('tags/v1')!.map((e) => [e.old, e.new])).toEqual([[null, commitA], [commitA, null]]);
      });
    });

    it('runs a swap\'s guard before the change, and a guard that throws changes nothing', async () => {
      await withBackend(async (b) => {
        let ran = 0;
        expect(await b.compareAndSwapRef('heads/g', undefined, commitA, { guard: async () => void ran++ })).toBe(true);
        expect(ran).toBe(1);
        const refuse = async () => {
          throw new Error('fenced');
        };
        await expect(b.compareAndSwapRef('heads/g', commitA, commitB, { guard: refuse })).rejects.toThrow('fenced');
        await expect(b.compareAndSwapRef('heads/h', undefined, commitB, { guard: refuse })).rejects.toThrow('fenced');
        expect(await b.readRef('heads/g')).toBe(commitA);
        expect(await b.readRef('heads/h')).toBeUndefined();
        expect(await b.listRefs('heads/')).toEqual(['heads/g']); // no half-created ref is left
        expect(await b.compareAndSwapRef('heads/h', undefined, commitB)).toBe(true); // nor blocks the name
      });
    });

    it('lets exactly one of many racing creators and movers win', async () => {
      await withBackend(async (b) => {
        const created = await Promise.all(Array.from({ length: 8 }, (_, i) => b.compareAndSwapRef('heads/race', undefined, (i % 2 ? commitA : commitB))));
        expect(created.filter(Boolean)).toHaveLength(1);
        const value = (await b.readRef('heads/race'))!;
        const moved = await Promise.all(Array.from({ length: 8 }, () => b.compareAndSwapRef('heads/race', value, commitC)));
        expect(moved.filter(Boolean)).toHaveLength(1);
      });
    });

    it('snapshots refs linearized with guarded swaps', async () => {
      await withBackend(async (b) => {
        await b.compareAndSwapRef('heads/main', undefined, commitA);
        // A swap whose guard waits: either the snapshot holds its result, or its guard ran after the
        // snapshot began. Run both orders many times.
        for (let round = 0; round < 6; round++) {
          const from = (await b.readRef('heads/main'))!;
          const to = from === commitA ? commitB : commitA;
          let snapshotStarted = false;
          let guardSawSnapshot = false;
          const swap = b.compareAndSwapRef('heads/main', from, to, {
            guard: async () => {
              await new Promise((r) => setTimeout(r, round % 2 ? 0 : 30));
              guardSawSnapshot = snapshotStarted;
            },
          });
          await new Promise((r) => setTimeout(r, round % 3 === 0 ? 0 : 10));
          snapshotStarted = true;
          const snapshot = await b.snapshotRefs();
          expect(await swap).toBe(true);
          expect(snapshot.get('heads/main') === to || guardSawSnapshot).toBe(true);
        }
      });
    });

    it('keeps records by compare-and-swap of their text', async () => {
      await withBackend(async (b) => {
        expect(await b.readRecord('r')).toBeUndefined();
        expect(await b.compareAndSwapRecord('r', 'x', 'one')).toBe(false);
        expect(await b.compareAndSwapRecord('r', undefined, 'one')).toBe(true);
        expect(await b.compareAndSwapRecord('r', undefined, 'two')).toBe(false);
        expect(await b.compareAndSwapRecord('r', 'one', 'two')).toBe(true);
        expect(await b.readRecord('r')).toBe('two');
        const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => b.compareAndSwapRecord('r', 'two', `three-${i}`)));
        expect(racing.filter(Boolean)).toHaveLength(1);
      });
    });

    it('has a marker, created once', async () => {
      await withBackend(async (b) => {
        const marker = await b.readMarker();
        expect(marker).toBeDefined();
        expect(await b.createMarker('{"format": 1}\n')).toBe(false);
        expect(await b.readMarker()).toBe(marker);
      });
    });
  });
}

async function mtimeOf(b: ObjectBackend, id: string): Promise<number> {
  for await (const o of b.listObjects()) if (o.id === id) return o.mtimeMs;
  throw new Error(`object ${id} not listed`);
}
