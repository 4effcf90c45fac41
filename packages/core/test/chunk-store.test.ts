import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';

import { ChunkNotFoundError, CorruptChunkError, ErrorCode, InvalidArgumentError } from '../src/index.js';
import { ChunkStore, LocalBackend, hashBytes } from '../src/internals.js';
import { objectPath } from '../src/backend/layout.js';
import { ScratchBuffer } from '../src/scratch-buffer.js';
import { PutGroup } from '../src/chunk-store/chunk-store.js';
import { withTempDir } from './helpers.js';

async function withChunkStore<T>(fn: (s: ChunkStore, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const backend = new LocalBackend(dir);
    await backend.createMarker('{"format": 1}\n');
    return fn(new ChunkStore(backend), dir);
  });
}

describe('ChunkStore', () => {
  it('names objects by the BLAKE3-256 of their bytes and returns them', async () => {
    await withChunkStore(async (s, dir) => {
      const bytes = Buffer.from('hello armillaria');
      const r = await s.put(bytes);
      expect(r).toEqual({ id: hashBytes(bytes), written: true, bytes: bytes.length });
      expect(Buffer.from(await s.get(r.id))).toEqual(bytes);
      expect(await s.has(r.id)).toBe(true);
      expect(await readFile(objectPath(dir, r.id))).toEqual(bytes);
    });
  });

  it('reads objects into a reusable buffer, verified, growing it for a larger object', async () => {
    await withChunkStore(async (s, dir) => {
      const small = Buffer.alloc(1000, 7);
      const large = Buffer.alloc(5000, 9);
      const [a, b] = [await s.put(small), await s.put(large)];
      const into = new ScratchBuffer();
      const first = await s.get(b.id, { into, verify: true });
      expect(Buffer.from(first)).toEqual(large);
      const second = await s.get(a.id, { into, verify: true });
      expect(Buffer.from(second)).toEqual(small);
      expect(second.buffer).toBe(first.buffer); // the same memory, reused
      await writeFile(objectPath(dir, a.id), Buffer.alloc(1000, 8));
      await expect(s.get(a.id, { into, verify: true })).rejects.toBeInstanceOf(CorruptChunkError);
      await expect(s.get(hashBytes(Buffer.from('absent')), { into })).rejects.toBeInstanceOf(ChunkNotFoundError);
    });
  });

  it('starts a group of puts at once and reports their first failure when done', async () => {
    await withChunkStore(async (s) => {
      const group = new PutGroup(s);
      const ids = ['a', 'b', 'c'].map((t) => group.put(Buffer.from(t)));
      expect(ids).toEqual(['a', 'b', 'c'].map((t) => hashBytes(Buffer.from(t))));
      await group.done();
      expect(await Promise.all(ids.map(async (id) => Buffer.from(await s.get(id)).toString()))).toEqual(['a', 'b', 'c']);

      const failing = new ChunkStore(Object.create(s.backend, { putObject: { value: async () => { throw new Error('disk full'); } } }));
      const broken = new PutGroup(failing);
      broken.put(Buffer.from('d'));
      await new Promise((r) => setTimeout(r, 10)); // the failure settles before anyone waits for it
      await expect(broken.done()).rejects.toThrow('disk full');
    });
  });

  it('bounds the unfinished puts of a group and reports each result in put order', async () => {
    await withChunkStore(async (s) => {
      let running = 0;
      let most = 0;
      const slow = new ChunkStore(
        Object.create(s.backend, {
          putObject: {
            value: async (id: string, bytes: Uint8Array) => {
              most = Math.max(most, ++running);
              await new Promise((r) => setTimeout(r, 5));
              running--;
              return s.backend.putObject(id, bytes);
            },
          },
        }),
      );
      await slow.put(Buffer.from('b')); // stored before the group: its put there writes nothing
      const group = new PutGroup(slow);
      for (const t of ['a', 'b', 'c', 'd', 'e']) {
        group.put(Buffer.from(t));
        await group.atMost(2);
      }
      expect(most).toBe(3); // the third starts before the oldest is awaited
      expect((await group.done()).map((p) => p.written)).toEqual([true, false, true, true, true]);
    });
  });

  it('puts a flushAtEnd group through one backend batch, finished once after every put', async () => {
    await withChunkStore(async (s, dir) => {
      const events: string[] = [];
      const batching = new ChunkStore(
        Object.create(s.backend, {
          putObject: { value: async () => { throw new Error('a batched group must not put one by one'); } },
          putBatch: {
            value: () => {
              const inner = s.backend.putBatch!();
              return {
                put: async (id: string, bytes: Uint8Array) => {
                  const r = await inner.put(id, bytes);
                  events.push(`put ${Buffer.from(bytes).toString()}`);
                  return r;
                },
                finish: async () => {
                  events.push('finish');
                  await inner.finish();
                },
              };
            },
          },
        }),
      );
      await s.put(Buffer.from('b'));
      const group = new PutGroup(batching, { flushAtEnd: true });
      const ids = ['a', 'b', 'c', 'a'].map((t) => group.put(Buffer.from(t)));
      expect((await group.done()).map((p) => p.written)).toEqual([true, false, true, false]);
      expect(events.slice(0, 3).sort()).toEqual(['put a', 'put b', 'put c']); // the repeated 'a' is not put again
      expect(events[3]).toBe('finish');
      expect(await Promise.all(ids.map(async (id) => Buffer.from(await s.get(id)).toString()))).toEqual(['a', 'b', 'c', 'a']);
      expect(await readdir(join(dir, 'tmp'))).toEqual([]); // every temp file was renamed into place
    });
  });

  it('flushes the directories of an object a put finds in place, at the end of its batch', async () => {
    await withChunkStore(async (s, dir) => {
      const bytes = Buffer.from('shared');
      await s.put(bytes);
      // Directory flushes are the only FileHandle.sync calls of a put (file data goes by O_DSYNC).
      const handle = await open(dir, 'r');
      const sync = vi.spyOn(Object.getPrototypeOf(handle) as { sync(): Promise<void> }, 'sync');
      await handle.close();
      try {
        const batch = s.backend.putBatch!();
        expect(await batch.put(hashBytes(bytes), bytes)).toMatchObject({ written: false });
        expect(sync).not.toHaveBeenCalled();
        await batch.finish();
        expect(sync).toHaveBeenCalledTimes(2); // its fan-out directory and objects/
      } finally {
        sync.mockRestore();
      }
    });
  });

  it('stores identical bytes once', async () => {
    await withChunkStore(async (s) => {
      const a = await s.put(Buffer.from('same'));
      const b = await s.put(Buffer.from('same'));
      expect(b).toEqual({ ...a, written: false });
      const ids: string[] = [];
      for await (const o of s.backend.listObjects()) ids.push(o.id);
      expect(ids).toEqual([a.id]);
    });
  });

  it('reports a missing chunk with its id', async () => {
    await withChunkStore(async (s) => {
      const id = 'ab'.repeat(32);
      const err = await s.get(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChunkNotFoundError);
      expect(err).toMatchObject({ code: ErrorCode.ChunkNotFound, message: `chunk-store: chunk ${id} not found` });
    });
  });

  it('rejects an id that is not 64 lower-case hex characters', async () => {
    await withChunkStore(async (s) => {
      await expect(s.get('../../etc/passwd')).rejects.toThrow(InvalidArgumentError);
      await expect(s.get('ABC')).rejects.toThrow('chunk-store: invalid chunk id "ABC" (expected 64 lower-case hex characters)');
    });
  });

  it('detects a single flipped byte on verified read and in verifyAll', async () => {
    await withChunkStore(async (s, dir) => {
      const good = await s.put(Buffer.from('good object'));
      const r = await s.put(Buffer.alloc(5000, 7));
      const path = objectPath(dir, r.id);
      const bytes = await readFile(path);
      bytes[4321]! ^= 0x01;
      await writeFile(path, bytes);
      const actual = hashBytes(bytes);
      const err = await s.get(r.id, { verify: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptChunkError);
      expect(err).toMatchObject({ code: 'ARM_CORRUPT_CHUNK', message: `chunk-store: chunk ${r.id} is corrupt (content hashes to ${actual})` });
      const bad = [];
      for await (const p of s.verifyAll()) bad.push(p);
      expect(bad).toEqual([{ id: r.id, problem: `content hashes to ${actual}` }]);
      expect(bad.map((b) => b.id)).not.toContain(good.id);
    });
  });

  it('ignores a temp file left by an interrupted write', async () => {
    await withChunkStore(async (s, dir) => {
      const id = hashBytes(Buffer.from('whole object'));
      // What a crash between write and rename leaves behind: a partial temp file, no object.
      await writeFile(join(dir, 'tmp', `${id}.99999.0abc.tmp`), Buffer.from('whole obj'));
      expect(await s.has(id)).toBe(false);
      const listed = [];
      for await (const o of s.backend.listObjects()) listed.push(o);
      expect(listed).toEqual([]);
      const r = await s.put(Buffer.from('whole object'));
      expect(r.written).toBe(true);
      expect(Buffer.from(await s.get(id, { verify: true })).toString()).toBe('whole object');
      expect(await readdir(join(dir, 'tmp'))).toHaveLength(1); // the orphan, for gc; not our new temp file
    });
  });

  it('survives concurrent puts of the same id', async () => {
    await withChunkStore(async (s) => {
      const bytes = Buffer.alloc(100_000, 3);
      const rs = await Promise.all(Array.from({ length: 8 }, () => s.put(bytes)));
      expect(new Set(rs.map((r) => r.id)).size).toBe(1);
      expect(Buffer.from(await s.get(rs[0]!.id, { verify: true }))).toEqual(bytes);
    });
  });
});
