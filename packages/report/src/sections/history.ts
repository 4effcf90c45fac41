/** History across runs of this machine and mode, and every regression found in it. */
import type { Aggregate } from '../aggregate.js';
import type { ChartSvg } from '../charts.js';
import type { HistoryPoint } from '../history.js';
import { THROUGHPUT_CASES, comparePhases } from '../result-key.js';
import { caseLabel, formatChange, formatDate, formatMBps, formatMs, formatRows, shortSha } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';
import { figure, legend } from './parts.js';

const figureOf = (p: HistoryPoint): string =>
  p.throughputMBps !== undefined ? formatMBps(p.throughputMBps) : p.medianMs !== undefined ? formatMs(p.medianMs) : p.status;

/**
 * The history section: first the regressions (what a reader acts on), then each phase's ratio to Delta
 * Lake per commit, then the median MB/s per run folded away in a `<details>`.
 *
 * @param ratioCharts - `ChartSet.ratioHistory`
 * @param mbpsCharts - `ChartSet.history`
 */
export function historySection(agg: Aggregate, ratioCharts: readonly ChartSvg[], mbpsCharts: readonly ChartSvg[]): SafeHtml {
  const tol = `${Math.round(agg.tolerance * 100)}%`;
  // Legends only for phases that have a line to draw.
  const drawn = agg.history.filter((s) => s.points.some((p) => p.throughputMBps !== undefined));
  const phases = [...new Set(drawn.map((s) => s.key.phase))].sort(comparePhases);
  const ratioPhases = [
    ...new Set(agg.ratioHistory.filter((s) => (THROUGHPUT_CASES as readonly string[]).includes(s.key.case)).map((s) => s.key.phase)),
  ].sort(comparePhases);
  const regressions = [...agg.regressions].sort((a, b) => Number(b.inLatestRun) - Number(a.inLatestRun) || b.to.run.date.localeCompare(a.to.run.date));
  return html`<section id="history">
  <h2>History and regressions</h2>
  <p class="lede">Every run of <strong>${agg.scope?.machine ?? '—'}</strong> (${agg.scope?.quick ? 'quick' : 'full'} runs only), oldest to newest.</p>
  <h3>Regressions</h3>
  <p class="lede">A regression is a key (engine, phase, case, dataset, size, codec) whose median throughput, or
  speed for timed cases, fell more than ${tol} below its previous measurement, or that stopped passing.</p>
  ${regressions.length === 0
    ? html`<p class="banner ${agg.runs.length < 2 ? 'info' : 'good'}">${agg.runs.length < 2 ? 'One run only: nothing to compare yet.' : `No regressions beyond ${tol}.`}</p>`
    : html`<div class="scroll"><table class="regressions">
    <thead><tr><th></th><th>Case</th><th>Phase</th><th class="num">Before</th><th class="num">After</th><th class="num">Change</th></tr></thead>
    <tbody>${regressions.map(
      (r) => html`<tr class="${r.inLatestRun ? 'latest' : 'earlier'}" data-regression="${r.id}">
        <td>${r.inLatestRun ? html`<span class="badge ${r.kind}">${r.kind === 'slower' ? 'slower' : 'broken'}</span>` : html`<span class="badge earlier">earlier</span>`}</td>
        <td>${caseLabel(r.key.case)} · ${r.key.dataset} ${formatRows(r.key.rows)}${r.key.codec ? ` · ${r.key.codec}` : ''}${r.key.variant ? ` · ${r.key.variant}` : ''}</td>
        <td>${phaseLabel(r.key.phase)}</td>
        <td class="num">${figureOf(r.from)} <span class="note">${formatDate(r.from.run.date).slice(0, 10)} @ ${shortSha(r.from.run.gitSha)}</span></td>
        <td class="num">${figureOf(r.to)} <span class="note">${formatDate(r.to.run.date).slice(0, 10)} @ ${shortSha(r.to.run.gitSha)}</span></td>
        <td class="num"><strong class="bad">${r.kind === 'slower' ? formatChange(r.change ?? 0) : r.to.status}</strong></td>
      </tr>`,
    )}</tbody>
  </table></div>`}
  ${ratioCharts.length
    ? html`<h3>Ratio to Delta Lake across commits</h3>
  <p class="lede">Each Armillaria phase's median against Delta Lake's on the same case and data, both measured in
  the same run (the ladder's × Delta), one point per run, labelled by its commit. Drift that slows a whole run, such
  as load on the shared machine, slows both engines and cancels out of the ratio, so a change in the code shows as a
  step; noise within a run does not cancel. Log scale; the dashed line is 1×, as fast as Delta Lake; a red ring marks
  a ratio more than ${tol} below the previous run's, with the change written beside it in the latest run. The CI gate compares ratios of this kind with
  <code>results/baseline.json</code>, taken from each side's best try rather than its median.</p>
  ${legend(ratioPhases)}<div class="charts">${ratioCharts.map(figure)}</div>`
    : ''}
  ${mbpsCharts.length
    ? html`<details class="history-mbps">
  <summary>Median MB/s per run</summary>
  ${legend(phases)}<div class="charts">${mbpsCharts.map(figure)}</div>
  <p class="note">Median MB/s per run against its date; a red ring marks a regression against the previous run.</p>
</details>`
    : ''}
</section>`;
}
