#!/usr/bin/env node
/**
 * `armillaria-report --results DIR --out FILE [--machine NAME] [--quick | --full] [--tolerance 0.1]
 * [--fail-on-regression]`: render the results tree to one HTML file.
 *
 * Exit codes: 0 written; 1 written but the latest run regressed and `--fail-on-regression` was given;
 * 2 bad arguments or unreadable results.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReport, type ReportOptions } from './report.js';

const USAGE = `usage: armillaria-report --results DIR --out FILE [--machine NAME] [--quick | --full]
                         [--tolerance FRACTION] [--fail-on-regression] [--title TEXT]`;

/**
 * Run the CLI.
 *
 * @param argv - arguments without `node` and the script path
 * @param log - where to print progress and errors (stderr for errors in the real CLI)
 * @returns the process exit code
 */
export async function main(
  argv: readonly string[],
  log: { out: (s: string) => void; err: (s: string) => void } = { out: console.log, err: console.error },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        results: { type: 'string' },
        out: { type: 'string' },
        machine: { type: 'string' },
        quick: { type: 'boolean' },
        full: { type: 'boolean' },
        tolerance: { type: 'string' },
        title: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    log.err(`armillaria-report: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    log.out(USAGE);
    return 0;
  }
  if (!values.results || !values.out) {
    log.err(`armillaria-report: --results and --out are required\n${USAGE}`);
    return 2;
  }
  if (values.quick && values.full) {
    log.err('armillaria-report: --quick and --full exclude each other');
    return 2;
  }
  const options: ReportOptions = {};
  if (values.machine !== undefined) options.machine = values.machine;
  if (values.quick || values.full) options.quick = Boolean(values.quick);
  if (values.title !== undefined) options.title = values.title;
  if (values.tolerance !== undefined) {
    const t = Number(values.tolerance);
    if (!Number.isFinite(t)) {
      log.err(`armillaria-report: --tolerance must be a number such as 0.1 (got "${values.tolerance}")`);
      return 2;
    }
    options.tolerance = t;
  }
  try {
    const written = await writeReport(values.results, values.out, options);
    const n = written.latestRegressions;
    log.out(`armillaria-report: wrote ${written.outFile} (${written.runs} runs; ${n} regression${n === 1 ? '' : 's'} in the latest run)`);
    return written.latestRegressions > 0 && values['fail-on-regression'] ? 1 : 0;
  } catch (e) {
    log.err((e as Error).message);
    return 2;
  }
}

/** True when this module is the process entry point (also through the pnpm bin symlink). */
function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
