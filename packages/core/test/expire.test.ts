import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { missingObjects } from '../src/catalog/reachability.js';
import { InvalidArgumentError, openStore, VersionExpiredError, type ReadOptions, type Store } from '../src/index.js';
import { runCli, storeDigest, withTempDir, withTempStore } from './helpers.js';

/** Version `v` of a table: rows of its own, so that each version has chunks no other version has. */
const version = (v: number) => tableFromArrays({ id: Int32Array.from({ length: 500 }, (_, i) => i), v: Float64Array.from({ length: 500 }, (_, i) => v * 1000 + i) });
const firstValue = async (store: Store, options: ReadOptions = {}) => (await store.read('t', options)).getChild('v')!.get(0) as number;

/** Writes versions 1..n of table `t` on main, one commit each. */
async function writeVersions(store: Store, n: number): Promise<void> {
  for (let v = 1; v <= n; v++) await store.write('t', version(v));
}

describe('expire', () => {
  it('cuts history after --keep-last, and gc then reclaims what only the expired versions reached', async () => {
    await withTempStore(async (writer, dir) => {
      let store = writer;
      await writeVersions(store, 10);
      await store.createTag('kept', { at: (await store.log({ limit: 9 })).at(-1)!.commit }); // version 2
      const dry = await store.expire({ keepLast: 2, dryRun: true });
      expect(dry).toMatchObject({ branch: 'main', expired: 8, oldestVersions: [{ table: 't', version: 9 }] });
      expect((await store.read('t', { version: 3 })).numRows).toBe(500); // a dry run expires nothing

      const first = (await store.log()).at(-1)!.commit;
      const report = await store.expire({ keepLast: 2 });
      expect(report).toEqual(dry);
      await expect(store.changes({ since: first })).rejects.toThrow(VersionExpiredError);
      // Expired versions are gone for reads, at once and by a typed error naming the oldest kept.
      await expect(store.read('t', { version: 8 })).rejects.toThrow(VersionExpiredError);
      await expect(store.read('t', { version: 8 })).rejects.toThrow(/version 8 of table "t" has expired \(the oldest kept is version 9\)/);
      expect(await firstValue(store, { version: 9 })).toBe(9000);
      // The log ends at the cut, shown as if it were the first commit.
      const log = await store.log();
      expect(log.map((e) => e.historyExpired ?? false)).toEqual([false, true]);
      expect(log[1]!.changes).toEqual([{ table: 't', version: 9 }]);

      const gc = await store.gc({ graceMs: 0 });
      // Versions 3..8 go (a commit, a manifest and a chunk each); the tag keeps 2 and, through its parent, 1.
      expect(gc.deleted).toBe(3 * 6);
      expect((await store.verify()).problems).toEqual([]);
      expect(await firstValue(store, { ref: 'kept' })).toBe(2000);
      expect(await firstValue(store)).toBe(10_000);

      // Commits keep landing on a cut history, in a process that never saw the expired commits: the
      // skip pointer of depth 12 would reach below the cut.
      store = await openStore(dir, { fsync: false });
      await writeVersions(store, 2);
      await store.write('t', version(13));
      expect((await store.describe('t')).version).toBe(13);
      const written: [number, number][] = [[9, 9], [10, 10], [11, 1], [12, 2], [13, 13]];
      for (const [v, content] of written) expect(await firstValue(store, { version: v })).toBe(content * 1000);
      await expect(store.read('t', { version: 5 })).rejects.toThrow(VersionExpiredError);
      expect((await store.log()).length).toBe(5);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('keeps the version current at --older-than, so time travel anywhere in the window still works', async () => {
    await withTempStore(async (store) => {
      await writeVersions(store, 3);
      await new Promise((r) => setTimeout(r, 300));
      const between = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 300));
      await store.write('t', version(4));
      // Version 3 was current at `between`: it stays; 1 and 2 expire.
      const report = await store.expire({ olderThanMs: Date.now() - Date.parse(between) });
      expect(report).toMatchObject({ expired: 2, oldestVersions: [{ table: 't', version: 3 }] });
      expect(await firstValue(store, { asOf: between })).toBe(3000);
      await expect(store.read('t', { asOf: '2000-01-01T00:00:00Z' })).rejects.toThrow(VersionExpiredError);
      // Nothing older than the window is left, so a second expiry finds nothing to do.
      expect(await store.expire({ olderThanMs: Date.now() - Date.parse(between) })).toMatchObject({ expired: 0, cut: report.cut });
      // --keep-last keeps more when it is the stricter rule.
      expect(await store.expire({ olderThanMs: 0, keepLast: 2, dryRun: true })).toMatchObject({ expired: 0 });
    });
  });

  it('leaves a branch forked before the cut whole', async () => {
    await withTempStore(async (store) => {
      await writeVersions(store, 2);
      await store.createBranch('dev');
      await store.write('t', version(30), { branch: 'dev' });
      await writeVersions(store, 2); // main at version 4
      await store.expire({ keepLast: 1 });
      await store.gc({ graceMs: 0 });
      expect((await store.verify()).problems).toEqual([]);
      // dev's history runs through commits main expired: they stay, for dev.
      expect(await firstValue(store, { ref: 'dev' })).toBe(30_000);
      expect((await store.log({ branch: 'dev' })).length).toBe(3);
      expect(await firstValue(store, { version: 1, branch: 'dev' })).toBe(1000);
      await expect(store.read('t', { version: 3 })).rejects.toThrow(VersionExpiredError);
    });
  });

  it("lets the gc fence check a ref forked before the cut without reading main's collected history", async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await writeVersions(store, 4);
      await store.createBranch('old');
      await writeVersions(store, 12); // main at depth 16
      await store.expire({ keepLast: 2 });
      expect((await store.gc({ graceMs: 0 })).deleted).toBeGreaterThan(0);
      await store.close();
      // A fresh process, whose commit cache holds none of the deleted commits: proving a commit of
      // "old" complete by main's first-parent chain would walk into them.
      const fresh = await openStore(dir);
      const main = (await fresh.refs.get('branch', 'main'))!;
      const old = (await fresh.refs.get('branch', 'old'))!;
      expect(await missingObjects(fresh.chunks, fresh.commits, old, [main], await fresh.expiry.walks())).toEqual([]);
      expect((await fresh.verify()).problems).toEqual([]);
      await fresh.close();
    });
  });

  it('reclaims the history a merge above the cut leads back into, once no ref holds it', async () => {
    await withTempStore(async (writer, dir) => {
      let store = writer;
      await writeVersions(store, 2); // depth 2: where fix forks
      await store.createBranch('fix');
      await store.write('f', version(40), { branch: 'fix' });
      await store.write('f', version(41), { branch: 'fix' });
      for (const v of [3, 4, 5]) await store.write('t', version(v)); // main at depth 5
      expect((await store.merge('fix')).status).toBe('merged'); // depth 6: its other parent is at depth 4
      await store.write('t', version(60)); // depth 7
      // f came with the merge, as version 3 (fix made 1 and 2): main keeps it from there.
      expect((await store.expire({ keepLast: 3 })).oldestVersions).toEqual([
        { table: 'f', version: 3 },
        { table: 't', version: 5 },
      ]);

      // While fix stands, its history (and main's before the fork) stays, for fix.
      expect((await store.gc({ graceMs: 0 })).deleted).toBe(3 * 2); // main's depths 3 and 4
      expect(await firstValue(store, { ref: 'fix', version: 1 })).toBe(1000);
      expect((await store.log({ branch: 'fix' })).length).toBe(4);

      // Once fix is gone, nothing holds what lies below the cut by way of the merge: main's depths 1
      // and 2 (a commit, a manifest and a chunk each) and fix's first commit (its commit, and f's
      // manifest and chunk); fix's second commit goes too, but not its manifest of f, which main has.
      await store.deleteBranch('fix');
      expect((await store.gc({ graceMs: 0, reflogRetentionMs: 0 })).deleted).toBe(3 * 2 + 3 + 1);
      store = await openStore(dir, { fsync: false }); // a process that never read the deleted commits
      expect((await store.verify()).problems).toEqual([]);
      expect(await firstValue(store)).toBe(60_000);
      expect(await firstValue(store, { version: 5 })).toBe(5000);
      expect((await store.read('f')).getChild('v')!.get(0)).toBe(41_000);
      await expect(store.read('t', { version: 4 })).rejects.toThrow(VersionExpiredError);
      expect((await store.show((await store.log())[1]!.commit)).parents).toHaveLength(2); // the merge

      // Merges still find their base above the cut, and commits still land.
      await store.createBranch('next');
      await store.write('t', version(70), { branch: 'next' });
      await store.write('f', version(42));
      expect((await store.merge('next')).status).toBe('merged');
      expect(await firstValue(store)).toBe(70_000);
      expect((await store.gc({ graceMs: 0 })).deleted).toBe(0);
      expect((await store.verify()).problems).toEqual([]);
    });
  });

  it('refuses bad options by name and leaves the store as it was', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await writeVersions(store, 3);
      const before = await storeDigest(dir);
      await expect(store.expire({})).rejects.toThrow(InvalidArgumentError);
      await expect(store.expire({ keepLast: 0 })).rejects.toThrow(/invalid keepLast 0/);
      await expect(store.expire({ olderThanMs: -1 })).rejects.toThrow(/invalid olderThanMs -1/);
      await expect(store.expire({ keepLast: 1, branch: 'nope' })).rejects.toThrow(/branch "nope" not found/);
      expect(await storeDigest(dir)).toBe(before);
    });
  });

  it('runs from the CLI, with --json, and names a bad age', async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir, { create: true, fsync: false });
      await writeVersions(store, 4);
      const json = JSON.parse((await runCli('--store', dir, 'expire', '--keep-last', '2', '--json')).out) as { expired: number; cut: string };
      expect(json).toMatchObject({ expired: 2 });
      const text = await runCli('--store', dir, 'expire', '--older-than', '0s', '--keep-last', '1');
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/^expired 1 commit\(s\) of main; history now starts at [0-9a-f]{12} \(oldest versions: t v4\); run gc/);
      const bad = await runCli('--store', dir, 'expire', '--older-than', '30 days');
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(/expected an age such as 30d.*"30 days"/);
      expect((await runCli('--store', dir, 'log')).out).toMatch(/history before this commit has expired/);
    });
  });
});
