/** Branch creation, time travel and the other timed cases that move no data: median time per phase. */
import type { Aggregate, Measurement } from '../aggregate.js';
import type { ChartSvg } from '../charts.js';
import { THROUGHPUT_CASES, comparePhases } from '../result-key.js';
import { caseLabel, formatMs, formatRows } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';
import { figure, legend, measurementTitle, ratioText, statusBadge } from './parts.js';

/** Measurements of the timed cases without throughput. */
export function latencyMeasurements(agg: Aggregate): Measurement[] {
  return agg.measurements.filter((m) => !(THROUGHPUT_CASES as readonly string[]).includes(m.key.case) && !m.throughput);
}

const extraText = (m: Measurement): string =>
  Object.entries(m.result.extra ?? {})
    .map(([k, v]) => (k === 'refBytes' ? `ref ${v} B` : `${k} ${v}`))
    .join(' · ');

/** The latency section. */
export function latencySection(agg: Aggregate, charts: readonly ChartSvg[]): SafeHtml {
  const ms = latencyMeasurements(agg);
  if (ms.length === 0) return html``;
  const phases = [...new Set(ms.filter((m) => m.result.status === 'ok').map((m) => m.key.phase))].sort(comparePhases);
  return html`<section id="latency">
  <h2>Branch creation, time travel and other timed cases</h2>
  <p class="lede">Cases measured by time rather than throughput. Ratios are speed-ups (Delta time / Armillaria time);
  Delta Lake has no branches, so branch creation has no Delta figure.</p>
  ${legend(phases)}
  <div class="charts">${charts.map(figure)}</div>
  <div class="scroll"><table class="latency">
    <thead><tr><th>Case</th><th>Dataset</th><th>Phase</th><th class="num">Median</th><th class="num">Min – max</th><th class="num">vs Delta</th><th class="num">vs sequential</th><th>Details</th></tr></thead>
    <tbody>${ms.map((m) => {
      const s = m.result.stats;
      const ok = m.result.status === 'ok' && s;
      return html`<tr title="${measurementTitle(m)}">
        <td>${caseLabel(m.key.case)}</td>
        <td>${m.key.dataset} ${formatRows(m.key.rows)}${m.key.variant ? ` · ${m.key.variant}` : ''}</td>
        <td>${phaseLabel(m.key.phase)}</td>
        ${ok
          ? html`<td class="num">${formatMs(s.median)}</td><td class="num">${formatMs(s.min)} – ${formatMs(s.max)}</td>`
          : html`<td class="num" colspan="2">${statusBadge(m.result.status, m.result.error)}</td>`}
        <td class="num">${ratioText(m.vsDelta, '', true)}</td>
        <td class="num">${ratioText(m.vsSequential, '', false)}</td>
        <td class="note">${m.result.status === 'ok' ? extraText(m) : (m.result.error ?? '')}</td>
      </tr>`;
    })}</tbody>
  </table></div>
</section>`;
}
