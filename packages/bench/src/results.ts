/**
 * Run files: one `RunFile` per invocation at `results/<YYYY-MM-DD>/<machine>/run-<HHMMSS>-<sha7>.json`
 * (UTC), in the format fixed by @armillaria/report's schema. Old files are kept; the report picks the
 * latest result per key and keeps all runs for history.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION, type BenchResult, type MachineInfo, type RunFile, type VersionInfo } from '@armillaria/report';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` and `HHMMSS` of a date, in UTC. */
export function stamp(d: Date): { day: string; time: string } {
  return {
    day: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
  };
}

/** First 7 characters of the git sha (or 'unknown'). */
export function sha7(armillaria: string): string {
  return armillaria === 'unknown' ? 'unknown' : armillaria.slice(0, 7);
}

export function makeRunFile(args: {
  start: Date;
  quick: boolean;
  machine: MachineInfo;
  versions: VersionInfo;
  results: BenchResult[];
}): RunFile {
  const { day, time } = stamp(args.start);
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: `${day}T${time}-${sha7(args.versions.armillaria)}-${args.machine.name}`,
    date: args.start.toISOString(),
    quick: args.quick,
    machine: args.machine,
    versions: args.versions,
    results: args.results,
  };
}

/** Relative path of a run file under the results directory. */
export function runFilePath(run: RunFile): string {
  const { day, time } = stamp(new Date(run.date));
  return join(day, run.machine.name, `run-${time}-${sha7(run.versions.armillaria)}.json`);
}

/** Write a run file; returns its absolute path. */
export function writeRunFile(resultsDir: string, run: RunFile): string {
  const file = join(resultsDir, runFilePath(run));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}
