/**
 * A cross-process lock file, used to make ref compare-and-swap atomic on a local filesystem.
 *
 * ```
 *   acquire:  link() this process's owner file {pid, host, nonce} as <path>
 *                 │ linked                   │ exists
 *                 v                          v
 *               held                 owner alive? ── yes ──> wait, retry
 *                                            │ no, or unreadable (stale)
 *                                            v
 *                                    take <path>.breaker, re-read <path>:
 *                                    same owner -> unlink it; release breaker; retry
 *   release:  unlink(<path>) if it is still a link to our owner file
 * ```
 * The owner file is written once per process (in `ownerDir`, as `owner.<pid>.<nonce>.tmp`) and every
 * lock is a hard link to it, so a lock always holds a complete owner: one that cannot be read was
 * damaged, and is judged as a dead owner's is. (Writing the owner into a freshly created lock file
 * left an empty lock when a writer was killed in between, and that blocked every commit to the branch
 * for a minute.) Linking also allocates no inode, which a new file does: on ext4 without a journal
 * that costs up to ~0.75 ms right after many deletions (see local-backend.ts), per lock.
 *
 * The lock's file operations are synchronous: each is a microsecond-scale syscall on a tiny file, and
 * going through the libuv thread pool for each of them was most of the cost of a ref update
 * (branch creation: 2.1 ms -> under 1 ms measured). Waiting for a held lock stays asynchronous.
 *
 * A lock is stale when its owner process is gone (same host: `kill(pid, 0)` fails with ESRCH) or,
 * for a lock from another host, when it is older than `staleMs`. Only the holder of the short-lived
 * breaker file may remove a stale lock, and only if the lock still carries the nonce it judged
 * stale, so two recovering processes cannot both remove a lock (one of them a live one).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

import { LockTimeoutError } from '../errors.js';

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  time: number;
}

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock from another host is stale after this long (ms). */
  staleMs?: number;
  /** Where this process keeps its owner file (default: the lock's directory); same file system as the lock. */
  ownerDir?: string;
}

/** This machine's name, as lock and gc-fence owners record it. */
export const HOST = hostname();
const BREAKER_STALE_MS = 10_000; // the breaker is held for microseconds; 10 s means its holder died

/** This process's nonce: what its owner files say, and what a stale lock is recognised by. */
const NONCE = randomBytes(12).toString('hex');
const ownerFiles = new Map<string, string>();

export class FileLock {
  private released = false;

  private constructor(readonly path: string, private readonly owner: string) {}

  /** Acquires the lock at `path`, waiting (with backoff) while a live process holds it. */
  static async acquire(path: string, options: LockOptions = {}): Promise<FileLock> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const staleMs = options.staleMs ?? 60_000;
    const ownerDir = options.ownerDir ?? dirname(path);
    const started = Date.now();
    let delay = 1;
    for (;;) {
      const owner = tryCreate(path, ownerDir);
      if (owner) return new FileLock(path, owner);
      const holder = readOwner(path);
      if (holder !== 'gone' && isStale(path, holder, staleMs)) {
        if (!breakStale(path, holder, ownerDir)) await sleep(1);
        continue;
      }
      if (Date.now() - started > timeoutMs) throw new LockTimeoutError(path, Date.now() - started);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Releases the lock if we still hold it. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (sameFile(this.path, this.owner)) unlinkQuietly(this.path);
  }
}

/**
 * Links this process's owner file in `ownerDir` as `path` (see the module doc); its path, or
 * undefined when `path` exists. The owner file's mtime is refreshed first: it is the lock's age,
 * which hosts that cannot see this process judge it by.
 */
function tryCreate(path: string, ownerDir: string): string | undefined {
  for (let attempt = 0; ; attempt++) {
    const owner = ownerFile(ownerDir, attempt > 0);
    try {
      const now = new Date();
      utimesSync(owner, now, now);
      linkSync(owner, path);
      return owner;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return undefined;
      // The owner file was removed (by hand, or a sweep of an older version): write it again, once.
      if (code !== 'ENOENT' || attempt > 0) throw e;
    }
  }
}

/** This process's owner file in `dir`, written on first use (or again with `rewrite`). */
function ownerFile(dir: string, rewrite: boolean): string {
  let path = ownerFiles.get(dir);
  if (path && !rewrite) return path;
  path = join(dir, `owner.${process.pid}.${NONCE}.tmp`);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: HOST, nonce: NONCE, time: Date.now() } satisfies LockOwner));
  } finally {
    closeSync(fd);
  }
  ownerFiles.set(dir, path);
  return path;
}

function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

function readOwner(path: string): LockOwner | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return typeof o.nonce === 'string' && typeof o.host === 'string' && Number.isSafeInteger(o.pid) ? o : 'unreadable';
  } catch {
    return 'unreadable'; // damaged, or left empty by a version that wrote the owner after creating the file
  }
}

function isStale(path: string, owner: LockOwner | 'unreadable', staleMs: number): boolean {
  if (owner === 'unreadable') return true;
  if (owner.host === HOST) return !processAlive(owner.pid);
  const age = ageMs(path);
  return age !== undefined && age > staleMs;
}

/** Removes `path` if it still holds the lock judged stale; false when another process is breaking it. */
function breakStale(path: string, judged: LockOwner | 'unreadable', ownerDir: string): boolean {
  const breaker = `${path}.breaker`;
  if (!tryCreate(breaker, ownerDir)) {
    const age = ageMs(breaker);
    if (age !== undefined && age > BREAKER_STALE_MS) unlinkQuietly(breaker);
    return false;
  }
  try {
    const now = readOwner(path);
    const same =
      now !== 'gone' &&
      (judged === 'unreadable' ? now === 'unreadable' : now !== 'unreadable' && now.nonce === judged.nonce);
    if (same) unlinkQuietly(path);
  } finally {
    unlinkQuietly(breaker);
  }
  return true;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
