/**
 * Opens the generated report from disk in headless Chromium and checks what a reader sees.
 * Needs Debian's chromium (`apt-get install -y chromium`). Skipped with a message when it is missing on a
 * developer machine; under CI it must be present, so a missing browser fails instead of passing silently.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/index.js';
import { FIXTURE_RESULTS } from './helpers.js';

/** Debian's chromium; `ARMILLARIA_CHROMIUM` points elsewhere (another distro, or to test the skip). */
const CHROMIUM = process.env.ARMILLARIA_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = '/tmp/report.png';
const inCi = Boolean(process.env.CI) && !['0', 'false'].includes(process.env.CI!.toLowerCase());
const available = existsSync(CHROMIUM);
const skip = !available && !inCi;

if (skip) {
  console.warn(`report: skipping the headless Chromium test: ${CHROMIUM} not found (apt-get install -y chromium). With CI=true it fails instead.`);
}

/** innerText with whitespace collapsed, as a reader would read it aloud. */
const seen = async (page: Page, selector: string): Promise<string> =>
  (await page.locator(selector).innerText()).replace(/\s+/g, ' ').trim();

describe.skipIf(skip)('report in headless Chromium', () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing; CI must run: apt-get update && apt-get install -y chromium`);
    dir = mkdtempSync(join(tmpdir(), 'armillaria-report-browser-'));
    const file = join(dir, 'report.html');
    await writeReport(FIXTURE_RESULTS, file);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1300, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the ladder cell of a known case with its ratios and regression flag', async () => {
    const batch = 'tr[data-row="write|seed-narrow|500000|zstd|"] td[data-phase="batch"]';
    expect(await seen(page, batch)).toBe('400 MB/s 2.50× Delta 2.00× seq ▼ −20.0%');
    expect(await page.locator(`${batch} .flag`).isVisible()).toBe(true);
    expect(await seen(page, 'tr[data-row="read|seed-narrow|500000|zstd|"] td[data-phase="parallel-parse"]')).toBe('rejected');
    expect(await seen(page, 'tr[data-row="read|seed-narrow|500000|zstd|"] td[data-phase="native-parquet"]')).toBe('not implemented');
  });

  it('makes the regression visible at the top and in the history', async () => {
    expect(await page.locator('#regression-banner').isVisible()).toBe(true);
    expect(await seen(page, '#regression-banner')).toContain('batch write seed-narrow 500K −20.0%');
    const row = page.locator('table.regressions tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.first().isVisible()).toBe(true);
  });

  it('folds the MB/s history away and opens it on a click', async () => {
    const mbps = page.locator('details.history-mbps');
    expect(await mbps.locator('figure').first().isVisible()).toBe(false);
    await mbps.locator('summary').click();
    expect(await mbps.locator('figure').first().isVisible()).toBe(true);
  });

  it('renders every chart as an SVG with visible size and drawn marks', async () => {
    // Opened, as a reader who wants the MB/s history would; a closed <details> has no layout.
    await page.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
    // A string script: the test tsconfig has no DOM lib, and this runs in the page anyway.
    const charts = (await page.evaluate(`[...document.querySelectorAll('figure svg')].map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll('g[class*="role-mark"]')];
      const drawn = marks.filter((g) => g.getBBox().width > 0 && g.getBBox().height > 0).length;
      return { width: box.width, height: box.height, drawn };
    })`)) as { width: number; height: number; drawn: number }[];
    expect(charts).toHaveLength(20); // 14, and the 6 ratio charts of the history
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(150);
      expect(c.height).toBeGreaterThan(60);
      expect(c.drawn).toBeGreaterThan(0);
    }
  });

  it('loads nothing but the file and logs no errors', () => {
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('fits the window width and takes a screenshot for review', async () => {
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
