/**
 * One benchmark run: for each dataset, every engine (each Armillaria phase, then Delta Lake, Iceberg and
 * Lance) runs every selected case, case by case with the engines interleaved (and, for the cases that
 * allow it, round by round within a case: rounds.ts), so ratios are measured side by side.
 * Failures are recorded per case (status 'error' / 'rejected' / 'not-implemented') and printed loudly;
 * a failing case never stops the run and never falls back to another phase.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BenchResult, RunFile, VersionInfo } from '@armillaria/report';
import { tableChecksum } from './checksum.js';
import { checkDatasetName, ensureDataset, ensureFileDataset, readPayload, type LoadedDataset } from './datasets/datasets.js';
import { datasetSpec, isTableFile, resultName } from './datasets/specs.js';
import { ArmillariaEngine } from './engines/armillaria.js';
import { DeltaEngine } from './engines/delta.js';
import { IcebergEngine } from './engines/iceberg.js';
import { LanceEngine } from './engines/lance.js';
import type { Engine, EngineDescription } from './engines/engine.js';
import { baseVersions, machineInfo } from './environment.js';
import { collectGarbage, timingStats } from './measure.js';
import { makeProgress, type Progress } from './progress.js';
import { makeRunFile } from './results.js';
import { selectCases, type BenchCase, type CaseOutcome, type CaseSettings, type SessionState } from './cases/index.js';
import { DEFAULT_ROUNDS, poolRounds, roundSettings } from './rounds.js';
import { startObjectStorage, withS3Variant, type S3Place, type StorageKind } from './object-storage.js';

export type Codec = 'snappy' | 'zstd' | 'uncompressed';

export interface RunOptions {
  quick: boolean;
  /** Armillaria phases, plus the competitors: 'delta' (Delta Lake), 'iceberg', 'lance'. */
  phases: string[];
  cases?: string[];
  datasets: string[];
  tries: number;
  warmup: number;
  /** Fast cases add measured tries until this much engine time is measured (default quick 300, full 1500 ms). */
  minTimeMs?: number;
  /** Cap on measured tries per case (default quick 20, full 30). */
  maxTries?: number;
  /** Cases that can run in rounds split their tries into this many, engines taking turns (default 3). */
  rounds?: number;
  codec: Codec;
  /** Scratch directory for tables (default $ARMILLARIA_BENCH_DIR or the OS temp dir). */
  workDir?: string;
  chunkRows?: number;
  /** Armillaria fsyncs objects and refs (default true); false compares page cache with page cache. */
  fsync?: boolean;
  /** Where both engines keep their tables: the work directory (default), or a local SeaweedFS S3 server. */
  storage?: StorageKind;
  progress?: Progress;
  /** Print a line per finished case even on a TTY. */
  verbose?: boolean;
}

const errMessage = (e: unknown): string => {
  const err = e as { code?: string; message?: string };
  return `${err.code ? `[${err.code}] ` : ''}${err.message ?? String(e)}`;
};

function isNotImplemented(e: unknown): boolean {
  return (e as { notImplemented?: boolean }).notImplemented === true;
}

function makeEngine(phase: string, opts: RunOptions, log: (l: string) => void, s3?: S3Place): Engine {
  const python = { codec: opts.codec, onStderr: (l: string) => log(`[${phase}] ${l}`), log };
  if (phase === 'delta') return new DeltaEngine({ ...python, ...(s3 ? { s3 } : {}) });
  if (phase === 'iceberg' || phase === 'lance') {
    if (s3) throw new Error(`bench: ${phase} on S3 storage is not built yet (its tables would need the server's credentials in pyiceberg/pylance)`);
    return phase === 'iceberg' ? new IcebergEngine(python) : new LanceEngine(python);
  }
  return new ArmillariaEngine({
    phase,
    codec: opts.codec,
    ...(opts.chunkRows ? { chunkRows: opts.chunkRows } : {}),
    ...(opts.fsync === false ? { fsync: false } : {}),
    ...(s3 ? { s3 } : {}),
  });
}

/** Assemble the result of one case from its outcome. */
export function assembleResult(
  engine: Pick<Engine, 'engine' | 'phase'>,
  bcase: Pick<BenchCase, 'name' | 'throughput'>,
  dataset: LoadedDataset,
  config: Record<string, string | number | boolean>,
  outcome: CaseOutcome,
): BenchResult {
  const measured = outcome.tries.filter((t) => t.cold === undefined);
  const times = measured.map((t) => t.internalMs ?? t.ms);
  const stats = outcome.stats ?? (outcome.status === 'ok' && times.length > 0 ? timingStats(times) : undefined);
  const cpu = measured.map((t) => t.cpuMs);
  const cpuStats = stats && !outcome.stats && cpu.every((c) => c !== undefined) ? timingStats(cpu as number[]) : undefined;
  const bytes = dataset.entry.arrowBytes;
  const throughputMBps =
    outcome.throughputMBps ?? (bcase.throughput && stats && stats.median > 0 ? bytes / stats.median / 1000 : undefined);
  return {
    engine: engine.engine,
    phase: engine.phase,
    case: bcase.name,
    dataset: { name: resultName(dataset.spec), rows: dataset.entry.rows, bytes, sha256: dataset.entry.sha256 },
    ...(outcome.variant ? { variant: outcome.variant } : {}),
    config: { ...config, ...(outcome.config ?? {}), datasetId: dataset.spec.name },
    status: outcome.status,
    ...(outcome.error ? { error: outcome.error } : {}),
    tries: outcome.tries,
    ...(stats ? { stats } : {}),
    ...(cpuStats ? { cpuStats } : {}),
    ...(throughputMBps !== undefined && outcome.status === 'ok' ? { throughputMBps } : {}),
    ...(outcome.rssPeakBytes ? { rssPeakBytes: outcome.rssPeakBytes } : {}),
    ...(outcome.storage ? { storage: outcome.storage } : {}),
    ...(outcome.extra || measured.some((t) => t.requests) ? { extra: { ...outcome.extra, ...requestMedians(measured) } } : {}),
  };
}

/** `requests` and `requests.<Operation>`: medians over the tries that counted them. */
function requestMedians(tries: BenchResult['tries']): Record<string, number> {
  const counted = tries.flatMap((t) => (t.requests ? [t.requests] : []));
  if (counted.length === 0) return {};
  const median = (xs: number[]) => timingStats(xs).median;
  const ops = [...new Set(counted.flatMap((c) => Object.keys(c)))].sort();
  return {
    requests: median(counted.map((c) => Object.values(c).reduce((a, b) => a + b, 0))),
    ...Object.fromEntries(ops.map((op) => [`requests.${op}`, median(counted.map((c) => c[op] ?? 0))])),
  };
}

function summary(r: BenchResult, bcase: BenchCase): string {
  const head = `${r.phase.padEnd(14)} ${`${r.config.datasetId}`.padEnd(17)} ${r.case.padEnd(15)}`;
  if (r.status !== 'ok') return `${head} ${r.status.toUpperCase()}${r.error ? `: ${r.error}` : ''}`;
  const s = r.stats!;
  const tp = r.throughputMBps !== undefined ? `  ${r.throughputMBps.toFixed(1)} MB/s` : '';
  const own = bcase.headline?.(r);
  const st = own ? `  ${own}` : r.storage?.dedup !== undefined ? `  dedup ${(r.storage.dedup * 100).toFixed(1)}%` : '';
  return `${head} median ${s.median.toFixed(s.median < 10 ? 3 : 1)} ms${tp}${st}`;
}

/** Load a dataset (generating it if needed), or a table file of the user's own, and compute its checksum. */
export async function loadDataset(name: string, log: (l: string) => void): Promise<LoadedDataset> {
  if (isTableFile(name)) {
    const { path, entry, spec, table } = await ensureFileDataset(name, { log }); // already read
    return { spec, entry, path, table, checksum: tableChecksum(table) };
  }
  const { path, entry } = await ensureDataset(name, { log });
  const table = readPayload(path);
  return { spec: datasetSpec(name), entry, path, table, checksum: tableChecksum(table) };
}

/**
 * Run the benchmark and return the run file (not yet written).
 */
export async function runBench(opts: RunOptions): Promise<RunFile> {
  const start = new Date();
  const cases = selectCases(opts.cases);
  // Bad names and missing files fail here, not after the datasets before them have run.
  opts.datasets.forEach(checkDatasetName);
  const workRoot = resolve(opts.workDir ?? process.env.ARMILLARIA_BENCH_DIR ?? os.tmpdir(), `armillaria-bench-${process.pid}`);
  mkdirSync(workRoot, { recursive: true });
  const machine = machineInfo(dirname(workRoot));
  const progress = opts.progress ?? makeProgress(opts.datasets.length * opts.phases.length * cases.length);
  const log = (l: string): void => progress.log(l);
  const loud = (l: string): void => progress.log(`\n!!! ${l}\n`);
  const versions: VersionInfo = baseVersions();
  const results: BenchResult[] = [];
  const objectStorage = opts.storage === 's3' ? await startObjectStorage() : undefined;
  if (objectStorage) log(`bench: both engines keep their tables on a SeaweedFS S3 server at ${objectStorage.server.endpoint} (this machine)`);
  const engines = new Map<string, { engine: Engine; description?: EngineDescription; setupError?: unknown }>();
  for (const phase of opts.phases) {
    const engine = makeEngine(phase, opts, log, objectStorage?.place(`run-${process.pid}/${phase}`));
    try {
      const description = await engine.describe();
      Object.assign(versions, description.versions);
      engines.set(phase, { engine, description });
    } catch (e) {
      loud(`${phase}: cannot describe engine: ${errMessage(e)}`);
      engines.set(phase, { engine, setupError: e });
    }
  }
  try {
    for (const name of opts.datasets) {
      progress.status(`loading ${name}`);
      const dataset = await loadDataset(name, log);
      // Set every engine up for this dataset, then run case by case with the engines interleaved, so
      // the engines' numbers for one case are taken seconds apart: load from other work on a shared
      // machine then hits both sides of a ratio alike.
      const sessions = [];
      for (const phase of opts.phases) {
        const slot = engines.get(phase)!;
        const workDir = join(workRoot, dataset.spec.name.replace(/[^\w.-]/g, '_'), phase);
        rmSync(workDir, { recursive: true, force: true });
        mkdirSync(workDir, { recursive: true });
        let setupError = slot.setupError;
        if (!setupError) {
          try {
            await slot.engine.setup(dataset, workDir);
            // What the datasets before freed would count in this one's peak RSS (seed-wide 10M's write
            // began at 1009 MiB after seed-narrow 10M's cases, at 552 MiB alone). Once per dataset:
            // before every case, it slowed short reads whose few tries then met unmapped pages.
            await slot.engine.settle();
          } catch (e) {
            setupError = e;
          }
        }
        if (setupError && !isNotImplemented(setupError)) {
          loud(`${phase} on ${dataset.spec.name}: engine setup FAILED, all its cases are recorded as errors: ${errMessage(setupError)}`);
        } else if (setupError) {
          log(`${phase.padEnd(14)} ${dataset.spec.name.padEnd(17)} NOT-IMPLEMENTED (all cases): ${errMessage(setupError)}`);
        }
        const config: Record<string, string | number | boolean> = { ...(slot.description?.config ?? { codec: opts.codec }) };
        sessions.push({ phase, engine: slot.engine, workDir, setupError, config, state: {} as SessionState });
      }
      const settings: CaseSettings = {
        warmup: opts.warmup,
        tries: opts.tries,
        minTimeMs: opts.minTimeMs ?? (opts.quick ? 300 : 1500),
        maxTries: Math.max(opts.tries, opts.maxTries ?? (opts.quick ? 20 : 30)),
        quick: opts.quick,
      };
      for (const bcase of cases) {
        const rounds = bcase.rounds ? (opts.rounds ?? DEFAULT_ROUNDS) : 1;
        // Why a session cannot run this case, decided once: it is recorded instead of measured.
        const once = bcase.oncePerRun === true && name !== opts.datasets[0];
        const skipped = sessions.map(({ engine, setupError }): CaseOutcome | 'does-not-apply' | undefined => {
          if (!bcase.applies(dataset) || once) return 'does-not-apply';
          if (setupError) {
            return isNotImplemented(setupError)
              ? { status: 'not-implemented', error: errMessage(setupError), tries: [] }
              : { status: 'error', error: errMessage(setupError), tries: [] };
          }
          const unsupported = bcase.feature ? engine.unsupported(bcase.feature) : undefined;
          return unsupported ? { status: 'not-implemented', error: unsupported, tries: [] } : undefined;
        });
        const outcomes: CaseOutcome[][] = sessions.map(() => []);
        for (let round = 0; round < rounds; round++) {
          for (const [k, { phase, engine, state }] of sessions.entries()) {
            if (skipped[k] !== undefined || outcomes[k]!.some((o) => o.status !== 'ok')) continue;
            progress.status(`${phase} ${dataset.spec.name} ${bcase.name}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}`);
            try {
              await collectGarbage();
              outcomes[k]!.push(await bcase.run({ engine, dataset, settings: roundSettings(settings, round, rounds), round, state, log }));
            } catch (e) {
              if (isNotImplemented(e)) outcomes[k]!.push({ status: 'not-implemented', error: errMessage(e), tries: [] });
              else {
                loud(`${phase} ${dataset.spec.name} ${bcase.name} FAILED: ${errMessage(e)}`);
                outcomes[k]!.push({ status: 'error', error: errMessage(e), tries: [] });
              }
            }
          }
        }
        for (const [k, session] of sessions.entries()) {
          const skip = skipped[k];
          if (skip === 'does-not-apply') {
            progress.tick(`${session.phase.padEnd(14)} ${name.padEnd(17)} ${bcase.name.padEnd(15)} (${once ? 'first dataset only' : 'does not apply'})`, true);
            continue;
          }
          const outcome = skip ?? poolRounds(outcomes[k]!);
          const config = rounds > 1 ? { ...session.config, rounds } : session.config;
          const result = assembleResult(session.engine, bcase, dataset, config, objectStorage ? { ...outcome, variant: withS3Variant(outcome.variant) } : outcome);
          if (result.status === 'rejected') loud(`${session.phase} ${dataset.spec.name} ${bcase.name} REJECTED: ${result.error}`);
          results.push(result);
          progress.tick(summary(result, bcase), Boolean(session.setupError && isNotImplemented(session.setupError)));
        }
      }
      for (const { phase, engine, workDir, setupError } of sessions) {
        if (!setupError) {
          try {
            await engine.teardown();
          } catch (e) {
            loud(`${phase} on ${dataset.spec.name}: teardown failed: ${errMessage(e)}`);
          }
        }
        rmSync(workDir, { recursive: true, force: true });
      }
    }
  } finally {
    for (const { engine } of engines.values()) await engine.close().catch(() => {});
    progress.stop();
    rmSync(workRoot, { recursive: true, force: true });
    await objectStorage?.server.stop();
  }
  return makeRunFile({ start, quick: opts.quick, machine, versions, results });
}
