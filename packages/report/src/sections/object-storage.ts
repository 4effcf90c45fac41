/**
 * Results measured with both engines' tables on S3-compatible object storage (`pnpm bench --storage
 * s3`: a SeaweedFS server on the same machine), one row per case and phase: time, throughput, the
 * ratio to Delta Lake on the same server, and the requests Armillaria sent (its S3 backend counts
 * them; Delta Lake's are not counted).
 */
import type { Aggregate, Measurement } from '../aggregate.js';
import { caseLabel, formatMBps, formatMs, formatRows } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';
import { measurementTitle, ratioText, statusBadge } from './parts.js';

/** Measurements taken on object storage (the variant names it). */
export function objectStorageMeasurements(agg: Aggregate): Measurement[] {
  return agg.measurements.filter((m) => m.key.variant.split(' ').includes('s3'));
}

/** The requests of a result as `6 (2 Get, 4 Put)`, from its `requests.<Operation>` medians. */
export function requestsText(extra: Record<string, number | string> | undefined): string {
  if (extra?.requests === undefined) return '';
  const parts = Object.entries(extra)
    .filter(([k]) => k.startsWith('requests.'))
    .map(([k, v]) => `${v} ${k.slice('requests.'.length).replace(/Object$/, '').replace(/Objects?V2$/, '')}`);
  return `${extra.requests}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The object-storage section (empty when no run measured on object storage). */
export function objectStorageSection(agg: Aggregate): SafeHtml {
  const ms = objectStorageMeasurements(agg);
  if (ms.length === 0) return html``;
  return html`<section id="object-storage">
  <h2>On object storage (S3)</h2>
  <p class="lede">Both engines' tables on one SeaweedFS S3 server on the same machine (loopback; its CPU shares
  the cores), Delta Lake with conditional puts. Requests are what Armillaria's S3 backend sent per operation
  (medians over the tries; Delta Lake's are not counted).</p>
  <div class="scroll"><table class="latency">
    <thead><tr><th>Case</th><th>Dataset</th><th>Phase</th><th class="num">Median</th><th class="num">MB/s</th><th class="num">vs Delta</th><th class="num">Requests</th><th>Details</th></tr></thead>
    <tbody>${ms.map((m) => {
      const s = m.result.stats;
      const ok = m.result.status === 'ok' && s;
      const perSecond = m.result.extra?.commitsPerSecond;
      return html`<tr title="${measurementTitle(m)}">
        <td>${caseLabel(m.key.case)}</td>
        <td>${m.key.dataset} ${formatRows(m.key.rows)}</td>
        <td>${phaseLabel(m.key.phase)}</td>
        ${ok ? html`<td class="num">${formatMs(s.median)}</td>` : html`<td class="num">${statusBadge(m.result.status, m.result.error)}</td>`}
        <td class="num">${m.throughput ? formatMBps(m.throughput.median) : ''}</td>
        <td class="num">${ratioText(m.vsDelta, '', true)}</td>
        <td class="num">${requestsText(m.result.extra)}</td>
        <td class="note">${perSecond !== undefined ? `${Number(perSecond).toFixed(1)} commits/s` : ''}</td>
      </tr>`;
    })}</tbody>
  </table></div>
</section>`;
}
