/** Small HTML pieces shared by the sections. */
import type { Measurement, Ratio } from '../aggregate.js';
import type { ChartSvg } from '../charts.js';
import type { ResultStatus } from '../schema.js';
import { formatDate, formatMBps, formatMs, formatRatio, shortSha } from '../format.js';
import { html, raw, type SafeHtml } from '../html.js';
import { phaseColour, phaseLabel } from '../palette.js';

const STATUS_TEXT: Record<ResultStatus, string> = {
  ok: 'ok',
  'not-implemented': 'not implemented',
  rejected: 'rejected',
  error: 'error',
};

/** A status pill; `title` carries the error text on hover. */
export function statusBadge(status: ResultStatus, title?: string): SafeHtml {
  return html`<span class="badge ${status}" title="${title ?? ''}">${STATUS_TEXT[status]}</span>`;
}

/** `2.50× Delta` in green (faster) or red (slower); `†` when the baseline comes from another run. */
export function ratioText(r: Ratio | undefined, baseline: string, coloured: boolean): SafeHtml {
  if (!r) return html``;
  const cls = coloured ? (r.value >= 1 ? 'good' : 'bad') : '';
  const dagger = r.sameRun ? '' : html`<span class="dagger" title="baseline measured in another run">†</span>`;
  return html`<span class="${cls}">${formatRatio(r.value)} ${baseline}${dagger}</span>`;
}

/** Hover text for a measurement: spread, timing, tries and provenance. */
export function measurementTitle(m: Measurement): string {
  const r = m.result;
  const parts: string[] = [];
  if (r.status !== 'ok') parts.push(`${STATUS_TEXT[r.status]}${r.error ? `: ${r.error}` : ''}`);
  if (m.throughput) {
    parts.push(`median ${formatMBps(m.throughput.median)}`, `min–max ${formatMBps(m.throughput.min)} – ${formatMBps(m.throughput.max)}`);
  }
  if (r.stats) parts.push(`time median ${formatMs(r.stats.median)} (${formatMs(r.stats.min)} – ${formatMs(r.stats.max)}) over ${r.stats.samples} tries`);
  parts.push(`run ${formatDate(m.run.date)} @ ${shortSha(m.run.gitSha)}`);
  return parts.join(' · ');
}

/** The phase colour legend shown above a group of charts. */
export function legend(phases: readonly string[]): SafeHtml {
  return html`<div class="legend" aria-label="phase colours">${phases.map(
    (p) => html`<span><i class="swatch" style="background:${phaseColour(p)}"></i>${phaseLabel(p)}</span>`,
  )}</div>`;
}

/** A chart in a captioned figure; the SVG was produced by vega from our own data. */
export function figure(chart: ChartSvg): SafeHtml {
  return html`<figure><figcaption>${chart.title}</figcaption>${raw(chart.svg)}</figure>`;
}
