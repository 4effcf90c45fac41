/** Reads the results tree (`results/<YYYY-MM-DD>/<machine>/run-*.json`) into validated `RunFile`s. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFile } from './schema.js';
import { ResultsFileError, validateRunFile } from './validate.js';

/** Results files are `run-*.json`; other JSON in the tree (schemas, manifests) is not a run. */
const RUN_FILE = /^run-.*\.json$/;

/**
 * Load every run file under `resultsDir`, in path order (dates sort lexically).
 *
 * @param resultsDir - the results root, e.g. `results/`
 * @returns the parsed runs; an empty array when the tree holds none
 * @throws {ResultsFileError} naming the file (as `resultsDir` joined with its relative path) when one cannot be parsed or has another `schemaVersion`
 * @example
 * const runs = loadRuns('results');
 */
export function loadRuns(resultsDir: string): RunFile[] {
  return findRunFiles(resultsDir).map((path) => {
    let text: string;
    let value: unknown;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new ResultsFileError(path, 'cannot be read', { cause });
    }
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new ResultsFileError(path, `invalid JSON (${(cause as Error).message})`, { cause });
    }
    return validateRunFile(value, path);
  });
}

/** All `run-*.json` paths under `dir`, sorted. */
function findRunFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch (cause) {
    throw new ResultsFileError(dir, `cannot list the results directory (${(cause as NodeJS.ErrnoException).code ?? cause})`, { cause });
  }
  return entries
    .filter((e) => e.isFile() && RUN_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
