import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuns, ResultsFileError, SCHEMA_VERSION } from '../src/index.js';
import { FIXTURE_RESULTS, NEW_RUN_ID, OLD_RUN_ID, fixtureRuns, withTempDir } from './helpers.js';

function writeJson(dir: string, rel: string, value: unknown): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('loadRuns', () => {
  it('reads every run file of the results tree in date order', () => {
    const runs = loadRuns(FIXTURE_RESULTS);
    expect(runs.map((r) => r.runId)).toEqual([OLD_RUN_ID, NEW_RUN_ID]);
    expect(runs[1]!.results).toHaveLength(49);
  });

  it('returns no runs for an empty tree', async () => {
    await withTempDir((dir) => expect(loadRuns(dir)).toEqual([]));
  });

  it('ignores JSON files that are not run-*.json', async () => {
    await withTempDir((dir) => {
      writeJson(dir, 'result.schema.json', { $schema: 'x' });
      writeJson(dir, '2025-11-24/ref-2core/manifest.json', { not: 'a run' });
      writeJson(dir, '2025-11-24/ref-2core/run-1.json', fixtureRuns()[0]);
      expect(loadRuns(dir)).toHaveLength(1);
    });
  });

  it('rejects another schemaVersion, naming the file', async () => {
    await withTempDir((dir) => {
      const path = writeJson(dir, '2025-12-01/ref-2core/run-090000-abcdef1.json', { ...fixtureRuns()[0], schemaVersion: 2 });
      expect(() => loadRuns(dir)).toThrow(ResultsFileError);
      expect(() => loadRuns(dir)).toThrow(`${path}: schemaVersion 2 is not supported (this report reads ${SCHEMA_VERSION})`);
    });
  });

  it('rejects invalid JSON, naming the file', async () => {
    await withTempDir((dir) => {
      const path = writeJson(dir, 'd/m/run-bad.json', '{"schemaVersion": 1,');
      expect(() => loadRuns(dir)).toThrow(new RegExp(`^report: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON`));
    });
  });

  it('names the field path of a malformed result', async () => {
    await withTempDir((dir) => {
      const run = fixtureRuns()[0]!;
      (run.results[3] as { status: string }).status = 'skipped';
      const path = writeJson(dir, 'd/m/run-x.json', run);
      expect(() => loadRuns(dir)).toThrow(
        `report: ${path}: results[3].status must be one of ok, not-implemented, rejected, error (got "skipped")`,
      );
      const err = (() => {
        try {
          loadRuns(dir);
        } catch (e) {
          return e as ResultsFileError;
        }
        return undefined;
      })();
      expect(err).toMatchObject({ code: 'ARM_RESULTS_INVALID', file: path });
    });
  });

  it('requires stats on an ok result', async () => {
    await withTempDir((dir) => {
      const run = fixtureRuns()[0]!;
      delete run.results[0]!.stats;
      writeJson(dir, 'd/m/run-x.json', run);
      expect(() => loadRuns(dir)).toThrow('results[0].stats is required when status is ok');
    });
  });
});

describe('loadRuns on a missing directory', () => {
  it('names the directory', () => {
    expect(() => loadRuns('/nonexistent/results')).toThrow('report: /nonexistent/results: cannot list the results directory (ENOENT)');
  });
});
