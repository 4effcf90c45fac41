/**
 * On-disk layout of a local store. The Rust addon writes and reads the same paths.
 *
 * ```
 * <root>/
 *   armillaria.json          store format marker and settings
 *   objects/ab/cdef…         every object (chunk, manifest, commit), named by its BLAKE3 id:
 *                            2 hex chars of fan-out, then the remaining 62
 *   tmp/                     temp files; a put writes here, fsyncs, then renames into objects/
 *   refs/heads/<branch>      one line: the commit id the branch points at
 *   refs/tags/<tag>
 *   refs/create.lock         held while a ref is created, and by gc while it snapshots the refs
 *   ref-values/<commit>      one line, the commit id: new refs are hard links to it (local-backend.ts)
 *   records/<name>           small documents replaced by compare-and-swap: records/gc-fence
 *                            (catalog/sweep-fence.ts)
 *   logs/refs.jsonl          reflog, one JSON line per ref update: {ref, time, old, new, reason}
 *   logs/refs/…              reflog of stores written before the shared log, one file per ref
 * ```
 *
 * tmp/ sits on the same filesystem as objects/, so the rename is atomic: a reader sees either no
 * object or the whole object, and a crash leaves at most an orphan temp file, which `gc` removes.
 */
import { join } from 'node:path';

export const STORE_MARKER = 'armillaria.json';
export const OBJECTS_DIR = 'objects';
export const TMP_DIR = 'tmp';
export const REFS_DIR = 'refs';
export const REF_VALUES_DIR = 'ref-values';
export const RECORDS_DIR = 'records';
/** The lock that orders ref creation with gc's snapshot of the refs. */
export const CREATE_LOCK = join(REFS_DIR, 'create.lock');
export const LOGS_DIR = 'logs';
export const REFLOG = join(LOGS_DIR, 'refs.jsonl');

export function objectPath(root: string, id: string): string {
  return join(root, OBJECTS_DIR, id.slice(0, 2), id.slice(2));
}

export function fanoutDir(root: string, id: string): string {
  return join(root, OBJECTS_DIR, id.slice(0, 2));
}

let tmpCounter = 0;

/** A temp path unique across processes (pid) and within one (counter + random). */
export function tempPath(root: string, id: string): string {
  const rnd = Math.floor(Math.random() * 0xffffffff).toString(16);
  return join(root, TMP_DIR, `${id}.${process.pid}.${(tmpCounter++).toString(36)}${rnd}.tmp`);
}

/** The pid a temp file name (`<id>.<pid>.<nonce>.tmp`, from TypeScript or Rust) was written by. */
export function tempFileOwner(name: string): number | undefined {
  const pid = /\.(\d+)\.[0-9a-z]+\.tmp$/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}
