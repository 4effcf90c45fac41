import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { FIXTURE_RESULTS, withTempDir } from './helpers.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { log: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('armillaria-report', () => {
  it('writes the report and says what it wrote', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'nested', 'report.html');
      const { log, out } = capture();
      expect(await main(['--results', FIXTURE_RESULTS, '--out', file], log)).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain('<table class="ladder">');
      expect(out).toEqual([`armillaria-report: wrote ${file} (2 runs; 1 regression in the latest run)`]);
    });
  });

  it('fails on a regression only when asked to', async () => {
    await withTempDir(async (dir) => {
      const args = ['--results', FIXTURE_RESULTS, '--out', join(dir, 'r.html')];
      expect(await main([...args, '--fail-on-regression'], capture().log)).toBe(1);
      expect(await main([...args, '--fail-on-regression', '--tolerance', '0.25'], capture().log)).toBe(0);
    });
  });

  it('rejects bad arguments with usage', async () => {
    const { log, err } = capture();
    expect(await main(['--results', 'x'], log)).toBe(2);
    expect(err[0]).toMatch(/^armillaria-report: --results and --out are required\nusage:/);
    expect(await main(['--bogus'], log)).toBe(2);
    expect(await main(['--results', 'x', '--out', 'y', '--tolerance', 'ten'], log)).toBe(2);
    expect(err.at(-1)).toBe('armillaria-report: --tolerance must be a number such as 0.1 (got "ten")');
  });

  it('reports an unreadable results tree', async () => {
    const { log, err } = capture();
    expect(await main(['--results', '/nonexistent', '--out', '/tmp/x.html'], log)).toBe(2);
    expect(err).toEqual(['report: /nonexistent: cannot list the results directory (ENOENT)']);
  });
});
