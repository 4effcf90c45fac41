/**
 * What a reader decides on first: for every operation, each engine's median against the best
 * Armillaria phase on the same data, one table per dataset. A case an engine cannot do shows why.
 */
import type { Aggregate, Measurement } from '../aggregate.js';
import { caseLabel, formatMBps, formatMs, formatRatio, formatRows } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { speedup } from '../metrics.js';
import { phaseColour, phaseLabel } from '../palette.js';
import { compareRows, isCompetitor } from '../result-key.js';
import { measurementTitle, statusBadge } from './parts.js';

/** One operation on one dataset: the best Armillaria phase, and each competitor's measurement. */
export interface CompetitionRow {
  best?: Measurement;
  engines: Map<string, Measurement>;
}

/** The fastest Armillaria phase of a row (by `speedup`, so throughput or time, whichever the case uses). */
export function bestPhase(row: readonly Measurement[]): Measurement | undefined {
  let best: Measurement | undefined;
  for (const m of row) {
    if (m.key.engine !== 'armillaria' || m.result.status !== 'ok' || !m.result.stats) continue;
    if (!best || (speedup(m.result, best.result) ?? 0) > 1) best = m;
  }
  return best;
}

/** Rows of the competition table: every row key that has a competitor's result, in display order. */
export function competitionRows(agg: Aggregate): Map<string, CompetitionRow> {
  const byRow = new Map<string, Measurement[]>();
  for (const m of agg.measurements) byRow.set(m.row, [...(byRow.get(m.row) ?? []), m]);
  const rows = new Map<string, CompetitionRow>();
  for (const [id, ms] of [...byRow].sort(([, a], [, b]) => compareRows(a[0]!.key, b[0]!.key))) {
    const engines = new Map(ms.filter((m) => isCompetitor(m.key.phase)).map((m) => [m.key.phase, m] as const));
    if (engines.size === 0) continue;
    const best = bestPhase(ms);
    rows.set(id, { ...(best ? { best } : {}), engines });
  }
  return rows;
}

const figure = (m: Measurement): string => (m.throughput ? formatMBps(m.throughput.median) : formatMs(m.result.stats!.median));

function engineCell(row: CompetitionRow, phase: string): SafeHtml {
  const m = row.engines.get(phase);
  if (!m) return html`<td class="num"><span class="note">—</span></td>`;
  if (m.result.status === 'not-implemented') {
    // An engine without the feature: said so, with its reason, never a number.
    return html`<td class="num"><span class="badge not-implemented">not supported</span><div class="note">${m.result.error ?? ''}</div></td>`;
  }
  if (m.result.status !== 'ok' || !m.result.stats) return html`<td class="num">${statusBadge(m.result.status, m.result.error)}</td>`;
  const lead = row.best ? speedup(row.best.result, m.result) : undefined;
  const verdict =
    lead === undefined
      ? html``
      : lead >= 1
        ? html`<span class="good">Armillaria ${formatRatio(lead)}</span>`
        : html`<span class="bad">trails ${formatRatio(1 / lead)}</span>`;
  return html`<td class="num" title="${measurementTitle(m)}">${figure(m)}<div class="r">${verdict}</div></td>`;
}

/** The competition section, or nothing when no competitor was measured. */
export function competitionSection(agg: Aggregate): SafeHtml {
  const rows = competitionRows(agg);
  if (rows.size === 0) return html``;
  const engines = agg.phases.filter(isCompetitor);
  const datasets = [...new Set([...rows.values()].map((r) => [...r.engines.values()][0]!.key.dataset))];
  return html`<section id="competition">
  <h2>Against every engine</h2>
  <p class="lede">Per operation, the fastest Armillaria phase's median beside each engine's, on the same data and codec
  (Lance writes its own format, not Parquet), every read checked for rows and content. Under each engine's figure:
  how many times faster Armillaria's best phase is (green), or by how much it trails (red). MB/s for throughput
  cases, time for the rest; hover a cell for the spread and the run.</p>
  ${datasets.map(
    (d) => html`<h3>${d}</h3>
  <div class="scroll"><table class="competition">
    <thead><tr><th>Operation</th><th class="num">Best Armillaria phase</th>${engines.map(
      (e) => html`<th class="num"><i class="swatch" style="background:${phaseColour(e)}"></i>${phaseLabel(e)}</th>`,
    )}</tr></thead>
    <tbody>${[...rows.values()]
      .filter((r) => [...r.engines.values()][0]!.key.dataset === d)
      .map((r) => {
        const k = [...r.engines.values()][0]!.key;
        return html`<tr>
      <td>${caseLabel(k.case)} <span class="note">${formatRows(k.rows)}${k.variant ? ` · ${k.variant}` : ''}</span></td>
      <td class="num">${r.best ? html`<span title="${measurementTitle(r.best)}">${figure(r.best)}</span><div class="note">${r.best.key.phase}</div>` : html`<span class="note">—</span>`}</td>
      ${engines.map((e) => engineCell(r, e))}
    </tr>`;
      })}</tbody>
  </table></div>`,
  )}
</section>`;
}
