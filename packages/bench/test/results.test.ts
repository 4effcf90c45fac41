import { describe, expect, it } from 'vitest';
import { validateRunFile } from '@armillaria/report';
import { tableChecksum } from '../src/checksum.js';
import { assembleResult } from '../src/run.js';
import { makeRunFile, runFilePath } from '../src/results.js';
import { datasetSpec } from '../src/datasets/specs.js';
import { mixedTable } from './helpers.js';

const table = mixedTable(10);
const dataset = {
  spec: datasetSpec('seed-narrow-100k'),
  entry: { name: 'seed-narrow-100k', generator: 'g', rows: 100_000, arrowBytes: 1_600_000, fileBytes: 1, sha256: 'a'.repeat(64), file: 'f' },
  path: '/dev/null',
  table,
  checksum: tableChecksum(table),
};

describe('result files', () => {
  const ok = assembleResult(
    { engine: 'armillaria', phase: 'sequential' },
    { name: 'read', throughput: true },
    dataset,
    { codec: 'snappy' },
    { status: 'ok', tries: [{ ms: 9, internalMs: 9, cold: 'lukewarm' }, { ms: 4, internalMs: 4 }, { ms: 2, internalMs: 2 }, { ms: 3, internalMs: 3 }], rssPeakBytes: 123 },
  );

  it('summarises the measured tries (lukewarm excluded) and derives MB/s from Arrow bytes', () => {
    expect(ok.stats).toEqual({ min: 2, median: 3, max: 4, mean: 3, samples: 3 });
    expect(ok.throughputMBps).toBeCloseTo(1_600_000 / 3 / 1000, 9);
    expect(ok.dataset).toEqual({ name: 'seed-narrow', rows: 100_000, bytes: 1_600_000, sha256: 'a'.repeat(64) });
    expect(ok.config).toEqual({ codec: 'snappy', datasetId: 'seed-narrow-100k' });
  });

  it('records not-implemented without numbers', () => {
    const ni = assembleResult({ engine: 'armillaria', phase: 'batch' }, { name: 'write', throughput: true }, dataset, {}, {
      status: 'not-implemented',
      error: 'phase "batch" is not implemented',
      tries: [],
    });
    expect(ni).not.toHaveProperty('stats');
    expect(ni).not.toHaveProperty('throughputMBps');
    expect(ni.status).toBe('not-implemented');
  });

  it('writes a RunFile that the report accepts, under results/<day>/<machine>/run-<HHMMSS>-<sha7>.json', () => {
    const run = makeRunFile({
      start: new Date('2026-03-04T05:06:07.890Z'),
      quick: true,
      machine: { name: 'amd-epyc-2c-24g', cpu: 'AMD EPYC', cores: 2, ramBytes: 24e9, os: 'Linux', fs: 'ext4' },
      versions: { armillaria: '0123456789abcdef0123456789abcdef01234567', node: '20.20.2', deltalake: '1.6.6', pyarrow: '26.0.1' },
      results: [ok],
    });
    expect(run.schemaVersion).toBe(1);
    expect(run.runId).toBe('2026-03-04T050607-0123456-amd-epyc-2c-24g');
    expect(runFilePath(run)).toBe('2026-03-04/amd-epyc-2c-24g/run-050607-0123456.json');
    expect(() => validateRunFile(JSON.parse(JSON.stringify(run)) as unknown, 'test')).not.toThrow();
  });
});
