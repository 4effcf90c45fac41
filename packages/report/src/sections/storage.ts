/** Stored bytes and dedup after each storage workload, for both engines. */
import type { Aggregate } from '../aggregate.js';
import type { ChartSvg } from '../charts.js';
import { caseLabel, formatBytes, formatPercent, formatRows } from '../format.js';
import { comparePhases } from '../result-key.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';
import { figure, legend, statusBadge } from './parts.js';

/** The storage section. */
export function storageSection(agg: Aggregate, charts: readonly ChartSvg[]): SafeHtml {
  const ms = agg.measurements.filter((m) => m.result.storage || (m.result.status !== 'ok' && m.key.case === 'versions'));
  if (ms.length === 0) return html``;
  const phases = [...new Set(ms.map((m) => m.key.phase))].sort(comparePhases);
  return html`<section id="storage">
  <h2>Storage and dedup</h2>
  <p class="lede"><strong>Dedup</strong> = 1 − stored bytes / (versions × stored size of one version): the share of
  bytes that identical chunks let the store skip. It compares stored bytes with stored bytes, so compression is not
  counted as dedup.</p>
  ${legend(phases)}
  <div class="charts wide">${charts.map(figure)}</div>
  <div class="scroll"><table class="storage">
    <thead><tr><th>Workload</th><th>Engine / phase</th><th class="num">Versions</th><th class="num">Stored</th><th class="num">Dedup</th><th class="num" title="the original system's formula: 1 − stored / (versions × in-memory size)">Continuity figure*</th></tr></thead>
    <tbody>${ms.map((m) => {
      const s = m.result.storage;
      const workload = m.result.extra?.workload;
      return html`<tr>
        <td>${caseLabel(m.key.case)} · ${m.key.dataset} ${formatRows(m.key.rows)}${m.key.variant ? ` · ${m.key.variant}` : ''}${workload ? html`<br><span class="note">${String(workload)}</span>` : ''}</td>
        <td>${phaseLabel(m.key.phase)}</td>
        ${s
          ? html`<td class="num">${s.versions ?? '—'}</td><td class="num">${formatBytes(s.bytes)}</td><td class="num"><strong>${s.dedup === undefined ? '—' : formatPercent(s.dedup)}</strong></td><td class="num note">${s.continuityDedup === undefined ? '—' : formatPercent(s.continuityDedup)}</td>`
          : html`<td class="num" colspan="4">${statusBadge(m.result.status, m.result.error)}</td>`}
      </tr>`;
    })}</tbody>
  </table></div>
  <p class="note">* Continuity figure: the original system's "dedup", 1 − stored / (versions × <em>in-memory</em> size).
  It counts compression as dedup and is shown only so old numbers (its "84% dedup") can be followed; do not compare
  it with the dedup column.</p>
</section>`;
}
