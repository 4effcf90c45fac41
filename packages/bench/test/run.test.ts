/**
 * End to end on a small dataset: the run file has the shape the report reads, every read was verified,
 * and a phase core has not registered yet is recorded as not-implemented rather than faked.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { validateRunFile } from '@armillaria/report';
import { runBench } from '../src/run.js';
import { venvPythonOrSkip, withDatasetsDir, withTempDir } from './helpers.js';

const python = venvPythonOrSkip() !== undefined;

const silent = { log: () => {}, tick: () => {}, status: () => {}, stop: () => {} };

/** A quick run with one measured try per case and no output, its tables under `dir`. */
const quickRun = (dir: string, o: { phases: string[]; cases: string[]; datasets: string[]; storage?: 'local' | 's3' }) =>
  runBench({ quick: true, ...o, tries: 1, warmup: 0, minTimeMs: 0, codec: 'snappy', workDir: join(dir, 'work'), progress: silent });

describe('runBench', () => {
  it('runs sequential (and Delta) on seed-narrow-100k and produces a valid run file', async () => {
    await withDatasetsDir(async (dir) => {
      const phases = ['sequential', 'pushdown', ...(python ? ['delta'] : [])];
      const run = await quickRun(dir, { phases, cases: ['write', 'read', 'read-filter', 'versions', 'time-travel', 'dedup', 'branch'], datasets: ['seed-narrow-100k'] });
      expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'run')).not.toThrow();
      expect(run.quick).toBe(true);
      const byKey = new Map(run.results.map((r) => [`${r.phase}/${r.case}`, r]));
      for (const c of ['write', 'read', 'versions', 'time-travel']) {
        const r = byKey.get(`sequential/${c}`)!;
        expect(r.status, `${c}: ${r.error}`).toBe('ok');
        expect(r.dataset).toMatchObject({ name: 'seed-narrow', rows: 100_000, bytes: 1_600_000 });
        expect(r.stats!.samples).toBeGreaterThan(0);
        // CPU time beside wall time, try by try (recorded for diagnosis; the gate compares wall time)
        expect(r.cpuStats!.samples).toBe(r.stats!.samples);
        expect(r.tries.every((t) => t.cpuMs! > 0)).toBe(true);
      }
      expect(byKey.get('sequential/read')!.throughputMBps).toBeGreaterThan(0);
      // write and read run in 3 rounds (one measured try each here); only the first read is lukewarm
      expect(byKey.get('sequential/write')!).toMatchObject({ config: { rounds: 3 }, stats: { samples: 3 } });
      expect(byKey.get('sequential/read')!.tries.map((t) => t.cold ?? 'hot')).toEqual(['lukewarm', 'hot', 'hot', 'hot']);
      expect(byKey.get('sequential/versions')!.config.rounds).toBeUndefined();
      expect(byKey.get('sequential/versions')!.storage).toMatchObject({ versions: 11 });
      const dedup = byKey.get('sequential/dedup')!;
      expect(dedup.status, dedup.error).toBe('ok');
      expect(dedup.extra).toMatchObject({ insertedRows: 3000 });
      expect(Number(dedup.extra!.insertNewBytes)).toBeGreaterThan(0);
      expect(byKey.get('pushdown/write')!.status).toMatch(/not-implemented|ok/);
      const branch = byKey.get('sequential/branch')!;
      expect(branch.status, branch.error).toMatch(/^(ok|not-implemented)$/);
      if (branch.status === 'ok') {
        expect(branch.config.sampler).toBe('mitata');
        expect(branch.stats!.samples).toBeGreaterThan(10); // mitata trims the 2 fastest and 2 slowest samples
        expect(branch.extra!.refBytes).toBeGreaterThan(0);
      }
      if (python) {
        expect(byKey.get('delta/read')!.status).toBe('ok');
        expect(byKey.get('delta/read')!.cpuStats!.min).toBeGreaterThan(0);
        expect(byKey.get('delta/versions')!.config.updateMethod).toMatch(/merge/);
        expect(byKey.get('delta/dedup')!.status).toBe('ok');
        // Delta rewrites the table and copies identical data in full
        expect(Number(byKey.get('delta/dedup')!.extra!.identicalTableNewFraction)).toBeGreaterThan(0.9);
        expect(run.versions).toMatchObject({ deltalake: '1.6.6', pyarrow: '26.0.1' });
      }
    });
  }, 180_000);

  it('runs the ladder on a table file of the user\'s, with a projection and a filter chosen for it', async () => {
    await withDatasetsDir(async (dir) => {
      // No `id` column, several record batches: rows are compared in order on both engines.
      const n = 20_000;
      const whole = new Table({
        city: vectorFromArray(Array.from({ length: n }, (_, i) => `c${(i * 31) % 97}`), new Utf8()),
        delay: vectorFromArray(Float64Array.from({ length: n }, (_, i) => (i * 7919) % n)),
      });
      const table = new Table([...whole.slice(0, n / 2).batches, ...whole.slice(n / 2).batches]);
      const file = join(dir, 'flights.arrow');
      writeFileSync(file, tableToIPC(table, 'file'));
      const phases = ['sequential', 'pushdown', ...(python ? ['delta'] : [])];
      const cases = ['write', 'read', 'read-projection', 'read-filter', 'dedup'];
      const run = await quickRun(dir, { phases, cases, datasets: [file] });
      expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'run')).not.toThrow();
      for (const phase of phases) {
        const byCase = new Map(run.results.filter((r) => r.phase === phase).map((r) => [r.case, r]));
        for (const c of ['write', 'read', 'read-projection', 'read-filter']) {
          const r = byCase.get(c)!;
          expect(r.status, `${phase} ${c}: ${r.error}`).toBe('ok');
          expect(r.dataset).toMatchObject({ name: 'file:flights', rows: n });
        }
        expect(byCase.get('read-projection')!.config.columns).toBe('city');
        expect(byCase.get('read-filter')!.config).toMatchObject({ filter: 'delay >= 10000 and delay < 10200', selectedRows: 200 });
        expect(byCase.has('dedup')).toBe(false); // it needs an `id` column, so it does not apply
      }
    });
  }, 180_000);

  it.skipIf(!python)('runs Iceberg and Lance through the cases they support, every read verified; the others say why', async () => {
    await withDatasetsDir(async (dir) => {
      const cases = ['write', 'read', 'read-projection', 'read-filter', 'append', 'versions', 'time-travel', 'dedup', 'delete', 'add-column', 'branch-write', 'branch', 'optimize', 'commit', 'commits', 'sql-filter', 'publish'];
      const run = await quickRun(dir, { phases: ['iceberg', 'lance'], cases, datasets: ['seed-narrow-100k'] });
      expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'run')).not.toThrow();
      expect(run.versions).toMatchObject({ pyiceberg: '0.12.0', pylance: '14.0.3' });
      const unsupported: Record<string, string[]> = { iceberg: ['optimize', 'sql-filter', 'publish'], lance: ['sql-filter', 'publish'] };
      for (const engine of ['iceberg', 'lance'] as const) {
        const byCase = new Map(run.results.filter((r) => r.engine === engine).map((r) => [r.case, r]));
        for (const c of cases) {
          const r = byCase.get(c)!;
          if (unsupported[engine]!.includes(c)) {
            expect(r.status, `${engine} ${c}`).toBe('not-implemented');
            expect(r.error, `${engine} ${c}: a reason`).toMatch(new RegExp(`${engine}|harness|view`, 'i'));
          } else {
            expect(r.status, `${engine} ${c}: ${r.error}`).toBe('ok');
          }
        }
        // Real branches: a ref costs metadata bytes, never a copy of the table.
        expect(Number(byCase.get('branch')!.extra!.refBytes)).toBeLessThan(20_000);
        expect(byCase.get('delete')!.extra).toMatchObject({ deletedRows: 3998 });
        expect(byCase.get('time-travel')!.config.version).toBe(engine === 'lance' ? 1 : 0);
        // 8 writers through one table: every commit landed or was given up on by the engine, and counted.
        expect(Number(byCase.get('commits')!.extra!.commitsPerSecond)).toBeGreaterThan(0);
      }
      expect(run.results.find((r) => r.engine === 'lance' && r.case === 'write')!.config.format).toMatch(/not Parquet/);
    });
  }, 300_000);

  it('refuses an unknown dataset or a missing table file before running anything', async () => {
    await withTempDir(async (dir) => {
      const run = (datasets: string[]) => quickRun(dir, { phases: ['sequential'], cases: ['write'], datasets });
      await expect(run(['seed-narrow-100k', join(dir, 'gone.parquet')])).rejects.toThrow(`datasets: file ${join(dir, 'gone.parquet')} does not exist`);
      await expect(run(['seed-narrow-100k', 'flights.json'])).rejects.toThrow(/unknown dataset "flights.json" \(known: .*; or a table file ending in \.parquet, /);
    });
  });

  it('runs the storage workloads on both engines, each head verified, with their figures in extra', async () => {
    await withDatasetsDir(async (dir) => {
      const cases = ['appends', 'delete', 'delete-range', 'add-column', 'branch-write'];
      const run = await quickRun(dir, { phases: ['sequential', ...(python ? ['delta'] : [])], cases, datasets: ['seed-narrow-100k'] });
      expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'run')).not.toThrow();
      for (const phase of ['sequential', ...(python ? ['delta'] : [])]) {
        const byCase = new Map(run.results.filter((r) => r.phase === phase).map((r) => [r.case, r]));
        for (const c of cases) expect(byCase.get(c)?.status, `${phase} ${c}: ${byCase.get(c)?.error}`).toBe('ok');
        const appends = byCase.get('appends')!;
        expect(appends.tries).toHaveLength(10);
        expect(appends.storage).toMatchObject({ versions: 11 });
        const bytes = Array.from({ length: 11 }, (_, i) => Number(appends.extra![`bytesA${i}`]));
        for (let i = 1; i < 11; i++) expect(bytes[i]).toBeGreaterThan(bytes[i - 1]!);
        expect(appends.storage!.bytes).toBe(bytes[10]);
        expect(Number(appends.extra!.appendFinalOverOptimum)).toBeCloseTo(bytes[10]! / Number(appends.extra!.optimumBytes), 9);
        expect(byCase.get('delete')!.extra).toMatchObject({ deletedRows: 3998 });
        expect(byCase.get('delete')!.config.predicate).toBe('value < 0.04');
        expect(byCase.get('delete-range')!.extra).toMatchObject({ deletedRows: 4000 });
        for (const c of ['delete', 'delete-range']) {
          const e = byCase.get(c)!.extra!;
          expect(Number(e.deleteNewFraction)).toBeCloseTo(Number(e.deleteNewBytes) / Number(e.bytesOneVersion), 9);
        }
        const add = byCase.get('add-column')!.extra!;
        expect(Number(add.addColumnOwnBytes)).toBeGreaterThan(100_000 * 4); // 100K incompressible float64s
        expect(Number(add.addColumnNewBytes)).toBeGreaterThan(0);
        const branch = byCase.get('branch-write')!;
        if (phase === 'delta') {
          expect(branch.config.method).toBe('full-copy');
          expect(branch.extra!.branchNewFraction).toBe(1);
        } else {
          expect(branch.extra!.branchNewChunkBytes).toBe(0); // identical data: every chunk already stored
          expect(Number(branch.extra!.branchNewFraction)).toBeLessThan(0.01);
        }
      }
    });
  }, 180_000);

  it.each(['local', 's3'] as const)('runs the commit cases on both engines (storage %s), every commit accounted for', async (storage) => {
    await withDatasetsDir(async (dir) => {
      const phases = ['sequential', ...(python ? ['delta'] : [])];
      const cases = ['commit', 'commits', 'commits-apart'];
      const run = await quickRun(dir, { phases, cases, datasets: ['seed-narrow-100k'], storage });
      expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'run')).not.toThrow();
      for (const phase of phases) {
        const byCase = new Map(run.results.filter((r) => r.phase === phase).map((r) => [r.case, r]));
        for (const c of cases) {
          const r = byCase.get(c);
          expect(r?.status, `${phase} ${c}: ${r?.error}`).toBe('ok');
          expect(r!.variant ?? '').toBe(storage === 's3' ? 's3' : '');
        }
        for (const c of ['commits', 'commits-apart']) {
          const e = byCase.get(c)!.extra!;
          expect(Number(e.commitsPerSecond)).toBeGreaterThan(0);
          // Armillaria's writers retry a lost race, so every commit lands.
          if (phase !== 'delta') expect(e.failedCommits).toBe(0);
        }
        // Armillaria's S3 backend counts what each commit sent: a small commit is a handful of requests.
        const requests = byCase.get('commit')!.extra?.requests;
        if (storage === 's3' && phase !== 'delta') expect(Number(requests)).toBeGreaterThanOrEqual(3);
        if (storage === 's3' && phase !== 'delta') expect(Number(requests)).toBeLessThanOrEqual(8);
        if (storage === 'local') expect(requests).toBeUndefined();
      }
    });
  }, 300_000);
});
