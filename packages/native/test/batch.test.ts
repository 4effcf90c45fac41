import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { blake3 } from '@napi-rs/blake-hash';
import { describe, expect, it } from 'vitest';

import { loadNative, objectPath, rejection, withTempRoot } from './helpers.js';

const native = loadNative();

/** A read's check: `true`/`false` by id, or with sums. */
type Check = boolean | { verify: boolean; sums?: (string | null)[] };
const checkOf = (c: Check | undefined) => (typeof c === 'object' ? c : { verify: c });
const hex = (b: Uint8Array) => blake3(Buffer.from(b)).toString('hex');

/** Byte equality of buffer lists (toEqual on multi-MiB Buffers is very slow). */
function expectSameBytes(actual: Uint8Array[], expected: Uint8Array[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Buffer.compare(a, expected[i]!), `buffer ${i}`).toBe(0));
}

function chunkSet(): Buffer[] {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 256;
  return [Buffer.from('alpha'), big, Buffer.from('beta'), Buffer.alloc(0), Buffer.from('gamma')];
}

describe('putChunks', () => {
  it('stores chunks under objects/<2>/<62> and reports results in input order', async () => {
    await withTempRoot(async (root) => {
      const chunks = chunkSet();
      const results = await native.putChunks(root, chunks);
      expect(results.map((r) => r.id)).toEqual(chunks.map(hex));
      expect(results.map((r) => r.bytes)).toEqual(chunks.map((c) => c.length));
      expect(results.every((r) => r.written)).toBe(true);
      expectSameBytes(results.map((r) => readFileSync(objectPath(root, r.id))), chunks);
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    });
  });

  it('writes duplicate ids in one batch once and reports written on the first occurrence', async () => {
    await withTempRoot(async (root) => {
      const a = Buffer.from('same');
      const results = await native.putChunks(root, [a, Buffer.from('other'), Buffer.from('same'), a]);
      expect(results.map((r) => r.written)).toEqual([true, true, false, false]);
      expect(results[0]!.id).toBe(results[2]!.id);
    });
  });

  it('deduplicates against the store: a second put writes nothing', async () => {
    await withTempRoot(async (root) => {
      const chunks = chunkSet();
      await native.putChunks(root, chunks, { fsync: false });
      const again = await native.putChunks(root, chunks, { fsync: false });
      expect(again.map((r) => r.written)).toEqual(chunks.map(() => false));
    });
  });

  it('survives concurrent batches racing on the same ids', async () => {
    await withTempRoot(async (root) => {
      const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(50_000, i));
      const runs = await Promise.all([1, 2, 3, 4].map(() => native.putChunks(root, chunks)));
      for (const run of runs) expect(run.map((r) => r.id)).toEqual(chunks.map(hex));
      expectSameBytes(await native.getChunks(root, chunks.map(hex), { verify: true }), chunks);
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    });
  });

  it('rejects with ARM_IO naming the path when the root cannot be created', async () => {
    await withTempRoot(async (root) => {
      const file = join(root, 'not-a-dir');
      writeFileSync(file, 'x');
      const err = await rejection(native.putChunks(file, [Buffer.from('x')]));
      expect(err.code).toBe('ARM_IO');
      expect(err.message).toBe(`chunk-store: cannot create directory ${file}/objects: Not a directory (os error 20)`);
      expect((err.cause as Error).message).toBe('Not a directory (os error 20)');
    });
  });
});

describe('openPutStream', () => {
  it('ends exactly like putChunks over the same chunks: ids, bytes, written, files', async () => {
    await withTempRoot(async (root) => {
      const chunks = [...chunkSet(), Buffer.from('alpha')];
      const stream = native.openPutStream(root);
      for (const c of chunks) stream.add(c);
      const results = await stream.finish();
      expect(results.map((r) => r.id)).toEqual(chunks.map(hex));
      expect(results.map((r) => r.bytes)).toEqual(chunks.map((c) => c.length));
      expect(results.map((r) => r.written)).toEqual([true, true, true, true, true, false]);
      expectSameBytes(results.map((r) => readFileSync(objectPath(root, r.id))), chunks);
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
      const again = native.openPutStream(root, { fsync: false });
      chunks.forEach((c) => again.add(c));
      expect((await again.finish()).map((r) => r.written)).toEqual(chunks.map(() => false));
    });
  });

  it('rejects with the first failure once every put returned, and refuses use after finish', async () => {
    await withTempRoot(async (root) => {
      const file = join(root, 'not-a-dir');
      writeFileSync(file, 'x');
      const stream = native.openPutStream(file);
      stream.add(Buffer.from('x'));
      stream.add(Buffer.from('y'));
      const err = await rejection(stream.finish());
      expect(err.code).toBe('ARM_IO');
      expect(err.message).toBe(`chunk-store: cannot create directory ${file}/objects: Not a directory (os error 20)`);
      const late = (() => { try { stream.add(Buffer.from('z')); } catch (e) { return e as Error & { code?: string }; } })();
      expect(late?.code).toBe('ARM_INVALID_ARGUMENT');
      expect(late?.message).toBe('put stream: already finished');
      expect(() => stream.finish()).toThrow('put stream: already finished');
    });
  });
});

/** Sizes of stored chunks, read from their files (0 for a missing one). */
const storedSizes = (root: string, ids: string[]) => ids.map((id) => { try { return statSync(objectPath(root, id)).size; } catch { return 0; } });

/** getChunksInto as a list of Buffers: one target. */
async function getInto(root: string, ids: string[], verify?: Check): Promise<Buffer[]> {
  const sizes = storedSizes(root, ids);
  const target = Buffer.alloc(sizes.reduce((n, s) => n + s, 0));
  await native.getChunksInto(root, ids, sizes, target, checkOf(verify));
  let at = 0;
  return sizes.map((s) => target.subarray(at, (at += s)));
}

/** A map region; Node accepts external buffers, so it is never null here. */
function reserveRegion(bytes: number): Buffer {
  const region = native.reserveMapRegion(bytes);
  if (!region) throw new Error('reserveMapRegion: this runtime refused external buffers');
  return region;
}

/** mapChunksInto as a list of Buffers: views of one fresh region. */
async function mapInto(root: string, ids: string[], verify?: Check): Promise<Buffer[]> {
  const sizes = storedSizes(root, ids);
  const region = reserveRegion(native.mapRegionBytes(sizes));
  const offsets = await native.mapChunksInto(root, ids, sizes, region, checkOf(verify));
  return offsets.map((at, i) => region.subarray(at, at + sizes[i]!));
}

describe.each([
  ['getChunks', (root: string, ids: string[], verify?: Check) => native.getChunks(root, ids, checkOf(verify))],
  ['getChunksInto', getInto],
  ['mapChunks', (root: string, ids: string[], verify?: Check) => native.mapChunks(root, ids, checkOf(verify))],
  ['mapChunks (copy)', (root: string, ids: string[], verify?: Check) => native.mapChunks(root, ids, { ...checkOf(verify), copy: true })],
  ['mapChunksInto', mapInto],
])('%s', (_name, read) => {
  it('round-trips every chunk in input order, including empty and repeated ones', async () => {
    await withTempRoot(async (root) => {
      const chunks = chunkSet();
      const ids = (await native.putChunks(root, chunks)).map((r) => r.id);
      const order = [4, 0, 3, 1, 0, 2];
      const back = await read(root, order.map((i) => ids[i]!), true);
      expectSameBytes(back, order.map((i) => chunks[i]!));
      expect(await read(root, [])).toEqual([]);
    });
  });

  it('fails the whole batch with ARM_CHUNK_NOT_FOUND naming the missing id', async () => {
    await withTempRoot(async (root) => {
      const ids = (await native.putChunks(root, chunkSet())).map((r) => r.id);
      const missing = 'e'.repeat(64);
      const err = await rejection(read(root, [...ids, missing]));
      expect(err.code).toBe('ARM_CHUNK_NOT_FOUND');
      expect(err.message).toBe(`chunk-store: chunk ${missing} not found`);
    });
  });

  it('detects a flipped byte with verify, naming the chunk and its actual hash', async () => {
    await withTempRoot(async (root) => {
      const ids = (await native.putChunks(root, chunkSet())).map((r) => r.id);
      const victim = ids[1]!;
      const bytes = readFileSync(objectPath(root, victim));
      bytes[12345] = bytes[12345]! ^ 0x01;
      writeFileSync(objectPath(root, victim), bytes);
      await expect(read(root, ids)).resolves.toHaveLength(ids.length); // unverified reads do not hash
      const err = await rejection(read(root, ids, true));
      expect(err.code).toBe('ARM_CORRUPT_CHUNK');
      expect(err.message).toBe(`chunk-store: chunk ${victim} is corrupt (content hashes to ${hex(bytes)})`);
    });
  });

  it('checks each chunk against its sum where one is given, and against its id otherwise', async () => {
    await withTempRoot(async (root) => {
      const put = await native.putChunks(root, chunkSet());
      const ids = put.map((r) => r.id);
      const sums = put.map((r, i) => (i === 2 ? null : r.sum));
      expect(put.every((r) => /^[0-9a-f]{16}$/.test(r.sum))).toBe(true);
      await expect(read(root, ids, { verify: true, sums })).resolves.toHaveLength(ids.length);
      for (const victim of [1, 2]) {
        const path = objectPath(root, ids[victim]!);
        const bytes = readFileSync(path);
        bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
        writeFileSync(path, bytes);
        const err = await rejection(read(root, ids, { verify: true, sums }));
        expect(err.code).toBe('ARM_CORRUPT_CHUNK');
        expect(err.message).toBe(`chunk-store: chunk ${ids[victim]} is corrupt (content hashes to ${hex(bytes)})`);
        bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
        writeFileSync(path, bytes);
      }
      const bad = await rejection(read(root, ids, { verify: true, sums: [...sums.slice(1), 'NOT A SUM'] }));
      expect(bad).toMatchObject({ code: 'ARM_INVALID_ARGUMENT', message: 'chunk-store: invalid sum "NOT A SUM" (expected 16 lowercase hex characters)' });
      const short = await rejection(read(root, ids, { verify: true, sums: sums.slice(1) }));
      expect(short).toMatchObject({ code: 'ARM_INVALID_ARGUMENT', message: `${ids.length - 1} sums given for ${ids.length} chunk ids` });
    });
  });

  it('rejects a malformed id with ARM_INVALID_ARGUMENT before touching the disk', async () => {
    const err = await rejection(read('/nonexistent', ['../../etc/passwd']));
    expect(err.code).toBe('ARM_INVALID_ARGUMENT');
    expect(err.message).toBe('chunk-store: invalid chunk id "../../etc/passwd" (expected 64 lowercase hex characters)');
  });
});

describe('getChunksInto', () => {
  it('reads into the caller\'s buffer, overwriting what it held', async () => {
    await withTempRoot(async (root) => {
      const chunks = [Buffer.from('first'), Buffer.from('second')];
      const ids = (await native.putChunks(root, chunks)).map((r) => r.id);
      const target = Buffer.alloc(64, 0x2e).subarray(3, 14);
      await native.getChunksInto(root, ids, [5, 6], target);
      expect(target.toString()).toBe('firstsecond');
      await native.getChunksInto(root, [ids[1]!, ids[0]!], [6, 5], target);
      expect(target.toString()).toBe('secondfirst');
    });
  });

  it('rejects sizes that do not fill the target, and a stored file of another size as corrupt', async () => {
    await withTempRoot(async (root) => {
      const ids = (await native.putChunks(root, [Buffer.from('first'), Buffer.from('second')])).map((r) => r.id);
      let err = await rejection(native.getChunksInto(root, ids, [5, 6], Buffer.alloc(12)));
      expect(err.code).toBe('ARM_INVALID_ARGUMENT');
      expect(err.message).toBe('target holds 12 bytes, the chunks 11');
      writeFileSync(objectPath(root, ids[1]!), 'second!');
      err = await rejection(native.getChunksInto(root, ids, [5, 6], Buffer.alloc(11)));
      expect(err.code).toBe('ARM_CORRUPT_CHUNK');
      expect(err.message).toBe(`chunk-store: chunk ${ids[1]} is corrupt (content hashes to ${hex(Buffer.from('second!'))})`);
    });
  });
});

describe('mapChunks', () => {
  it('hands out copy-on-write views: writing to one never changes the stored chunk', async () => {
    await withTempRoot(async (root) => {
      const [r] = await native.putChunks(root, [Buffer.from('immutable bytes')]);
      const [view] = await native.mapChunks(root, [r!.id]);
      view![0] = 0x58;
      expect(view!.toString()).toBe('Xmmutable bytes');
      expect(readFileSync(objectPath(root, r!.id), 'utf8')).toBe('immutable bytes');
      const [again] = await native.getChunks(root, [r!.id], { verify: true });
      expect(again!.toString()).toBe('immutable bytes');
    });
  });

  it('keeps a view valid after the object is deleted (GC unlinks)', async () => {
    await withTempRoot(async (root) => {
      const [r] = await native.putChunks(root, [Buffer.alloc(100_000, 7)]);
      const [view] = await native.mapChunks(root, [r!.id]);
      expect(statSync(objectPath(root, r!.id)).size).toBe(100_000);
      (await import('node:fs')).unlinkSync(objectPath(root, r!.id));
      expect(view!.every((b) => b === 7)).toBe(true);
    });
  });
});

describe('mapChunksInto', () => {
  it('maps each read over the previous one in the same region, on page boundaries', async () => {
    await withTempRoot(async (root) => {
      const chunks = chunkSet();
      const ids = (await native.putChunks(root, chunks)).map((r) => r.id);
      const sizes = chunks.map((c) => c.length);
      const page = native.mapRegionBytes([1]);
      const pages = (n: number) => Math.ceil(n / page) * page;
      const need = native.mapRegionBytes(sizes);
      expect(need).toBe(page + pages(3 * 1024 * 1024 + 17) + page + 0 + page);
      const region = reserveRegion(need);
      expect(region.length).toBe(need);
      const offsets = await native.mapChunksInto(root, ids, sizes, region);
      const big = pages(3 * 1024 * 1024 + 17);
      expect(offsets).toEqual([0, page, page + big, 2 * page + big, 2 * page + big]);
      expectSameBytes(offsets.map((at, i) => region.subarray(at, at + sizes[i]!)), chunks);
      const again = await native.mapChunksInto(root, [ids[4]!, ids[0]!], [5, 5], region, { verify: true });
      expect(again).toEqual([0, page]);
      expect(region.subarray(0, 5).toString()).toBe('gamma');
      expect(region.subarray(page, page + 5).toString()).toBe('alpha');
    });
  });

  it('hands out copy-on-write views that outlive an unlink, until unmapChunks releases the files', async () => {
    await withTempRoot(async (root) => {
      const [r] = await native.putChunks(root, [Buffer.from('immutable bytes')]);
      const region = reserveRegion(1);
      await native.mapChunksInto(root, [r!.id], [15], region);
      region[0] = 0x58;
      expect(region.subarray(0, 15).toString()).toBe('Xmmutable bytes');
      expect(readFileSync(objectPath(root, r!.id), 'utf8')).toBe('immutable bytes');
      (await import('node:fs')).unlinkSync(objectPath(root, r!.id));
      expect(region.subarray(1, 15).toString()).toBe('mmutable bytes');
      await native.unmapChunks(region);
      expect(region.subarray(0, 15).every((b) => b === 0)).toBe(true);
    });
  });

  it('maps only into a region large enough, and checks each file\'s size', async () => {
    await withTempRoot(async (root) => {
      const ids = (await native.putChunks(root, [Buffer.from('first'), Buffer.from('second')])).map((r) => r.id);
      let err = await rejection(native.mapChunksInto(root, ids, [5, 6], Buffer.alloc(1 << 16)));
      expect(err.code).toBe('ARM_INVALID_ARGUMENT');
      expect(err.message).toBe('chunk-store: the target is not a map region (make one with reserveMapRegion)');
      const page = native.mapRegionBytes([1]);
      err = await rejection(native.mapChunksInto(root, ids, [5, 6], reserveRegion(page)));
      expect(err.code).toBe('ARM_INVALID_ARGUMENT');
      expect(err.message).toBe(`chunk-store: the chunks need a map region of ${2 * page} bytes; this one has ${page}`);
      err = await rejection(native.mapChunksInto(root, ids, [5, 7], reserveRegion(2 * page)));
      expect(err.code).toBe('ARM_INVALID_ARGUMENT');
      expect(err.message).toBe(`chunk-store: chunk ${ids[1]} has 6 bytes, not the 7 expected`);
      expect(() => native.reserveMapRegion(-1)).toThrow('reserveMapRegion: invalid size -1');
      await expect(native.unmapChunks(Buffer.alloc(10))).rejects.toThrow('chunk-store: the target is not a map region');
    });
  });
});
