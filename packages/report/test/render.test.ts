import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregate, renderCharts, renderHtml, renderReport, writeReport, type BenchResult, type RunFile } from '../src/index.js';
import { find, fixtureRuns, laterRun } from './helpers.js';

/** Text a reader would see in a fragment: tags dropped, entities decoded, whitespace collapsed. */
function text(fragment: string): string {
  return fragment
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ')
    .trim();
}

function row(html: string, rowId: string): string {
  const m = html.match(new RegExp(`<tr data-row="${rowId.replace(/\|/g, '\\|')}">([\\s\\S]*?)</tr>`));
  if (!m) throw new Error(`no ladder row ${rowId}`);
  return m[1]!;
}

function cell(rowHtml: string, phase: string): string {
  const m = rowHtml.match(new RegExp(`<td class="([^"]*)" data-phase="${phase}"([^>]*)>([\\s\\S]*?)</td>`));
  if (!m) throw new Error(`no cell ${phase}`);
  return m[0];
}

describe('renderReport', () => {
  let html: string;
  beforeAll(async () => {
    html = await renderReport(fixtureRuns(), { generatedAt: '2025-11-24T12:00:00Z' });
  });

  it('is one self-contained document: no scripts, no external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/\s(src|href)="https?:/i);
  });

  it('says what was measured, where and with what', () => {
    const header = text(html.slice(0, html.indexOf('</header>')));
    expect(header).toContain('Armillaria phases against Delta Lake on ref-2core · full run · latest 2025-11-24 09:10 UTC');
    expect(header).toContain('7e8d9c0');
    expect(header).toContain('AMD EPYC 7B13 (2 vCPU) · 2 cores · 8 GiB RAM');
    expect(header).toContain('Node v20.19.5 · rustc 1.86.0 · deltalake 1.2.1 · pyarrow 21.0.0');
    expect(header).toContain('2 runs on this machine, 2025-11-20 – 2025-11-24');
    expect(header).toContain('seed-narrow (100K, 500K); seed-wide (100K, 1M)');
    expect(header).toContain('1 regression in the latest run against the previous one (tolerance 10%): batch write seed-narrow 500K −20.0%');
  });

  it('lays the ladder out as the roadmap table: phases in order, Delta last', () => {
    const head = html.slice(html.indexOf('<table class="ladder">'), html.indexOf('</thead>', html.indexOf('<table class="ladder">')));
    expect(text(head)).toBe('Operation Rows sequential batch mmap parallel-parse native-parquet pushdown Delta Lake');
  });

  it('shows median MB/s with ratios to Delta and sequential, and the regression flag', () => {
    const r = row(html, 'write|seed-narrow|500000|zstd|');
    expect(text(r.slice(0, r.indexOf('<td class="cell')))).toBe('Write 500K');
    const batch = cell(r, 'batch');
    expect(text(batch)).toBe('400 MB/s 2.50× Delta 2.00× seq ▼ −20.0%');
    expect(batch).toContain('regressed');
    expect(batch).toMatch(/title="median 400 MB\/s · min–max 339 MB\/s – 412 MB\/s · time median 20.0 ms \(19.4 ms – 23.6 ms\) over 5 tries · run 2025-11-24 09:10 UTC @ 7e8d9c0"/);
    expect(text(cell(r, 'sequential'))).toBe('200 MB/s 1.25× Delta');
    expect(text(cell(r, 'delta'))).toBe('160 MB/s 0.80× seq');
  });

  it('shows statuses as statuses, never as numbers', () => {
    const r = row(html, 'read|seed-narrow|500000|zstd|');
    const rejected = cell(r, 'parallel-parse');
    expect(text(rejected)).toBe('rejected');
    expect(rejected).toContain('read check failed: 499712 rows, expected 500000');
    expect(text(cell(r, 'native-parquet'))).toBe('not implemented');
    expect(text(cell(r, 'pushdown'))).toBe('—');
    expect(text(cell(r, 'mmap'))).toBe('1.00 GB/s 2.00× Delta 2.50× seq');
    expect(cell(r, 'mmap')).toContain('best');
  });

  it('explains the throughput definition', () => {
    expect(text(html)).toContain('Throughput = Arrow in-memory bytes of the input table / wall time of the operation, for both engines');
  });

  it('reports storage with dedup, and the original formula only as a labelled continuity figure', () => {
    const storage = text(html.slice(html.indexOf('<section id="storage">'), html.indexOf('</section>', html.indexOf('<section id="storage">'))));
    expect(storage).toContain('Versions · seed-narrow 100K insert 3% of rows mid-table, 10 versions sequential 10 1.48 MB 87.1% 90.8%');
    expect(storage).toContain('Delta Lake 10 10.9 MB 6.0% 31.9%');
    expect(storage).toContain('Continuity figure: the original system\'s "dedup"');
  });

  it('reports branch creation and time travel', () => {
    const latency = text(html.slice(html.indexOf('<section id="latency">'), html.indexOf('</section>', html.indexOf('<section id="latency">'))));
    expect(latency).toContain('Branch seed-narrow 100K batch 350 µs 340 µs – 413 µs 1.14× ref 212 B · tables 1');
    expect(latency).toContain('Branch seed-narrow 100K Delta Lake not implemented delta-rs has no branches');
    expect(latency).toContain('Time-travel seed-narrow 100K batch 4.00 ms 3.88 ms – 4.72 ms 3.00× 1.25×');
  });

  it('lists the regression with both runs', () => {
    const history = text(html.slice(html.indexOf('<section id="history">'), html.indexOf('</section>', html.indexOf('<section id="history">'))));
    expect(history).toContain('slower Write · seed-narrow 500K · zstd batch 500 MB/s 2025-11-20 @ 1f3c9a2 400 MB/s 2025-11-24 @ 7e8d9c0 −20.0%');
  });

  it('inlines every chart as SVG, with unique ids across the page', () => {
    expect(html.match(/<svg /g)).toHaveLength(20); // 4 throughput, 3 timed cases, 1 storage, 6 ratio history, 6 MB/s history
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists the environment of every run', () => {
    const env = text(html.slice(html.indexOf('<section id="environment">')));
    expect(env).toContain('2025-11-24 09:10 UTC 2025-11-24T09:10:37Z-7e8d9c0 7e8d9c0b1a2f v20.19.5 1.86.0 3.11.2 1.2.1 21.0.0 0.7.1 21.1.0 49');
    expect(env).toContain('sequential codec=zstd threads=1 chunkRows=65536');
    expect(env).toContain('Generated by @armillaria/report on 2025-11-24 12:00 UTC');
  });
});

describe('renderHtml', () => {
  it('escapes text that comes from results files', async () => {
    const runs = fixtureRuns();
    const evil: RunFile = laterRun(runs[1]!, 'r3', '2025-11-25T09:00:00Z', (results) => {
      Object.assign(results.find((r) => r.phase === 'mmap' && r.case === 'read')!, { status: 'error', error: '<script>alert(1)</script>' });
      return results;
    });
    const agg = aggregate([...runs, evil]);
    const html = renderHtml(agg, await renderCharts(agg));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('draws its charts without vega warnings', async () => {
    const charts = await renderCharts(aggregate(fixtureRuns()));
    expect(charts.warnings).toEqual([]);
    expect(charts.throughput.map((c) => c.title)).toEqual([
      'Write throughput · seed-narrow',
      'Read throughput · seed-narrow',
      'Write throughput · seed-wide',
      'Read throughput · seed-wide',
    ]);
  });

  it('links the API docs published beside it, and only when they are there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'armillaria-report-'));
    try {
      const results = join(dir, 'results');
      mkdirSync(results);
      fixtureRuns().forEach((run, i) => writeFileSync(join(results, `run-${i}.json`), JSON.stringify(run)));
      const link = '<a href="api/index.html">@armillaria/core reference</a>';
      await writeReport(results, join(dir, 'report.html'));
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).not.toContain(link);
      mkdirSync(join(dir, 'api'));
      writeFileSync(join(dir, 'api', 'index.html'), '<html></html>');
      await writeReport(results, join(dir, 'report.html'));
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(link);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a page that says so when there are no runs', async () => {
    const html = await renderReport([]);
    expect(text(html)).toContain('No benchmark runs found.');
  });

  it('says when there is only one run to compare', async () => {
    const html = await renderReport([fixtureRuns()[0]!]);
    expect(text(html)).toContain('Only one run on this machine: no history to compare yet.');
  });
});

describe('objectStorageSection', () => {
  it('lists results measured on object storage with the requests Armillaria sent', async () => {
    const [, latest] = fixtureRuns();
    const s3 = laterRun(latest!, '2025-11-25T09:00:00Z-aaaaaaa', '2025-11-25T09:00:00Z', (results) =>
      results
        .filter((r) => r.case === 'write' && r.dataset.name === 'seed-wide' && r.dataset.rows === 1_000_000)
        .map((r) => ({
          ...r,
          variant: 's3',
          extra: (r.engine === 'armillaria' ? { requests: 6, 'requests.GetObject': 2, 'requests.PutObject': 4 } : {}) as Record<string, number>,
        })),
    );
    const html = await renderReport([...fixtureRuns(), s3]);
    const section = html.slice(html.indexOf('<section id="object-storage">'));
    const shown = text(section.slice(0, section.indexOf('</section>')));
    expect(shown).toContain('On object storage (S3)');
    expect(shown).toContain('6 (2 Get, 4 Put)');
    expect(shown).toMatch(/seed-wide 1M/);
  });

  it('is absent when no run measured on object storage', async () => {
    const html = await renderReport(fixtureRuns());
    expect(html).not.toContain('id="object-storage"');
  });
});

describe('competitionSection', () => {
  /** The latest fixture run with Iceberg (2× Delta's time) and Lance (not supported, or 4× faster) beside Delta. */
  async function withCompetitors(): Promise<string> {
    const [, latest] = fixtureRuns();
    const run = laterRun(latest!, '2025-11-25T09:00:00Z-bbbbbbb', '2025-11-25T09:00:00Z', (results) => {
      const scaled = (r: (typeof results)[number], engine: 'iceberg' | 'lance', factor: number) => ({
        ...r,
        engine,
        phase: engine,
        ...(r.stats ? { stats: { ...r.stats, median: r.stats.median * factor, min: r.stats.min * factor, max: r.stats.max * factor } } : {}),
        ...(r.throughputMBps !== undefined ? { throughputMBps: r.throughputMBps / factor } : {}),
        tries: r.tries.map((t) => ({ ...t, ms: t.ms * factor, ...(t.internalMs !== undefined ? { internalMs: t.internalMs * factor } : {}) })),
      });
      const deltas = results.filter((r) => r.engine === 'delta');
      return [
        ...results,
        ...deltas.map((r) => scaled(r, 'iceberg', 2)),
        ...deltas.map((r) =>
          r.case === 'read' ? scaled(r, 'lance', 0.01) : { ...r, engine: 'lance' as const, phase: 'lance', status: 'not-implemented' as const, error: 'lance: no such thing here', tries: [] },
        ),
      ];
    });
    return renderReport([...fixtureRuns(), run]);
  }

  it('leads the report: every engine against the best Armillaria phase, trailing said as plainly as leading', async () => {
    const html = await withCompetitors();
    expect(html.indexOf('<section id="competition">')).toBeGreaterThan(0);
    expect(html.indexOf('<section id="competition">')).toBeLessThan(html.indexOf('<section id="ladder">'));
    const section = html.slice(html.indexOf('<section id="competition">'));
    const shown = text(section.slice(0, section.indexOf('</section>')));
    expect(shown).toContain('Against every engine');
    expect(shown).toMatch(/Best Armillaria phase Delta Lake Iceberg Lance/);
    // Iceberg takes twice Delta's time, so the best phase leads it by twice its lead over Delta.
    expect(shown).toMatch(/Armillaria \d+\.\d+×/);
    expect(shown).toMatch(/trails \d+(\.\d+)?×/); // Lance's read at 1% of Delta's time beats every phase
    expect(shown).toContain('not supported');
    expect(shown).toContain('lance: no such thing here');
    // The ladder keeps the phases first, then the engines, Delta Lake first.
    const ladder = html.slice(html.indexOf('<section id="ladder">'));
    expect(text(ladder.slice(0, ladder.indexOf('</thead>')))).toMatch(/sequential .*pushdown Delta Lake Iceberg Lance$/);
  });

  it('is absent when no engine but Armillaria was measured', async () => {
    const runs = fixtureRuns().map((r) => ({ ...r, results: r.results.filter((x) => x.engine === 'armillaria') }));
    const html = await renderReport(runs);
    expect(html).not.toContain('id="competition"');
  });
});

describe('ratio to Delta Lake across commits', () => {
  /** `r` taking `factor` times as long: every timing and the throughput scaled. */
  function slower(r: BenchResult, factor: number): void {
    r.stats = { ...r.stats!, min: r.stats!.min * factor, median: r.stats!.median * factor, max: r.stats!.max * factor };
    r.tries = r.tries.map((t) => ({ ...t, ms: t.ms * factor }));
    if (r.throughputMBps !== undefined) r.throughputMBps /= factor;
  }

  /** Three runs of one commit each (shas not in alphabetical order); batch write seed-narrow 100K is 40% behind in the third. */
  function threeRuns(): RunFile[] {
    const [first] = fixtureRuns() as [RunFile];
    const commits = [
      ['c0ffee1', '2025-12-01T09:00:00Z'],
      ['a11ce22', '2025-12-01T15:00:00Z'], // same day: an ordinal axis keeps both
      ['b0b0b03', '2025-12-03T09:00:00Z'],
    ] as const;
    const runs = commits.map(([sha, date]) =>
      laterRun(first, `${date}-${sha}`, date, (r) => r, { versions: { ...first.versions, armillaria: `${sha}${'0'.repeat(33)}` } }),
    );
    slower(find(runs[2]!, 'batch', 'write', 'seed-narrow', 100_000), 1 / 0.6);
    return [runs[2]!, runs[0]!, runs[1]!]; // given out of order
  }

  /** The x-axis labels of a chart, left to right. */
  const xLabels = (svg: string): string[] =>
    [...svg.matchAll(/<text[^>]*>([0-9a-f]{7}[^<]*)<\/text>/g)].map((m) => m[1]!);

  it('shows a 40% fall of one phase as a flagged step, on an axis of short shas in date order', async () => {
    const agg = aggregate(threeRuns());
    expect(agg.ratioSteps.map((s) => [s.key.phase, s.key.case, s.key.rows, s.to.run.gitSha.slice(0, 7)])).toEqual([
      ['batch', 'write', 100_000, 'b0b0b03'],
    ]);
    expect(agg.ratioSteps[0]!.change).toBeCloseTo(-0.4, 9);
    const charts = await renderCharts(agg);
    expect(charts.warnings).toEqual([]);
    const chart = charts.ratioHistory.find((c) => c.title === 'Write · seed-narrow 100K')!;
    expect(xLabels(chart.svg)).toEqual(['c0ffee1', 'a11ce22', 'b0b0b03']);
    expect(chart.svg).toContain('−40.0%');
    expect(chart.svg.match(/stroke="#d62728"/g)).toHaveLength(1); // one ring
    // The other rows held still: no rings there.
    const others = charts.ratioHistory.filter((c) => c !== chart);
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect(c.svg).not.toContain('#d62728');
  });

  it('gives two runs of one commit two places on the axis', async () => {
    const [first, second, third] = threeRuns().sort((a, b) => a.date.localeCompare(b.date)) as [RunFile, RunFile, RunFile];
    third.versions.armillaria = second.versions.armillaria;
    const charts = await renderCharts(aggregate([first, second, third]));
    expect(xLabels(charts.ratioHistory[0]!.svg)).toEqual(['c0ffee1', 'a11ce22', 'a11ce22 (2)']);
  });

  it('draws no ratio chart from a single run', async () => {
    const charts = await renderCharts(aggregate([fixtureRuns()[0]!]));
    expect(charts.ratioHistory).toEqual([]);
    const html = renderHtml(aggregate([fixtureRuns()[0]!]), charts);
    expect(html).not.toContain('Ratio to Delta Lake across commits');
  });

  it('follows the regressions in the history section, with the MB/s charts folded below', async () => {
    const html = await renderReport(fixtureRuns());
    const section = html.slice(html.indexOf('<section id="history">'), html.indexOf('</section>', html.indexOf('<section id="history">')));
    const ratios = section.indexOf('Ratio to Delta Lake across commits');
    const details = section.indexOf('<details class="history-mbps">');
    expect(ratios).toBeGreaterThan(section.indexOf('Regressions</h3>'));
    expect(section.indexOf('Regressions</h3>')).toBeGreaterThan(0);
    expect(section.indexOf('<figure>')).toBeGreaterThan(ratios);
    expect(section.indexOf('<figure>')).toBeLessThan(details);
    expect(text(section)).toContain("Each Armillaria phase's median against Delta Lake's on the same case and data, both measured in the same run");
    const folded = section.slice(details);
    expect(text(folded)).toMatch(/^Median MB\/s per run/);
    expect(folded.match(/<svg /g)).toHaveLength(6);
    expect(section.slice(0, details).match(/<svg /g)).toHaveLength(6);
  });
});

describe('memorySection', () => {
  const MiB = 2 ** 20;

  /** An ok result on seed-wide 1M (input 100 MiB of Arrow) whose process peaked at `peakMiB`. */
  function peaked(engine: 'armillaria' | 'delta', phase: string, c: string, peakMiB: number): BenchResult {
    const stats = { min: 100, median: 100, max: 100, mean: 100, samples: 1 };
    return {
      engine,
      phase,
      case: c,
      dataset: { name: 'seed-wide', rows: 10_000_000, bytes: 100 * MiB, sha256: 'f'.repeat(64) },
      config: { codec: 'zstd' },
      status: 'ok',
      tries: [{ ms: 100 }],
      stats,
      rssPeakBytes: peakMiB * MiB,
    };
  }

  /** One run: Armillaria (batch) and Delta Lake writing and reading seed-wide 1M, plus `more`. */
  function peakRun(more: BenchResult[] = []): RunFile {
    const [, latest] = fixtureRuns();
    return laterRun(latest!, '2025-11-26T09:00:00Z-ccccccc', '2025-11-26T09:00:00Z', () => [
      peaked('armillaria', 'batch', 'write', 250), // 2.5× its input: over the goal
      peaked('delta', 'delta', 'write', 150),
      peaked('armillaria', 'batch', 'read', 120),
      peaked('delta', 'delta', 'read', 230), // over 2×, but a read and not Armillaria's: not marked
      ...more,
    ]);
  }

  const section = (html: string): string => html.slice(html.indexOf('<section id="memory">'), html.indexOf('</section>', html.indexOf('<section id="memory">')));

  function memoryCell(fragment: string, rowId: string, phase: string): string {
    const row = fragment.match(new RegExp(`<tr data-memory-row="${rowId.replace(/\|/g, '\\|')}">([\\s\\S]*?)</tr>`));
    if (!row) throw new Error(`no memory row ${rowId}`);
    const m = row[1]!.match(new RegExp(`<td class="[^"]*" data-phase="${phase}"[^>]*>[\\s\\S]*?</td>`));
    if (!m) throw new Error(`no memory cell ${phase} in ${rowId}`);
    return m[0];
  }

  const classes = (cellHtml: string): string[] => cellHtml.match(/^<td class="([^"]*)"/)![1]!.split(' ');

  it('shows each engine\'s peak in MiB and as a multiple of the input, the lowest starred, an Armillaria write ≥ 2× red', async () => {
    const memory = section(await renderReport([peakRun()]));
    expect(text(memory)).toContain('Memory');
    expect(text(memory.slice(memory.indexOf('<h3>'), memory.indexOf('</thead>')))).toBe('10M rows Operation Dataset Input (Arrow) batch Delta Lake');
    const write = 'write|seed-wide|10000000|zstd|';
    const read = 'read|seed-wide|10000000|zstd|';
    expect(memory.indexOf(`data-memory-row="${write}"`)).toBeLessThan(memory.indexOf(`data-memory-row="${read}"`));
    const inputOf = (rowId: string) => text(memory.match(new RegExp(`data-memory-row="${rowId.replace(/\|/g, '\\|')}">([\\s\\S]*?)<td class="cell`))![1]!);
    expect(inputOf(write)).toBe('Write seed-wide 100 MiB');
    expect(inputOf(read)).toBe('Read seed-wide 100 MiB');

    const armWrite = memoryCell(memory, write, 'batch');
    expect(text(armWrite)).toBe('250 MiB 2.50× input');
    expect(classes(armWrite)).toContain('over');
    expect(classes(armWrite)).not.toContain('best');
    expect(armWrite).toContain('<span class="bad">2.50× input</span>');
    expect(armWrite).toContain('over the goal: an Armillaria write peaks below 2× its input');
    const deltaWrite = memoryCell(memory, write, 'delta');
    expect(text(deltaWrite)).toBe('150 MiB 1.50× input');
    expect(classes(deltaWrite)).toEqual(['cell', 'delta', 'ok', 'best']);

    const armRead = memoryCell(memory, read, 'batch');
    expect(text(armRead)).toBe('120 MiB 1.20× input');
    expect(classes(armRead)).toEqual(['cell', 'ok', 'best']);
    const deltaRead = memoryCell(memory, read, 'delta');
    expect(text(deltaRead)).toBe('230 MiB 2.30× input');
    expect(classes(deltaRead)).toEqual(['cell', 'delta', 'ok']);
    expect(deltaRead).not.toContain('class="bad"');
    expect(memory).not.toContain('<details');
  });

  it('folds the other cases with peaks below write and read', async () => {
    const memory = section(await renderReport([peakRun([peaked('armillaria', 'batch', 'time-travel', 130), peaked('delta', 'delta', 'time-travel', 140)])]));
    const details = memory.indexOf('<details class="memory-more">');
    expect(details).toBeGreaterThan(memory.indexOf('data-memory-row="read|'));
    expect(text(memory.slice(details))).toMatch(/^Other cases \(1 row\) 10M rows/);
    expect(text(memoryCell(memory.slice(details), 'time-travel|seed-wide|10000000|zstd|', 'batch'))).toBe('130 MiB 1.30× input');
  });

  it('follows the storage section, with the latest fixture peaks', async () => {
    const html = await renderReport(fixtureRuns());
    expect(html.indexOf('<section id="memory">')).toBeGreaterThan(html.indexOf('<section id="storage">'));
    expect(html.indexOf('<section id="memory">')).toBeLessThan(html.indexOf('<section id="history">'));
    const memory = section(html);
    expect(text(memoryCell(memory, 'write|seed-wide|1000000|zstd|', 'batch'))).toBe('160 MiB 3.82× input');
    // 3.8× its input, but at 1M rows the goal (set for 10M) does not apply.
    expect(classes(memoryCell(memory, 'write|seed-wide|1000000|zstd|', 'batch'))).toEqual(['cell', 'ok', 'best']);
  });

  it('is there only when a result reports a peak RSS', async () => {
    const runs = fixtureRuns();
    expect(await renderReport(runs)).toContain('<section id="memory">');
    for (const run of runs) for (const r of run.results) delete r.rssPeakBytes;
    expect(await renderReport(runs)).not.toContain('id="memory"');
  });
});
