/**
 * The local-directory backend: objects as files in a fan-out tree, refs as one-line files updated by
 * compare-and-swap under a `FileLock`. See `layout.ts` for the tree.
 *
 * Object put: write tmp/<id>.<pid>.<n>.tmp, fsync it, rename into objects/ab/…, fsync the fan-out
 * directory (a `putBatch` fsyncs each directory once, at its end). Racing writers of the same id each
 * rename an identical file into place, which is harmless. A put that finds its object in place
 * flushes the directories too: the object may be a concurrent writer's whose flush is still pending.
 * Everything before the data write is synchronous (a few syscalls on small files), and the write and
 * its flush are one thread-pool job (O_DSYNC), so that job is under way when `putObject` returns: a
 * caller that goes on encoding the next chunk overlaps it with this one's flush.
 *
 * Ref CAS (`heads/main`):
 * ```
 *   lock refs/heads/main.lock ─> read refs/heads/main ─ differs from expected? ─> unlock, return false
 *                                     │ equal
 *                                     v
 *   link ref-values/<next> as refs/heads/main.<nonce>.tmp ─> rename over refs/heads/main ─> fsync dir ─> unlock
 * ```
 * The rename is the atomic step: a crash before it leaves the old value, after it the new one.
 *
 * Creating a ref (expected: none) takes refs/create.lock instead of the ref's own lock: link() the
 * shared value file ref-values/<commit> to the ref's name, which fails if the name exists ─> fsync
 * dir. Every creation goes this way, so a locked update never renames over a ref created under its
 * feet: an update or delete needs the ref to exist with its expected value, and only a lock holder
 * can remove it.
 *
 * A swap's guard (backend.ts) runs inside that lock, right before the rename or link. gc's
 * `snapshotRefs` holds refs/create.lock while it lists the refs and reads each one under the ref's own
 * lock, so every swap is ordered before or after the read of its ref, and every creation before or
 * after the listing: that is the linearization the port asks for.
 *
 * The value file holds `<commit>\n`, exactly what a ref file holds, and is written once per commit
 * (tmp/…, fsync, link into ref-values/), before the CAS: a transaction has it written while its
 * objects are, so no data write waits in the CAS. Refs at the same commit share its inode; that is safe
 * because no ref file is ever written in place: an update renames another link over the name, and a
 * delete unlinks the name. So creating a branch allocates no inode and writes no data: on ext4 without
 * a journal, allocating an inode right after many deletions scans past the recently deleted ones
 * (strace: 0.75 ms for the open(O_CREAT) of a ref's temp file, in a loop of 600 creations). gc removes
 * value files no ref links to any more (link count 1) once they are older than its grace period.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, constants, fdatasync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, utimesSync, watch, write, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

import { InvalidArgumentError, storageError } from '../errors.js';
import type { ObjectBackend, ObjectPutBatch, PutResult, RefLogEntry, StoredObject, SwapOptions } from './backend.js';
import { FileLock, processAlive, type LockOptions } from './file-lock.js';
import type { ScratchBuffer } from '../scratch-buffer.js';
import { CREATE_LOCK, fanoutDir, LOGS_DIR, objectPath, OBJECTS_DIR, RECORDS_DIR, REF_VALUES_DIR, REFLOG, REFS_DIR, STORE_MARKER, tempFileOwner, tempPath, TMP_DIR } from './layout.js';

/** A temp file whose writer we cannot see die (its pid is alive or unknown) is a leftover only after this long. */
const ORPHAN_TEMP_MS = 60 * 60 * 1000;

export interface LocalBackendOptions {
  /** fsync objects and refs before they become visible (default true). Off only for throwaway stores. */
  fsync?: boolean;
  lock?: LockOptions;
}

export class LocalBackend implements ObjectBackend {
  readonly fsync: boolean;
  private readonly lockOptions: LockOptions;
  private readonly knownDirs = new Set<string>();

  constructor(readonly root: string, options: LocalBackendOptions = {}) {
    this.fsync = options.fsync ?? true;
    this.lockOptions = { ownerDir: join(root, TMP_DIR), ...options.lock };
  }

  get location(): string {
    return this.root;
  }

  get localRoot(): string {
    return this.root;
  }

  get durable(): boolean {
    return this.fsync;
  }

  async putObject(id: string, bytes: Uint8Array): Promise<PutResult> {
    const batch = this.putBatch();
    const put = await batch.put(id, bytes);
    await batch.finish();
    return put;
  }

  /**
   * Each put writes and flushes its file in one thread-pool job and renames it in place on the JS
   * thread; the directories that gained entries are flushed once, in `finish`. Why: a put's
   * continuations run only between the caller's synchronous steps. The sequential phase encodes
   * chunks in ~5 ms blocks of WebAssembly, so a put that also flushed its two directories (three
   * thread-pool hops each, with a rename hop before) took ~25 ms to resolve and its fourth
   * successor waited for it.
   */
  putBatch(): ObjectPutBatch {
    const dirs = new Set<string>();
    return {
      put: async (id, bytes) => {
        const final = objectPath(this.root, id);
        let tmp: string | undefined;
        try {
          if (touch(final)) {
            // It may be a concurrent writer's, renamed in but with its directory not flushed yet:
            // flushing that here too makes what this put reports durable before a commit names it.
            if (this.fsync) for (const d of [fanoutDir(this.root, id), join(this.root, OBJECTS_DIR)]) dirs.add(d);
            return { id, written: false, bytes: bytes.byteLength };
          }
          const dir = fanoutDir(this.root, id);
          const parents = this.ensureDirSync(dir);
          tmp = tempPath(this.root, id);
          await writeDurably(tmp, bytes, this.fsync);
          renameSync(tmp, final);
          if (this.fsync) for (const d of [dir, ...parents]) dirs.add(d);
          return { id, written: true, bytes: bytes.byteLength };
        } catch (e) {
          if (tmp) unlinkQuietly(tmp);
          throw storageError(e, 'store object in', this.root);
        }
      },
      finish: async () => {
        const flush = [...dirs];
        dirs.clear();
        await Promise.all(flush.map(fsyncDir)).catch((e: unknown) => {
          throw storageError(e, 'flush');
        });
      },
    };
  }

  /**
   * Reads synchronously: an object in the page cache reads in ~0.1 ms per MB, less than the four
   * thread-pool round trips of an async open/stat/read/close; and a read that yields to the event loop
   * lets V8 run its GC marking tasks in the middle. seed-narrow 1M (8 chunks) fetched and decoded
   * chunk by chunk: 21.2 -> 10.6 ms (fetch alone 4.1 -> 0.7 ms), medians of 21, both interleaved.
   */
  async getObject(id: string, into?: ScratchBuffer): Promise<Uint8Array | undefined> {
    try {
      return into ? readIntoSync(objectPath(this.root, id), into) : readFileSync(objectPath(this.root, id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageError(e, 'read object');
    }
  }

  async getObjects(ids: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const out: (Uint8Array | undefined)[] = [];
    for (const id of ids) out.push(await this.getObject(id)); // synchronous reads: see getObject
    return out;
  }

  async refreshObject(id: string): Promise<boolean> {
    try {
      return touch(objectPath(this.root, id));
    } catch (e) {
      throw storageError(e, 'refresh object');
    }
  }

  async hasObject(id: string): Promise<boolean> {
    return exists(objectPath(this.root, id));
  }

  async *listObjects(): AsyncIterable<StoredObject> {
    const base = join(this.root, OBJECTS_DIR);
    for (const fan of await readdirOrEmpty(base)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const rest of await readdirOrEmpty(join(base, fan))) {
        const st = await stat(join(base, fan, rest)).catch(() => undefined);
        if (st?.isFile()) yield { id: fan + rest, bytes: st.size, mtimeMs: st.mtimeMs };
      }
    }
  }

  async deleteObject(id: string, ifOlderThanMs?: number): Promise<boolean> {
    const path = objectPath(this.root, id);
    if (ifOlderThanMs !== undefined) {
      const st = await stat(path).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs <= ifOlderThanMs) return false; // re-checked just before unlink
    }
    try {
      await unlink(path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storageError(e, 'delete object');
    }
  }

  async readRef(name: string): Promise<string | undefined> {
    return readRefSync(join(this.root, REFS_DIR, name)); // a 65-byte file: sync beats a thread-pool hop
  }

  async compareAndSwapRef(name: string, expected: string | undefined, next: string | undefined, options: SwapOptions = {}): Promise<boolean> {
    const path = join(this.root, REFS_DIR, name);
    const reason = options.reason ?? 'update';
    try {
      this.ensureDirSync(dirname(path)).forEach(fsyncDirSync);
      if (next !== undefined) await this.prepareRefValue(next);
      if (expected === undefined && next !== undefined) return await this.createRef(name, path, next, reason, options.guard, options.onMismatch);
      const lock = await FileLock.acquire(`${path}.lock`, this.lockOptions);
      // The critical section is a handful of syscalls on tiny files: synchronous, like the lock, to
      // avoid a thread-pool round trip per call (see file-lock.ts). It writes no data: the new value
      // is the durable ref-values/ file, linked under a temp name and renamed over the ref.
      try {
        const current = readRefSync(path);
        if (current !== expected) {
          options.onMismatch?.(current);
          return false;
        }
        await options.guard?.();
        if (next === undefined) unlinkQuietly(path);
        else {
          const tmp = `${path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
          this.linkRefValue(next, tmp);
          renameSync(tmp, path);
        }
        if (this.fsync) fsyncDirSync(dirname(path));
        // Logged after the atomic step and still under the lock: a crash in between loses one log line,
        // never the ref update itself.
        this.appendRefLog(name, { time: new Date().toISOString(), old: expected ?? null, new: next ?? null, reason });
        return true;
      } finally {
        lock.release();
      }
    } catch (e) {
      throw storageError(e, `update ref ${name} in`, this.root);
    }
  }

  async snapshotRefs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const creation = await FileLock.acquire(join(this.root, CREATE_LOCK), this.lockOptions).catch((e: unknown) => {
      throw storageError(e, 'lock the refs of', this.root);
    });
    try {
      for (const name of await this.listRefs('')) {
        const path = join(this.root, REFS_DIR, name);
        const lock = await FileLock.acquire(`${path}.lock`, this.lockOptions);
        try {
          const value = readRefSync(path);
          if (value !== undefined) out.set(name, value);
        } finally {
          lock.release();
        }
      }
    } finally {
      creation.release();
    }
    return out;
  }

  /**
   * Makes ref-values/<commit> exist durably, off the JS thread, so that a compare-and-swap to
   * `commit` only links it. A transaction calls this while its objects are still being written;
   * `compareAndSwapRef` calls it again, which then only refreshes the file's mtime (gc removes value
   * files no ref links to once they are older than its grace period). A racing writer of the same
   * commit writes the same line.
   */
  async prepareRefValue(commit: string): Promise<void> {
    const value = this.refValuePath(commit);
    if (touch(value)) return;
    const parents = this.ensureDirSync(dirname(value));
    const tmp = tempPath(this.root, 'ref');
    await writeDurably(tmp, Buffer.from(`${commit}\n`), this.fsync);
    try {
      linkSync(tmp, value);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    if (this.fsync) await Promise.all(parents.map(fsyncDir));
  }

  /**
   * Links the value file of `commit` as `path`. gc may have removed the file since it was prepared
   * (it removes value files no ref links to, past its grace period, which can be 0): then it is
   * written again, synchronously, as we are inside a ref lock.
   */
  private linkRefValue(commit: string, path: string): void {
    try {
      linkSync(this.refValuePath(commit), path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const tmp = tempPath(this.root, 'ref');
      writeFileDurablySync(tmp, `${commit}\n`, this.fsync);
      try {
        linkSync(tmp, path);
      } finally {
        unlinkQuietly(tmp);
      }
    }
  }

  /** The creation path of `compareAndSwapRef`, under refs/create.lock (see the top of this file). */
  private async createRef(name: string, path: string, next: string, reason: string, guard: SwapOptions['guard'], onMismatch: SwapOptions['onMismatch']): Promise<boolean> {
    const lock = await FileLock.acquire(join(this.root, CREATE_LOCK), this.lockOptions);
    try {
      const current = readRefSync(path);
      if (current !== undefined) {
        onMismatch?.(current);
        return false;
      }
      await guard?.();
      try {
        this.linkRefValue(next, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false; // written by a version that created without the lock
        throw e;
      }
      if (this.fsync) fsyncDirSync(dirname(path));
      // Not under the ref's own lock, so a concurrent update's log line may land first; the ref itself is never wrong.
      this.appendRefLog(name, { time: new Date().toISOString(), old: null, new: next, reason });
      return true;
    } finally {
      lock.release();
    }
  }

  private refValuePath(commit: string): string {
    return join(this.root, REF_VALUES_DIR, commit);
  }

  async readRefLogs(): Promise<Map<string, RefLogEntry[]>> {
    const logs = new Map<string, RefLogEntry[]>();
    const add = (name: string, e: RefLogEntry) => (logs.get(name) ?? logs.set(name, []).get(name)!).push(e);
    // Stores written before the shared log kept one file per ref under logs/refs/; their lines come first.
    const legacy = join(this.root, LOGS_DIR, REFS_DIR);
    for (const name of walkFilesSync(legacy)) {
      for (const e of parseLines<RefLogEntry>(await readFile(join(legacy, name), 'utf8'))) add(name, e);
    }
    const text = await readFile(join(this.root, REFLOG), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    for (const { ref, ...e } of parseLines<RefLogEntry & { ref: string }>(text)) add(ref, e);
    return logs;
  }

  async readRecord(name: string): Promise<string | undefined> {
    try {
      return readFileSync(join(this.root, RECORDS_DIR, name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageError(e, `read record ${name} in`, this.root);
    }
  }

  /** Under records/<name>.lock: compare, write a temp file durably, rename it over the record. */
  async compareAndSwapRecord(name: string, expected: string | undefined, next: string): Promise<boolean> {
    const path = join(this.root, RECORDS_DIR, name);
    try {
      this.ensureDirSync(dirname(path)).forEach(fsyncDirSync);
      const lock = await FileLock.acquire(`${path}.lock`, this.lockOptions);
      try {
        if ((await this.readRecord(name)) !== expected) return false;
        const tmp = `${path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
        writeFileDurablySync(tmp, next, this.fsync);
        renameSync(tmp, path);
        if (this.fsync) fsyncDirSync(dirname(path));
        return true;
      } finally {
        lock.release();
      }
    } catch (e) {
      throw storageError(e, `write record ${name} in`, this.root);
    }
  }

  /**
   * Removes temp files of interrupted writes (older than `olderThanMs`, and whose writer is gone or
   * which are older than an hour), temp files of interrupted ref and record updates, and value files
   * no ref links to any more. Counts only what it removed; a file it cannot remove is an error.
   */
  async sweepLeftovers(olderThanMs: number): Promise<number> {
    let n = 0;
    const sweep = async (dir: string, leftover: (name: string, st: Stats) => boolean, recursive = false) => {
      for (const name of await readdirOrEmpty(dir)) {
        const path = join(dir, name);
        const st = await stat(path).catch(() => undefined);
        if (!st) continue;
        if (st.isDirectory()) {
          if (recursive) await sweep(path, leftover, true);
          continue;
        }
        if (Date.now() - st.mtimeMs <= olderThanMs || !leftover(name, st)) continue;
        try {
          await unlink(path);
          n++;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw storageError(e, 'remove leftover file');
        }
      }
    };
    // A temp file of a write under way must stay, whatever the grace period: its writer is alive.
    const orphaned = (name: string, st: Stats) => {
      const pid = tempFileOwner(name);
      return (pid !== undefined && !processAlive(pid)) || Date.now() - st.mtimeMs > ORPHAN_TEMP_MS;
    };
    await sweep(join(this.root, TMP_DIR), orphaned);
    await sweep(join(this.root, REFS_DIR), (name, st) => name.endsWith('.tmp') && orphaned(name, st), true);
    await sweep(join(this.root, RECORDS_DIR), (name, st) => name.endsWith('.tmp') && orphaned(name, st));
    // A value file no ref links to. Removing one under a concurrent creator is harmless: the name
    // goes, the inode stays with any ref linked to it, and a swap that finds it gone writes it again.
    await sweep(join(this.root, REF_VALUES_DIR), (_, st) => st.nlink === 1);
    return n;
  }

  /**
   * The reflog is a recovery aid, not the source of truth, so it is not fsynced (as in Git): a power
   * loss can drop its last lines, never a ref update. One shared file for every ref, not Git's file
   * per ref: a new file costs an inode allocation, which ext4 without a journal makes slow after many
   * deletions (perf: `find_inode_bit` -> `recently_deleted`; 0.8-0.95 ms per new log file, timed
   * inside branch creation right after a benchmark had deleted its stores).
   */
  private appendRefLog(name: string, entry: RefLogEntry): void {
    this.ensureDirSync(join(this.root, LOGS_DIR));
    appendFileSync(join(this.root, REFLOG), `${JSON.stringify({ ref: name, ...entry })}\n`);
  }

  /**
   * Creates `dir` and any missing parents, and returns the directories to flush for that: a new
   * directory's name is an entry in its parent, so without a flush of the parent a power loss can
   * drop the directory with every file renamed into it. Empty when nothing was created or without
   * `fsync`.
   */
  private ensureDirSync(dir: string): string[] {
    if (this.knownDirs.has(dir)) return [];
    const first = mkdirSync(dir, { recursive: true });
    this.knownDirs.add(dir);
    if (first === undefined || !this.fsync) return [];
    const parents = [dirname(dir)];
    for (let d = parents[0]!; d !== dirname(first) && d !== dirname(d); ) parents.push((d = dirname(d)));
    return parents;
  }

  async listRefs(prefix: string): Promise<string[]> {
    const base = join(this.root, REFS_DIR);
    const at = join(base, prefix);
    return walkFilesSync(at)
      .filter((name) => !/\.(lock|tmp|breaker)$/.test(name))
      .map((name) => relative(base, join(at, name)).split(sep).join('/'));
  }

  async readMarker(): Promise<string | undefined> {
    const path = join(this.root, STORE_MARKER);
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw storageError(e, 'read the store marker', path);
    }
  }

  /**
   * Creates the directories (objects/, tmp/, refs/heads, refs/tags), then the marker (what makes the
   * directory a store), last, and makes the layout durable with it: the marker's bytes, then the
   * directories holding the new entries. False when a marker is there (another process was first).
   */
  async createMarker(text: string): Promise<boolean> {
    const st = await stat(this.root).catch(() => undefined);
    if (st && !st.isDirectory()) throw new InvalidArgumentError(`store: cannot create a store at ${this.root}: it is a file, not a directory`);
    try {
      for (const d of [OBJECTS_DIR, TMP_DIR, join(REFS_DIR, 'heads'), join(REFS_DIR, 'tags')]) await mkdir(join(this.root, d), { recursive: true });
      await writeDurably(join(this.root, STORE_MARKER), new TextEncoder().encode(text), this.fsync);
      if (this.fsync) for (const d of [join(this.root, REFS_DIR), this.root]) await fsyncDir(d);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (e as NodeJS.ErrnoException).path === join(this.root, STORE_MARKER)) return false;
      throw storageError(e, 'create the store in', this.root);
    }
  }

  /** Watches the branch refs' directory (file events are not guaranteed everywhere: callers poll too). */
  watchRefs(listener: () => void): { close(): void } {
    try {
      return watch(join(this.root, REFS_DIR, 'heads'), { recursive: false }, () => listener());
    } catch {
      return { close() {} };
    }
  }
}

/** Writes a small file durably, synchronously (inside a lock). */
function writeFileDurablySync(path: string, text: string, fsync: boolean): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
  try {
    const bytes = Buffer.from(text);
    for (let done = 0; done < bytes.length; ) done += writeSyncAt(fd, bytes, done);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeSyncAt(fd: number, bytes: Buffer, at: number): number {
  return writeSync(fd, bytes, at, bytes.length - at, at);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or never written
  }
}

/**
 * Writes `bytes` to a new file, durably when `fsync`. The file is opened synchronously with O_DSYNC,
 * so the write that starts before this returns is also the flush: each write returns once its data
 * and the file's size are on disk (what fdatasync gives; nothing reads an object's other metadata).
 */
async function writeDurably(path: string, bytes: Uint8Array, fsync: boolean): Promise<void> {
  const dsync = fsync ? (constants.O_DSYNC ?? 0) : 0; // Windows has no O_DSYNC: it flushes below instead
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | dsync, 0o666);
  try {
    for (let done = 0; done < bytes.length; ) done += await writeAt(fd, bytes, done);
    if (fsync && !dsync) await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
  } finally {
    closeSync(fd);
  }
}

function writeAt(fd: number, bytes: Uint8Array, at: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, bytes, at, bytes.length - at, at, (e, n) => (e ? reject(e) : resolve(n))));
}

/** Reads a whole file into `into`; a file that shrinks while read (objects never do) reads short. */
function readIntoSync(path: string, into: ScratchBuffer): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const out = into.take(fstatSync(fd).size);
    let done = 0;
    for (let n = -1; done < out.length && n !== 0; done += n) n = readSync(fd, out, done, out.length - done, done);
    return out.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function readRefSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so a rename inside it survives a power loss. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Marks an existing object as just written (mtime = now) and says whether it existed. A deduplicated
 * put is about to reference an object that may be unreferenced and old; refreshing its mtime puts it
 * inside gc's grace period, so gc cannot delete it under the writer.
 */
function touch(path: string): boolean {
  try {
    const now = new Date();
    utimesSync(path, now, now);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The JSON lines of a log, skipping a line torn by a crash mid-append. */
function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn last line
    }
  }
  return out;
}

/**
 * Paths (with `/`) of the files below `base`, sorted; none when it does not exist. Synchronous: the
 * ref hierarchy check on branch creation calls it, on a directory that is usually absent.
 */
function walkFilesSync(base: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no such directory
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(base, full).split(sep).join('/'));
    }
  };
  walk(base);
  return out.sort();
}
