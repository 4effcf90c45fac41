/** The report header: what was measured, when, where, with which versions, and the regression verdict. */
import type { Aggregate } from '../aggregate.js';
import { compareCases, isCompetitor } from '../result-key.js';
import { formatChange, formatDate, formatRam, formatRows, shortSha } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';

/** Header options that do not come from the results. */
export interface HeaderOptions {
  title: string;
  /** ISO time the report was generated; omitted from the page when absent (keeps output reproducible). */
  generatedAt?: string;
  /** Link to the API docs published beside the report (`writeReport` sets it when `api/` exists there). */
  apiDocs?: string;
}

/** The header section. */
export function headerSection(agg: Aggregate, options: HeaderOptions): SafeHtml {
  const run = agg.latestRun;
  if (!run || !agg.scope) {
    return html`<header class="report"><h1>${options.title}</h1><p class="subtitle">No benchmark runs found.</p></header>`;
  }
  const first = agg.runs[0]!;
  const m = run.machine;
  const v = run.versions;
  const cases = [...new Set(agg.measurements.map((x) => x.key.case))].sort(compareCases);
  const datasets = [...new Set(agg.measurements.map((x) => `${x.key.dataset} ${formatRows(x.key.rows)}`))];
  const datasetNames = [...new Set(agg.measurements.map((x) => x.key.dataset))].sort();
  const sizes = (d: string) =>
    [...new Set(agg.measurements.filter((x) => x.key.dataset === d).map((x) => x.key.rows))].sort((a, b) => a - b).map(formatRows);
  const phases = agg.phases.filter((p) => !isCompetitor(p));
  const competitors = agg.phases.filter(isCompetitor).map(phaseLabel);
  const mode = agg.scope.quick ? 'quick (pnpm bench --quick, small sizes)' : 'full';
  return html`<header class="report">
  <h1>${options.title}</h1>
  <p class="subtitle">Armillaria phases against ${competitors.join(', ') || 'Delta Lake'} on <strong>${m.name}</strong> · ${agg.scope.quick ? 'quick' : 'full'} run · latest ${formatDate(run.date)}</p>
  <dl class="meta">
    <div><dt>Latest run</dt><dd title="${run.runId}">${formatDate(run.date)}</dd></div>
    <div><dt>Armillaria commit</dt><dd><code title="${v.armillaria}">${shortSha(v.armillaria)}</code></dd></div>
    <div><dt>Mode</dt><dd>${mode}; quick and full runs are never compared</dd></div>
    <div><dt>Machine</dt><dd>${m.cpu} · ${m.cores} cores · ${formatRam(m.ramBytes)} RAM</dd></div>
    <div><dt>OS / filesystem</dt><dd>${m.os}${m.fs ? ` · ${m.fs}` : ''}</dd></div>
    <div><dt>Versions</dt><dd>Node ${v.node}${v.rustc ? ` · rustc ${v.rustc}` : ''}${v.deltalake ? ` · deltalake ${v.deltalake}` : ''}${v.pyiceberg ? ` · pyiceberg ${v.pyiceberg}` : ''}${v.pylance ? ` · pylance ${v.pylance}` : ''}${v.pyarrow ? ` · pyarrow ${v.pyarrow}` : ''}</dd></div>
    <div><dt>History</dt><dd>${agg.runs.length} run${agg.runs.length === 1 ? '' : 's'} on this machine, ${formatDate(first.date).slice(0, 10)} – ${formatDate(run.date).slice(0, 10)}</dd></div>
    <div><dt>Engines / phases</dt><dd>${phases.join(', ') || 'none'}${competitors.length ? ` · ${competitors.join(', ')}` : ''}</dd></div>
    <div><dt>Cases</dt><dd>${cases.join(', ')}</dd></div>
    <div><dt>Datasets</dt><dd>${datasetNames.map((d) => `${d} (${sizes(d).join(', ')})`).join('; ')}</dd></div>
  </dl>
  ${verdict(agg)}
  ${agg.otherScopes.length
    ? html`<p class="banner info">Also in the results, not shown here: ${agg.otherScopes.map(
        (s, i) => html`${i ? '; ' : ''}<strong>${s.machine}</strong> ${s.quick ? 'quick' : 'full'} (${s.runs} run${s.runs === 1 ? '' : 's'}, latest ${formatDate(s.latestDate)})`,
      )}. Render them with <code>--machine</code> and <code>--quick</code>/<code>--full</code>.</p>`
    : ''}
  ${datasets.length === 0 ? html`<p class="note">The latest run holds no results.</p>` : ''}
  ${options.apiDocs ? html`<p class="note">The API measured here: <a href="${options.apiDocs}">@armillaria/core reference</a>.</p>` : ''}
</header>`;
}

/** The regression banner: red when the latest run regressed, green when it was compared and did not. */
function verdict(agg: Aggregate): SafeHtml | string {
  const tol = `${Math.round(agg.tolerance * 100)}%`;
  const latest = agg.regressions.filter((r) => r.inLatestRun);
  if (latest.length) {
    const items = latest.map((r) => {
      const what = `${r.key.phase} ${r.key.case} ${r.key.dataset} ${formatRows(r.key.rows)}${r.key.variant ? ` ${r.key.variant}` : ''}`;
      return r.kind === 'slower' ? `${what} ${formatChange(r.change ?? 0)}` : `${what} now ${r.to.status}`;
    });
    return html`<p class="banner bad" id="regression-banner">▼ ${latest.length} regression${latest.length === 1 ? '' : 's'} in the latest run against the previous one (tolerance ${tol}): ${items.join('; ')}. <a href="#history">Details</a></p>`;
  }
  if (agg.runs.length < 2) return html`<p class="banner info">Only one run on this machine: no history to compare yet.</p>`;
  return html`<p class="banner good">No regressions in the latest run against the previous one (tolerance ${tol}).</p>`;
}
