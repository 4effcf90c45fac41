/**
 * Fault injection: every kind of stored object damaged (bits flipped, truncated, emptied), store files
 * damaged, and malformed input through the API and every CLI command. The rules:
 * - no read ever returns wrong rows: a read returns exactly what it returned before the damage, or
 *   fails with a typed error naming the damaged object;
 * - no process dies, nothing throws an untyped error, and `verify` names the object;
 * - a failed operation leaves the store as it was.
 */
import { spawnSync } from 'node:child_process';
import { cp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { objectPath, REFLOG, STORE_MARKER } from '../src/backend/layout.js';
import { getManifest } from '../src/catalog/manifest.js';
import { ErrorCode, isArmillariaError, nativeStatus, openStore, PHASE_ORDER, type PhaseName, type Store } from '../src/index.js';
import { PHASES } from '../src/internals.js';
import { narrowTable } from './fixtures.js';
import { runCli, storeDigest, withTempDir } from './helpers.js';

interface Template {
  dir: string;
  /** Every table version: what a read returned before any damage. */
  expected: { table: string; version: number; ipc: Buffer }[];
  /** One object of each kind. */
  objects: Record<Kind, string>;
}

type Kind = 'chunk' | 'manifest' | 'manifest page' | 'commit' | 'deletion vector' | 'column patch' | 'added column';

const ipc = (t: Table) => Buffer.from(tableToIPC(t, 'stream'));

/**
 * A store with every kind of object: `big` (200 chunks, so its chunk list has pages) loses rows to
 * deletion vectors, gains a column patch and an added column; `small` is keyed and has a branch and
 * a tag.
 */
async function buildTemplate(dir: string): Promise<Template> {
  const store = await openStore(dir, { create: true, fsync: false, phase: 'sequential' });
  await store.write('big', narrowTable(20_000), { chunkRows: 100 });
  await store.transaction((tx) => tx.delete('big', { column: 'id', op: 'in', values: [5n, 17n, 1234n, 1240n] }));
  await store.transaction((tx) => tx.update('big', tableFromArrays({ id: BigInt64Array.from([3n, 4n, 19_999n]), value: Float64Array.from([-1, -2, -3]) }), { on: ['id'] }));
  await store.transaction((tx) => tx.addColumns('big', tableFromArrays({ extra: Int32Array.from({ length: 19_996 }, (_, i) => i % 7) })));
  await store.write('small', tableFromArrays({ k: Int32Array.from([1, 2, 3]), s: ['a', 'b', 'c'] }), { keys: ['k'] });
  await store.createBranch('dev');
  await store.write('small', tableFromArrays({ k: Int32Array.from([1, 2, 3, 4]), s: ['a', 'B', 'c', 'd'] }), { branch: 'dev' });
  await store.createTag('v1');

  const expected: Template['expected'] = [];
  for (const table of ['big', 'small']) {
    for (let v = 1; v <= (await store.describe(table)).version; v++) expected.push({ table, version: v, ipc: ipc(await store.read(table, { version: v })) });
  }
  const head = await getManifest(store.chunks, (await store.describe('big')).manifest);
  const withDv = head.chunks.find((c) => c.deleted)!;
  const withPatch = head.chunks.find((c) => c.patches?.some((p) => !p.full))!;
  const objects: Record<Kind, string> = {
    chunk: head.chunks[150]!.id,
    manifest: (await store.describe('big')).manifest,
    'manifest page': head.pages[0]!,
    commit: (await store.log())[2]!.commit,
    'deletion vector': withDv.deleted!.id,
    'column patch': withPatch.patches!.find((p) => !p.full)!.id,
    'added column': head.chunks[0]!.patches!.find((p) => p.full)!.id,
  };
  return { dir, expected, objects };
}

type Damage = 'flip first byte' | 'flip middle bit' | 'truncate to half' | 'empty';

async function damage(path: string, how: Damage): Promise<void> {
  const bytes = await readFile(path);
  if (how === 'truncate to half') return truncate(path, bytes.length >> 1);
  if (how === 'empty') return truncate(path, 0);
  if (how === 'flip first byte') bytes[0]! ^= 0xff;
  else bytes[bytes.length >> 1]! ^= 0x10;
  await writeFile(path, bytes);
}

/** Runs `op`: its result, or the error, which must be typed (an Armillaria error). */
async function typed<T>(op: () => Promise<T>): Promise<{ value: T } | { error: { code: string; message: string } }> {
  try {
    return { value: await op() };
  } catch (e) {
    if (!isArmillariaError(e)) throw new Error(`untyped error: ${(e as Error)?.stack ?? String(e)}`);
    return { error: e };
  }
}

const DAMAGE_CODES: string[] = [ErrorCode.CorruptChunk, ErrorCode.ObjectNotFound, ErrorCode.ChunkNotFound];

/** Every read of every version returns its rows exactly, or a typed error naming `id`. */
async function checkReads(store: Store, t: Template, id: string): Promise<number> {
  let failed = 0;
  for (const e of t.expected) {
    const r = await typed(() => store.read(e.table, { version: e.version }));
    if ('value' in r) expect(ipc(r.value).equals(e.ipc), `${e.table} v${e.version} read back different rows`).toBe(true);
    else {
      failed++;
      expect(DAMAGE_CODES).toContain(r.error.code);
      expect(r.error.message).toContain(id);
    }
  }
  const others: (() => Promise<unknown>)[] = [() => store.tables(), () => store.log(), () => store.diff('v1', 'dev'), () => store.describe('big', { version: 1 })];
  for (const op of others) {
    const r = await typed(op);
    if ('error' in r) expect(r.error.message).toContain(id);
  }
  return failed;
}

/** Read-only by permissions, or for root (which ignores them) by the immutable attribute. */
function canMakeReadOnly(): boolean {
  if (process.getuid?.() !== 0) return true;
  return spawnSync('chattr', ['--help']).error === undefined;
}

async function setReadOnly(dir: string, on: boolean): Promise<void> {
  if (process.getuid?.() === 0) {
    const r = spawnSync('chattr', ['-R', on ? '+i' : '-i', dir]);
    if (r.status !== 0) throw new Error(`chattr failed: ${String(r.stderr)}`);
  } else spawnSync('chmod', ['-R', on ? 'a-w' : 'u+w', dir]);
}

const runnable = (p: PhaseName) => !PHASES[p].needsNative || nativeStatus().available;
const DAMAGES: Damage[] = ['flip first byte', 'flip middle bit', 'truncate to half', 'empty'];

describe('fault injection', () => {
  let template: Template | undefined;
  const withDamaged = async (fn: (dir: string, t: Template) => Promise<void>) =>
    withTempDir(async (root) => {
      template ??= await buildTemplate(join(root, '..', `armillaria-fault-template-${process.pid}`));
      const dir = join(root, 'store');
      await cp(template.dir, dir, { recursive: true });
      await fn(dir, template);
    });

  // Chunks, deletion vectors and patches are read by the phases; metadata is read the same way in all.
  const cases: [PhaseName, Kind][] = [
    ...PHASE_ORDER.flatMap((p) => (['chunk', 'deletion vector', 'column patch', 'added column'] as Kind[]).map((k): [PhaseName, Kind] => [p, k])),
    ...(['manifest', 'manifest page', 'commit'] as Kind[]).map((k): [PhaseName, Kind] => ['pushdown', k]),
  ];
  for (const [phase, kind] of cases) {
    it.skipIf(!runnable(phase))(`a damaged ${kind} never reads as wrong rows, and verify names it (phase ${phase})`, async () => {
      for (const how of DAMAGES) {
        await withDamaged(async (dir, t) => {
          const id = t.objects[kind];
          await damage(objectPath(dir, id), how);
          const store = await openStore(dir, { phase });
          const failed = await checkReads(store, t, id);
          expect(failed, `${how}: some read must meet the damaged ${kind}`).toBeGreaterThan(0);
          const report = await store.verify();
          expect(report.problems.map((p) => p.id), how).toContain(id);
          // A write on top of the damage fails typed or lands; the refs move only if it landed.
          const before = await storeDigest(dir, { refsOnly: true });
          const w = await typed(() => store.write('big', narrowTable(10, 9), { mode: 'append' }));
          if ('error' in w) expect(await storeDigest(dir, { refsOnly: true })).toBe(before);
        });
      }
    }, 120_000);
  }

  it('never dies on a damaged object through the CLI, and names it', async () => {
    await withDamaged(async (dir, t) => {
      for (const kind of ['manifest', 'chunk', 'deletion vector'] as Kind[]) await damage(objectPath(dir, t.objects[kind]), 'flip middle bit');
      for (const args of [['show', 'big'], ['export', 'big', join(dir, '..', 'out.parquet')], ['tables'], ['log', 'big'], ['diff', 'v1', 'main']]) {
        const r = await runCli('--store', dir, ...args);
        expect(r.code, args.join(' ')).toBeGreaterThanOrEqual(0);
        if (r.code !== 0) {
          expect(r.err, args.join(' ')).toMatch(/^error: [a-z-]+: .*[0-9a-f]{64}.*\n$/);
          expect(r.err).not.toContain('    at ');
        }
      }
      await expect(stat(join(dir, '..', 'out.parquet'))).rejects.toMatchObject({ code: 'ENOENT' }); // no partial export
      const v = await runCli('--store', dir, 'verify');
      expect(v.code).toBe(1);
      for (const kind of ['manifest', 'chunk', 'deletion vector'] as Kind[]) expect(v.out).toContain(`bad object ${t.objects[kind]}`);
    });
  });

  it('names a damaged ref, store marker or reflog line, and reads the rest', async () => {
    await withDamaged(async (dir) => {
      await writeFile(join(dir, 'refs', 'heads', 'dev'), 'not a commit\n');
      const store = await openStore(dir);
      await expect(store.read('small', { branch: 'dev' })).rejects.toMatchObject({ code: ErrorCode.CorruptChunk, message: 'catalog: ref heads/dev is corrupt: holds "not a commit", not a commit id' });
      expect((await store.read('small')).numRows).toBe(3);
      expect((await store.verify()).problems).toEqual([{ id: 'refs/heads/dev', problem: 'ref heads/dev holds "not a commit", not a commit id' }]);

      await writeFile(join(dir, REFLOG), `${await readFile(join(dir, REFLOG), 'utf8')}{"ref": "heads/ma`); // torn by a crash
      expect((await store.reflog('branch', 'main')).length).toBeGreaterThan(0);

      await writeFile(join(dir, STORE_MARKER), '{"format": 99}\n');
      await expect(openStore(dir)).rejects.toMatchObject({
        code: ErrorCode.UnsupportedFormat,
        message: `catalog: store ${dir} has format 99; this version of Armillaria reads format 1 (upgrade Armillaria to read it)`,
      });
      await writeFile(join(dir, STORE_MARKER), 'garbage');
      await expect(openStore(dir)).rejects.toMatchObject({ code: ErrorCode.CorruptChunk, message: `catalog: store marker ${join(dir, STORE_MARKER)} is corrupt: not valid JSON` });
      const r = await runCli('--store', dir, 'import', 't', join(dir, STORE_MARKER));
      expect(r).toMatchObject({ code: 2 });
    });
  });
});

describe('malformed input', () => {
  it('gets a typed error naming the bad value from every CLI command, and leaves the store as it was', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 's');
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('t', tableFromArrays({ id: Int32Array.from([1, 2, 3]) }), { keys: ['id'] });
      const files = {
        ragged: [join(root, 'ragged.csv'), 'a,b\n1,2\n3\n'],
        quote: [join(root, 'quote.csv'), 'a\n"open\n'],
        binary: [join(root, 'bin.csv'), Buffer.from([0x61, 0x0a, 0x00, 0xff, 0x0a])],
        latin1: [join(root, 'latin1.csv'), Buffer.from([0x61, 0x0a, 0xe9, 0x0a])],
        badParquet: [join(root, 'bad.parquet'), 'PAR1 this is not parquet PAR1'],
        badArrow: [join(root, 'bad.arrow'), 'ARROW1 nope'],
        otherSchema: [join(root, 'other.csv'), 'zz\nq\n'],
      } as const;
      for (const [path, content] of Object.values(files)) await writeFile(path, content);
      await cp(dir, join(root, 'dirname.parquet'), { recursive: true }); // a directory named like a file
      const before = await storeDigest(dir);
      const bad: [string[], RegExp][] = [
        [['import', 't', files.ragged[0]], /^error: io: .*ragged\.csv is not a valid CSV file: line 3: it has 1 field\(s\) where the header has 2$/],
        [['import', 't', files.quote[0]], /^error: io: .*quote\.csv is not a valid CSV file: line 2: Quote Not Closed/],
        [['import', 't', files.binary[0]], /^error: io: .*bin\.csv is not a valid CSV file: byte 2 is a NUL character/],
        [['import', 't', files.latin1[0]], /^error: io: .*latin1\.csv is not a valid CSV file: it is not UTF-8 text/],
        [['import', 't', files.badParquet[0]], /^error: io: .*bad\.parquet is not a valid Parquet file: /],
        [['import', 't', files.badArrow[0]], /^error: io: .*bad\.arrow is not a valid Arrow IPC file: /],
        [['import', 't', join(root, 'dirname.parquet')], /^error: io: .*dirname\.parquet is a directory, not a parquet file$/],
        [['import', 't', join(root, 'missing.csv')], /^error: io: file .*missing\.csv does not exist$/],
        [['import', 't', files.otherSchema[0], '--mode', 'append'], /^error: table: schema of "t" differs/],
        [['import', 'a/b', files.otherSchema[0]], /^error: names: invalid table name "a\/b": must not contain "\/"$/],
        [['import', 't', files.otherSchema[0], '--chunk-rows', '0'], /^error: option '--chunk-rows <n>' argument '0' is invalid/],
        [['update', 't', files.otherSchema[0]], /^error: update: key column "id" is not among the update's columns \(zz\)$/],
        [['add-columns', 'nosuch', files.otherSchema[0]], /^error: catalog: table "nosuch" not found on branch "main"$/],
        [['export', 't', join(root, 'out.txt')], /^error: io: unsupported file format for .*out\.txt/],
        [['export', 't', join(root, 'no', 'such', 'dir', 'out.csv')], /^error: storage: cannot create .*out\.csv: no such file or directory \(ENOENT\)$/],
        [['export', 't', join(root, 'ragged.csv', 'out.csv')], /^error: storage: cannot create .*out\.csv: a component of the path is not a directory \(ENOTDIR\)$/],
        [['export', 'nosuch', join(root, 'o.csv')], /^error: catalog: table "nosuch" not found on branch "main"$/],
        [['show', 't', '--version', '9'], /^error: catalog: table "t" has no version 9 \(latest is 1\)$/],
        [['show', 't', '--version', 'x'], /^error: option '--version <n>' argument 'x' is invalid/],
        [['show', 't', '--as-of', 'yesterday'], /^error: catalog: invalid time "yesterday"/],
        [['show', 't', '--ref', 'nope'], /^error: catalog: ref "nope" not found$/],
        [['tables', '--branch', 'nope'], /^error: catalog: branch "nope" not found$/],
        [['log', 'nosuch'], /^error: catalog: table "nosuch" not found on branch "main"$/],
        [['log', '-n', '-1'], /^error: option '-n, --limit <n>' argument '-1' is invalid/],
        [['branch', 'create', 'é'.repeat(150)], /^error: names: invalid branch name "é+": each "\/"-separated segment must be at most 200 bytes in UTF-8 \(this one has 300\)$/],
        [['branch', 'create', '../escape'], /^error: names: invalid branch name "..\/escape": must not contain "." or ".." path segments$/],
        [['branch', 'create', 'main'], /^error: names: invalid branch name "main": a branch with this name already exists$/],
        [['branch', 'create', 'x', '--from', 'nope'], /^error: catalog: ref "nope" not found$/],
        [['branch', 'delete', 'main'], /^error: refs: the default branch "main" cannot be deleted$/],
        [['branch', 'delete', 'nope'], /^error: catalog: branch "nope" not found$/],
        [['branch', 'rename', 'nope', 'other'], /^error: catalog: branch "nope" not found$/],
        [['tag', 'create', 'v 1'], /^error: names: invalid tag name "v 1": must not contain whitespace/],
        [['tag', 'delete', 'nope'], /^error: catalog: ref "tags\/nope" not found$/],
        [['merge', 'nope'], /^error: catalog: ref "nope" not found$/],
        [['diff', 'main', 'nope'], /^error: catalog: ref "nope" not found$/],
        [['gc', '--grace', 'abc'], /^error: option '--grace <seconds>' argument 'abc' is invalid\. expected a number >= 0, got "abc"$/],
        [['gc', '--grace', '-5'], /^error: option '--grace <seconds>' argument '-5' is invalid/],
        [['gc', '--reflog-days', 'x'], /^error: option '--reflog-days <days>' argument 'x' is invalid/],
        [['--phase', 'mmmap', 'tables'], /^error: option '--phase <name>' argument 'mmmap' is invalid/],
      ];
      for (const [args, message] of bad) {
        const r = await runCli('--store', dir, ...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err.split('\n')[0], args.join(' ')).toMatch(message);
        expect(r.err, args.join(' ')).not.toContain('    at ');
        expect(await storeDigest(dir), `${args.join(' ')} changed the store`).toBe(before);
      }
      expect(await readdir(root)).not.toContain('out.txt');
    });
  });

  it('gets a typed error naming the bad value from the API, and leaves the store as it was', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('t', tableFromArrays({ id: Int32Array.from([1, 2, 3]), s: ['a', 'b', 'c'] }));
      const before = await storeDigest(dir);
      const t = tableFromArrays({ id: Int32Array.from([1]) });
      const bad: [() => Promise<unknown>, string, RegExp][] = [
        [() => store.read('t', { filter: { column: 'id', op: '=', value: '1' } }), ErrorCode.InvalidArgument, /^filter: value "1" \(string\) cannot be compared with column "id" of type Int32 \(expected a number, bigint or Date\)$/],
        [() => store.read('t', { filter: { column: 's', op: 'in', values: ['a', 2] } }), ErrorCode.InvalidArgument, /^filter: value 2 \(number\) cannot be compared with column "s" of type Dictionary<Int32, Utf8> \(expected a string\)$/],
        [() => store.read('t', { filter: { column: 'nope', op: '=', value: 1 } }), ErrorCode.InvalidArgument, /^filter: column "nope" not found in table "t"$/],
        [() => store.read('t', { columns: ['id', 'id'] }), ErrorCode.InvalidArgument, /^table: column "id" requested twice$/],
        [() => store.read('t', { version: 0 }), ErrorCode.InvalidArgument, /^catalog: invalid version 0/],
        [() => store.read('t', { asOf: 'soon' }), ErrorCode.InvalidArgument, /^catalog: invalid time "soon"/],
        [() => store.write('t', t, { mode: 'append' }), ErrorCode.SchemaMismatch, /^table: schema of "t" differs/],
        [() => store.write('t', t, { chunkRows: -1 }), ErrorCode.InvalidArgument, /chunkRows/],
        [() => store.write('t', t, { mode: 'upsert' as 'append' }), ErrorCode.InvalidArgument, /^table: invalid write mode "upsert"/],
        [() => store.write('t', { not: 'arrow' } as never), ErrorCode.InvalidArgument, /^table: data must be an Arrow Table, RecordBatch, RecordBatchReader, \(async\) iterable of RecordBatches, \{ schema, batches \} or IPC bytes \(got Object \{ not \}\)$/],
        [() => store.gc({ graceMs: -1 }), ErrorCode.InvalidArgument, /^gc: invalid graceMs -1/],
        [() => store.gc({ graceMs: Number.NaN }), ErrorCode.InvalidArgument, /^gc: invalid graceMs null/],
        [() => store.gc({ reflogRetentionMs: '5' as unknown as number }), ErrorCode.InvalidArgument, /^gc: invalid reflogRetentionMs "5"/],
        [() => store.log({ limit: 0 }), ErrorCode.InvalidArgument, /^catalog: invalid limit 0/],
        [() => store.createBranch(''), ErrorCode.InvalidName, /^names: invalid branch name "": must not be empty$/],
        [() => openStore(join(dir, 'nope')), ErrorCode.StoreNotFound, /^store: no Armillaria store at /],
      ];
      for (const [op, code, message] of bad) {
        const r = await typed(op);
        expect('error' in r && r.error.code, String(op)).toBe(code);
        if ('error' in r) expect(r.error.message, String(op)).toMatch(message);
        expect(await storeDigest(dir), `${String(op)} changed the store`).toBe(before);
      }
    });
  });

  it.skipIf(!canMakeReadOnly())('reads a read-only store, and refuses to change it with a typed error', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await store.write('t', tableFromArrays({ id: Int32Array.from([1, 2, 3]) }));
      const before = await storeDigest(dir);
      await setReadOnly(dir, true);
      try {
        for (const args of [['branch', 'create', 'b'], ['tag', 'create', 'v'], ['gc', '--grace', '0'], ['import', 't', join(dir, STORE_MARKER)]]) {
          const r = await runCli('--store', dir, ...args);
          expect(r.code, args.join(' ')).toBe(2);
          if (args[0] !== 'import') expect(r.err, args.join(' ')).toMatch(/^error: storage: cannot .*\((EACCES|EPERM|EROFS)\)\n$/);
        }
        const ro = await openStore(dir);
        expect((await ro.read('t')).numRows).toBe(3);
        expect((await ro.verify()).problems).toEqual([]);
        expect((await runCli('--store', dir, 'show', 't')).code).toBe(0);
        expect((await runCli('--store', dir, 'gc', '--dry-run')).code).toBe(0);
      } finally {
        await setReadOnly(dir, false);
      }
      expect(await storeDigest(dir)).toBe(before);
    });
  });

  it('refuses to make a store inside a file', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'f');
      await writeFile(file, 'x');
      await expect(openStore(file, { create: true })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, message: `store: cannot create a store at ${file}: it is a file, not a directory` });
      const r = await runCli('--store', join(file, 'sub'), 'init');
      expect(r).toMatchObject({ code: 2 });
      expect(r.err).toMatch(/^error: storage: cannot create the store in .*: a component of the path is not a directory \(ENOTDIR\)\n$/);
      await rm(file);
    });
  });
});
