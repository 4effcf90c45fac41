import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FileLock } from '../src/backend/file-lock.js';
import { LockTimeoutError } from '../src/index.js';
import { withTempDir } from './helpers.js';

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('FileLock', () => {
  it('recovers a lock left by a killed process', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'main.lock');
      await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'dead', time: Date.now() }));
      const lock = await FileLock.acquire(path, { timeoutMs: 2000 });
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
    });
  });

  it('breaks at once a lock whose owner cannot be read (a writer killed before writing it)', async () => {
    // Regression: such a lock made every commit to the branch wait 30 s and fail with
    // ARM_LOCK_TIMEOUT until the lock was a minute old.
    await withTempDir(async (dir) => {
      for (const junk of ['', '{"pid":', 'null']) {
        const path = join(dir, 'main.lock');
        await writeFile(path, junk);
        const started = Date.now();
        const lock = await FileLock.acquire(path, { timeoutMs: 2000, ownerDir: join(dir, 'owners') });
        expect(Date.now() - started).toBeLessThan(1000);
        expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
        lock.release();
      }
      expect((await readdir(dir)).sort()).toEqual(['owners']); // no lock, temp file or breaker left behind
    });
  });

  it('waits for a live holder and times out with a typed error', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'main.lock');
      const held = await FileLock.acquire(path);
      const err = await FileLock.acquire(path, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as Error).message).toMatch(/^refs: timed out after \d+ ms waiting for lock .*main\.lock$/);
      await held.release();
      const again = await FileLock.acquire(path, { timeoutMs: 100 });
      await again.release();
    });
  });

  it('gives mutual exclusion to concurrent acquirers', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'counter.lock');
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const l = await FileLock.acquire(path);
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
          await l.release();
        }),
      );
      expect(maxInside).toBe(1);
    });
  });
});
