/** The port's conformance suite on the S3 backend, against the SeaweedFS server of test/s3, and what a commit costs there. */
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, inject, it } from 'vitest';

import { PENDING_MS, S3Backend } from '../../src/backend/s3-backend.js';
import { openStore } from '../../src/index.js';
import { freshLocation, s3Options } from '../s3/server.js';
import { backendConformance } from './conformance.js';

const server = inject('s3');

backendConformance(
  'S3',
  server
    ? {
        async open() {
          const b = new S3Backend(freshLocation(server), s3Options(server));
          await b.createMarker('{"format": 1}\n');
          return b;
        },
        close: async (b) => (b as S3Backend).close(),
      }
    : undefined,
  server ? false : 'the S3 suites are off (ARMILLARIA_S3=off)',
);

describe.skipIf(!server)('S3 store requests', () => {
  let next = 0; // every write new rows: a chunk found stored would cost a refresh (CopyObject)
  const rows = (n: number) => tableFromArrays({ id: Int32Array.from({ length: n }, () => next++) });
  const delta = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]));

  it('commits a small append in 4 requests on a branch this process moved last, and rebases when another moved it since', async () => {
    const location = freshLocation(server!);
    const a = await openStore(location, { create: true, s3: s3Options(server!), phase: 'sequential' });
    const b = await openStore(location, { s3: s3Options(server!), phase: 'sequential' });
    try {
      await a.write('t', rows(10)); // creates the branch
      await a.write('t', rows(10), { mode: 'append' }); // the first move by this process
      const requests = (a.backend as S3Backend).requests;
      let before = { ...requests };
      await a.write('t', rows(10), { mode: 'append' });
      // The chunk, the manifest, the commit and the ref (PUTs): the head is the one this process wrote.
      expect(delta(before, requests)).toEqual({ PutObject: 4 });

      await b.write('t', rows(10), { mode: 'append' }); // another writer moves the branch
      before = { ...requests };
      await a.write('t', rows(10), { mode: 'append' });
      // The ref's swap fails (412); the ref is read, then the other writer's commit and manifest and
      // the fence (GETs); the append rebased is a manifest, a commit and the ref again.
      expect(delta(before, requests)).toEqual({ GetObject: 5, PutObject: 7 });
      expect((await b.read('t')).numRows).toBe(50);

      // A stream is read once, so its append reads the head first.
      before = { ...requests };
      const batches = rows(10).batches;
      await a.write('t', (async function* () { yield* batches; })(), { mode: 'append' });
      expect(delta(before, requests)).toEqual({ GetObject: 1, PutObject: 4 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('runs an append again on the branch as it is when its remembered head cannot be rebased onto', async () => {
    const location = freshLocation(server!);
    const a = await openStore(location, { create: true, s3: s3Options(server!), phase: 'sequential' });
    const b = await openStore(location, { s3: s3Options(server!), phase: 'sequential' });
    try {
      await a.write('t', rows(10));
      await a.write('t', rows(10), { mode: 'append' }); // a remembers the head it wrote
      const replaced = rows(3);
      await b.write('t', replaced); // replaced by another writer: no append rebases onto that
      await b.write('u', rows(2)); // and another table appears
      const mine = rows(10);
      const { version } = await a.write('t', mine, { mode: 'append' }); // not a conflict: it began after both
      expect(version).toBe(4);
      const t = await b.read('t');
      expect(t.getChild('id')!.toArray()).toEqual(Int32Array.from([...replaced.getChild('id')!.toArray(), ...mine.getChild('id')!.toArray()]));
      expect((await b.read('u')).numRows).toBe(2);
      expect((await a.log()).map((c) => c.message)).toEqual(['append t', 'overwrite u', 'overwrite t', 'append t', 'overwrite t']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('runs an append again on the branch as it is when it fails on its remembered head', async () => {
    const location = freshLocation(server!);
    const a = await openStore(location, { create: true, s3: s3Options(server!), phase: 'sequential' });
    const b = await openStore(location, { s3: s3Options(server!), phase: 'sequential' });
    try {
      await a.write('t', rows(10));
      await a.write('t', rows(10), { mode: 'append' });
      const wider = (n: number) => tableFromArrays({ id: Int32Array.from({ length: n }, () => next++), x: new Float64Array(n) });
      await b.write('t', wider(4)); // another schema: the remembered head's table would refuse these rows
      await a.write('t', wider(6), { mode: 'append' });
      const t = await b.read('t');
      expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'x']);
      expect(t.numRows).toBe(10);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(!server)('S3 keys', () => {
  it('keeps a branch whose name has characters S3 keys escape, as the signed request names it', async () => {
    const location = freshLocation(server!);
    const store = await openStore(location, { create: true, s3: s3Options(server!), phase: 'sequential' });
    const other = await openStore(location, { s3: s3Options(server!), phase: 'sequential' });
    try {
      const branch = "feature/é+#%&=(x)!@'";
      await store.write('t', tableFromArrays({ id: Int32Array.from([1, 2]) }));
      await store.createBranch(branch);
      await store.write('t', tableFromArrays({ id: Int32Array.from([3]) }), { mode: 'append', branch });
      expect((await other.branches()).map((b) => b.name).sort()).toEqual([branch, 'main']);
      expect([...(await other.read('t', { branch })).getChild('id')!.toArray()]).toEqual([1, 2, 3]);
    } finally {
      await store.close();
      await other.close();
    }
  });
});

describe.skipIf(!server)('S3 ref creation', () => {
  it('takes over the pending ref of a creator stalled between its two steps, which then reports the ref taken', async () => {
    const location = freshLocation(server!);
    const [a, b] = [new S3Backend(location, s3Options(server!)), new S3Backend(location, s3Options(server!))];
    try {
      await a.createMarker('{"format": 1}\n');
      let release!: () => void;
      let reached!: () => void;
      const inGuard = new Promise<void>((r) => (reached = r));
      const stalled = new Promise<void>((r) => (release = r));
      // a's creation stops in its guard, its pending ref written: as if its process had died there.
      const first = a.compareAndSwapRef('heads/main', undefined, 'a'.repeat(64), {
        guard: async () => {
          reached();
          await stalled;
        },
      });
      await inGuard;
      expect(await b.readRef('heads/main')).toBeUndefined(); // a pending ref reads as no ref
      const started = Date.now();
      expect(await b.compareAndSwapRef('heads/main', undefined, 'b'.repeat(64))).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(PENDING_MS / 2); // it waited for the pending ref to expire
      release();
      expect(await first).toBe(false); // a's final write finds b's ref: a reports the ref taken
      expect(await a.readRef('heads/main')).toBe('b'.repeat(64));
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);
});
