/**
 * The phase ladder: the original roadmap's tracking table (Write/Read × sizes × baseline and each phase),
 * one table body per dataset, with Delta Lake in the last column.
 */
import type { Aggregate, Measurement } from '../aggregate.js';
import type { Regression } from '../history.js';
import { DELTA_PHASE, PHASE_ORDER, THROUGHPUT_CASES, comparePhases, compareRows, isCompetitor } from '../result-key.js';
import { caseLabel, formatChange, formatDate, formatMBps, formatRows } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseColour, phaseLabel } from '../palette.js';
import { measurementTitle, ratioText, statusBadge } from './parts.js';

/** Measurements the ladder shows: the throughput cases. */
export function ladderMeasurements(agg: Aggregate): Measurement[] {
  return agg.measurements.filter((m) => (THROUGHPUT_CASES as readonly string[]).includes(m.key.case) || m.throughput);
}

/** Columns: all six ladder phases (pending ones show as not measured), any other phase, then Delta and the other engines measured. */
export function ladderColumns(ms: readonly Measurement[]): string[] {
  const present = ms.map((m) => m.key.phase);
  return [...new Set([...PHASE_ORDER, DELTA_PHASE, ...present])].sort(comparePhases);
}

/** The ladder section. */
export function ladderSection(agg: Aggregate): SafeHtml {
  const ms = ladderMeasurements(agg);
  const columns = ladderColumns(ms);
  const datasets = [...new Set(ms.map((m) => m.key.dataset))].sort();
  const anyOtherRun = ms.some((m) => m.vsDelta?.sameRun === false || m.vsSequential?.sameRun === false);
  return html`<section id="ladder">
  <h2>Phase ladder</h2>
  <p class="lede">Median throughput per phase against Delta Lake on the same data, in the shape of the original
  roadmap's tracking table. Under each figure: speed-up over Delta Lake and over the <code>sequential</code>
  baseline. ★ marks the fastest Armillaria phase in a row; hover a cell for min–max, timing and run.</p>
  ${ms.length === 0 ? html`<p class="note">No throughput cases in these runs.</p>` : html`<div class="scroll"><table class="ladder">
    <thead><tr><th>Operation</th><th>Rows</th>${columns.map(
      (p) => html`<th class="phase${p === DELTA_PHASE ? ' delta' : ''}${isCompetitor(p) ? ' competitor' : ''}" scope="col"><i class="swatch" style="background:${phaseColour(p)}"></i>${phaseLabel(p)}</th>`,
    )}</tr></thead>
    ${datasets.map((d) => datasetBody(d, ms.filter((m) => m.key.dataset === d), columns, agg.regressions))}
  </table></div>`}
  <p class="note">Throughput = Arrow in-memory bytes of the input table / wall time of the operation, for both
  engines, in MB/s (10<sup>6</sup> bytes per second). The original measured pandas' deep memory usage, which counts
  Python object overhead and inflates MB/s; these figures do not. Reads are checked on both sides (row count and
  content checksum); a <em>rejected</em> cell failed that check and has no valid figure.${
    anyOtherRun ? html` <span class="dagger">†</span> The baseline of this ratio was measured in another run.` : ''
  }</p>
</section>`;
}

function datasetBody(dataset: string, ms: Measurement[], columns: string[], regressions: readonly Regression[]): SafeHtml {
  const codecs = [...new Set(ms.map((m) => m.key.codec))];
  const rows = [...new Map(ms.map((m) => [m.row, m.key] as const))].sort(([, a], [, b]) => compareRows(a, b));
  return html`<tbody>
    <tr class="dataset"><th colspan="${columns.length + 2}">${dataset}${
      codecs.length === 1 && codecs[0] ? html` <span class="codec">· codec ${codecs[0]}</span>` : ''
    }</th></tr>
    ${rows.map(([row, key]) => {
      const cells = ms.filter((m) => m.row === row);
      const best = bestPhase(cells);
      const extra = [codecs.length > 1 ? key.codec : '', key.variant].filter(Boolean).join(' ');
      return html`<tr data-row="${row}">
        <td class="op">${caseLabel(key.case)}</td>
        <td class="rows">${formatRows(key.rows)}${extra ? ` ${extra}` : ''}</td>
        ${columns.map((p) => cell(cells.find((m) => m.key.phase === p), p, p === best, regressions))}
      </tr>`;
    })}
  </tbody>`;
}

/** The Armillaria phase with the highest median throughput in a row. */
function bestPhase(cells: readonly Measurement[]): string | undefined {
  let best: Measurement | undefined;
  for (const m of cells) {
    if (m.key.engine !== 'armillaria' || !m.throughput) continue;
    if (!best || m.throughput.median > best.throughput!.median) best = m;
  }
  return best?.key.phase;
}

function cell(m: Measurement | undefined, phase: string, best: boolean, regressions: readonly Regression[]): SafeHtml {
  const cls = `cell${phase === DELTA_PHASE ? ' delta' : ''}`;
  if (!m) return html`<td class="${cls} none" data-phase="${phase}" title="not measured">—</td>`;
  if (m.result.status !== 'ok' || !m.throughput) {
    const status = m.result.status === 'ok' ? 'error' : m.result.status;
    return html`<td class="${cls} status" data-phase="${phase}" title="${measurementTitle(m)}">${statusBadge(status, m.result.error)}</td>`;
  }
  const regression = regressions.find((r) => r.id === m.id && r.to.run.runId === m.run.runId);
  const flag = regression
    ? html`<span class="flag" title="${`regression: ${formatMBps(regression.from.throughputMBps ?? 0)} on ${formatDate(regression.from.run.date)} → ${formatMBps(m.throughput.median)}`}">▼ ${formatChange(regression.change ?? 0)}</span>`
    : '';
  return html`<td class="${cls} ok${best ? ' best' : ''}${regression ? ' regressed' : ''}" data-phase="${phase}" title="${measurementTitle(m)}">
    <div class="v">${formatMBps(m.throughput.median)}</div>
    <div class="r">${ratioText(m.vsDelta, 'Delta', true)}${ratioText(m.vsSequential, 'seq', false)}</div>${flag}
  </td>`;
}
