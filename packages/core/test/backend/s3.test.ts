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

  it('commits a small append in 5 requests on a branch this process moved last, and reads the fence when another did', async () => {
    const location = freshLocation(server!);
    const a = await openStore(location, { create: true, s3: s3Options(server!), phase: 'sequential' });
    const b = await openStore(location, { s3: s3Options(server!), phase: 'sequential' });
    try {
      await a.write('t', rows(10)); // creates the branch
      await a.write('t', rows(10), { mode: 'append' }); // the first move by this process
      const requests = (a.backend as S3Backend).requests;
      let before = { ...requests };
      await a.write('t', rows(10), { mode: 'append' });
      // The head (GET), then the chunk, the manifest, the commit and the ref (PUTs): no fence read.
      expect(delta(before, requests)).toEqual({ GetObject: 1, PutObject: 4 });

      await b.write('t', rows(10), { mode: 'append' }); // another writer moves the branch
      before = { ...requests };
      await a.write('t', rows(10), { mode: 'append' });
      // A head this process did not write: the fence is read as the write begins, and the other
      // writer's commit and manifest, which this process has not seen (4 GETs).
      expect(delta(before, requests)).toEqual({ GetObject: 4, PutObject: 4 });
      expect((await b.read('t')).numRows).toBe(50);
    } finally {
      await a.close();
      await b.close();
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
