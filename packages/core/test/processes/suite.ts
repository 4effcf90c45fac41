/**
 * Crash and concurrency across real processes, in every phase: each `<phase>.test.ts` here calls
 * `processSuite(phase)`, and s3.test.ts calls it for every phase with the stores on S3. The children
 * run the built package (dist/), which `pnpm test` builds first, with ARMILLARIA_PHASE set to the
 * phase (and the AWS_* variables of the S3 server, for stores there).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { nativeStatus, openStore, TableNotFoundError, VersionExpiredError, type OpenOptions, type PhaseName } from '../../src/index.js';
import { PHASES } from '../../src/internals.js';
import { withTempDir } from '../helpers.js';

/** Where the suite's stores live: a fresh location each time, what workers and this process need to reach it. */
export interface ProcessHost {
  name: string;
  withLocation<T>(fn: (location: string) => Promise<T>): Promise<T>;
  /** Environment of the worker processes. */
  env: Record<string, string>;
  /** Options of this process's `openStore`. */
  options: OpenOptions;
}

export const localProcessHost: ProcessHost = { name: 'local', withLocation: withTempDir, env: {}, options: {} };

const WORKER = fileURLToPath(new URL('./committer.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

type Worker = { child: ChildProcess; out: () => string; done: Promise<number | null> };

export function startWorker(env: Record<string, string>, ...args: string[]): Worker {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(`worker ${args.join(' ')} failed:\n${err}`);
      resolve(code);
    }),
  );
  return { child, out: () => out, done };
}

/** Resolves once `cond()` holds (polled every 10 ms); rejects after `ms`. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const col = (t: import('apache-arrow').Table) => [...t.getChild('n')!].map(Number);
const seed = () => tableFromArrays({ n: new Int32Array([0]), pid: new Int32Array([0]) });

/** Lines of a worker's output that start with `word`, split into fields. */
const lines = (w: Worker, word: string): string[][] => w.out().trim().split('\n').map((l) => l.split(' ')).filter((f) => f[0] === word);

/**
 * The suite for `phase` with its stores on `host`. `scope: 'phase'` runs only the tests whose outcome
 * depends on the phase (commits and gc meeting the phase's chunk I/O); ref races and conflicts are
 * the same in every phase, so a host that is slow to test runs them once.
 */
export function processSuite(phase: PhaseName, host: ProcessHost = localProcessHost, skip: false | string = false, scope: 'all' | 'phase' = 'all'): void {
  const everyPhase = it;
  const oncePerHost = scope === 'all' ? it : it.skip;
  // Under CI, ARMILLARIA_NATIVE=require turns a missing addon into a failure instead of a skip.
  const runnable = existsSync(DIST) && (!PHASES[phase].needsNative || nativeStatus().available) && !skip;
  const start = (...args: string[]) => startWorker({ ...host.env, ARMILLARIA_PHASE: phase }, ...args);
  const open = (dir: string, create = false) => openStore(dir, { phase, create, ...host.options });
  /** Two writers reusing garbage (tables r0, r1; 12 commits each) beside a gc loop of `gcArgs`, until the writers are done. */
  /** Two writers reusing garbage beside a gc loop; with `expire`, a third merging branches into main. */
  const reuseBesideGc = async (dir: string, ...gcArgs: string[]) => {
    await (await open(dir, true)).write('seed', seed());
    const gc = start(dir, 'gc', ...gcArgs);
    const writers = ['r0', 'r1'].map((t) => start(dir, 'reuse', t, '12'));
    const merger = gcArgs.includes('expire') ? start(dir, 'merges', 'm', '8') : undefined;
    const codes = await Promise.all([...writers, ...(merger ? [merger] : [])].map((w) => w.done));
    gc.child.kill('SIGKILL');
    await gc.done;
    expect(codes).toEqual(merger ? [0, 0, 0] : [0, 0]);
    for (const w of writers) expect(lines(w, 'mismatch')).toEqual([]);
    return { gc, writers, merger };
  };

  describe.skipIf(!runnable)(`across processes, phase ${phase}${host === localProcessHost ? '' : ` on ${host.name}`}`, () => {
    everyPhase('never shows a partial transaction or loses a committed one when killed with SIGKILL', async () => {
      await host.withLocation(async (dir) => {
        let lastCommitted = -1;
        // Eight kills, and more while too few commits have landed to prove anything: a kill between
        // the two steps of the first commit's ref creation on S3 stalls the next ones for PENDING_MS,
        // and a loaded machine can take most of a round's while for one commit, so later rounds last
        // longer (still killed at a random moment).
        for (let round = 0; round < 8 || (lastCommitted <= 5 && round < 40); round++) {
          const w = start(dir, 'crash');
          // Let it commit for a random while, then kill it mid-flight. The while starts once the store
          // is open: a node start under load can take longer than any fixed delay.
          await until(() => w.out().includes('ready'), 30_000);
          await new Promise((r) => setTimeout(r, Math.random() * 500 * (round < 8 ? 1 : 4)));
          w.child.kill('SIGKILL');
          await w.done;
          const committed = [...w.out().matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
          if (committed.length > 0) lastCommitted = Math.max(lastCommitted, ...committed);

          const store = await open(dir);
          // Killed before its first commit, the store has neither table: that is consistent too.
          const tables = (await store.tables()).map((t) => t.name);
          expect(tables.length === 0 || tables.join() === 'a,b').toBe(true);
          const a = tables.length ? col(await store.read('a')) : [];
          const b = tables.length ? col(await store.read('b')) : [];
          expect(a).toEqual(b); // both tables or neither: nothing partial
          expect(a).toEqual(a.map((_, i) => i)); // no gaps, no duplicates
          expect(a.length - 1).toBeGreaterThanOrEqual(lastCommitted); // nothing committed was lost
          expect((await store.verify()).problems).toEqual([]);
        }
        expect(lastCommitted).toBeGreaterThan(5);
      });
    }, 240_000);

    oncePerHost('lands every commit of concurrent writers to different tables', async () => {
      await host.withLocation(async (dir) => {
        await (await open(dir, true)).write('seed', seed());
        const workers = ['t0', 't1', 't2', 't3'].map((t) => start(dir, 'own', t, '15'));
        expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0, 0, 0]);
        const store = await open(dir);
        for (const t of ['t0', 't1', 't2', 't3']) expect((await store.describe(t)).version).toBe(15);
        expect(await store.log()).toHaveLength(1 + 4 * 15);
      });
    }, 120_000);

    oncePerHost('creates and deletes each ref exactly as often as it reports, with racing processes', async () => {
      await host.withLocation(async (dir) => {
        const store = await open(dir, true);
        await store.write('seed', seed());
        const workers = [0, 1, 2, 3].map(() => start(dir, 'branches', 'race-', '40'));
        expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0, 0, 0]);
        const outcomes = workers.flatMap((w) => w.out().trim().split('\n'));
        const count = (o: string) => outcomes.filter((x) => x === o).length;
        // Every reported creation and deletion happened, and no other.
        expect(count('created') + count('exists')).toBe(160);
        expect(count('created')).toBeGreaterThanOrEqual(40);
        expect(count('deleted')).toBe(count('created'));
        for (let i = 0; i < 40; i++) {
          const log = await store.reflog('branch', `race-${i}`);
          expect(log.filter((e) => e.old === null).length).toBe(log.filter((e) => e.new === null).length);
        }
        expect((await store.branches()).map((b) => b.name)).toEqual(['main']);
        expect((await store.verify()).problems).toEqual([]);
      });
    }, 120_000);

    oncePerHost('reports conflicts on one table instead of losing commits', async () => {
      await host.withLocation(async (dir) => {
        await (await open(dir, true)).write('shared', seed());
        const workers = [0, 1, 2].map(() => start(dir, 'shared', 'shared', '15'));
        expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0, 0]);
        const outcomes = workers.flatMap((w) => w.out().trim().split('\n'));
        expect(outcomes).toHaveLength(45);
        const ok = outcomes.filter((o) => o === 'ok').length;
        const store = await open(dir);
        // Every success is a version; every other attempt was told it conflicted.
        expect((await store.describe('shared')).version).toBe(1 + ok);
        expect((await store.log({ table: 'shared' })).length).toBe(1 + ok);
        expect(outcomes.filter((o) => o === 'conflict').length).toBe(45 - ok);
      });
    }, 120_000);

    everyPhase('never lets a gc at grace 0 or the default delete what a commit names, with writers reusing garbage', async () => {
      await host.withLocation(async (dir) => {
        const { gc, writers } = await reuseBesideGc(dir);
        // gc really raced the writers: it ran, and deleted garbage while they worked.
        expect(lines(gc, 'gc').length).toBeGreaterThan(1);
        expect(lines(gc, 'gc').some(([, n]) => Number(n) > 0)).toBe(true);
        const store = await open(dir);
        expect((await store.verify()).problems).toEqual([]);
        for (const [t, w] of [['r0', writers[0]!], ['r1', writers[1]!]] as const) {
          const landed = lines(w, 'ok');
          expect(landed.length + lines(w, 'gc-conflict').length).toBe(12);
          // A write told of a gc conflict committed nothing: when none landed (a slow store beside a
          // gc at grace 0 can do that to all twelve), the table was never made.
          if (landed.length === 0) {
            await expect(store.describe(t)).rejects.toThrow(TableNotFoundError);
            continue;
          }
          // The last commit that landed is the table's head, whole.
          expect((await store.read(t)).numRows).toBe(Number(landed.at(-1)![2]));
          // And every version that landed still reads in full.
          const versions = (await store.describe(t)).version;
          for (let v = 1; v <= versions; v++) expect((await store.read(t, { version: v })).numRows).toBeGreaterThan(0);
        }
      });
    }, 120_000);

    oncePerHost('expires history beside writers and gc without losing what a kept version names', async () => {
      await host.withLocation(async (dir) => {
        const { gc, writers, merger } = await reuseBesideGc(dir, 'expire');
        expect(lines(gc, 'expired').some(([, n]) => Number(n) > 0)).toBe(true);
        const store = await open(dir);
        expect((await store.verify()).problems).toEqual([]);
        // Every merge landed, and the merged table reads as the last one left it.
        expect(lines(merger!, 'merged')).toHaveLength(8);
        expect((await store.read('m')).numRows).toBe(1007);
        for (const [t, w] of [['r0', writers[0]!], ['r1', writers[1]!]] as const) {
          const landed = lines(w, 'ok');
          if (landed.length === 0) continue;
          expect((await store.read(t)).numRows).toBe(Number(landed.at(-1)![2]));
          // Every version reads in full or is expired; none is half gone.
          for (let v = 1; v <= (await store.describe(t)).version; v++) {
            await store.read(t, { version: v }).then(
              (r) => expect(r.numRows).toBeGreaterThan(0),
              (e: unknown) => expect(e).toBeInstanceOf(VersionExpiredError),
            );
          }
        }
      });
    }, 120_000);
  });
}
