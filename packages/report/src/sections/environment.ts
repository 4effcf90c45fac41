/** Where and with what the numbers were measured: machine, versions per run, and engine settings. */
import type { Aggregate } from '../aggregate.js';
import { comparePhases } from '../result-key.js';
import { formatDate, formatRam } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseLabel } from '../palette.js';

const VERSION_COLUMNS = [
  ['node', 'Node'],
  ['rustc', 'rustc'],
  ['python', 'Python'],
  ['deltalake', 'deltalake'],
  ['pyarrow', 'pyarrow'],
  ['parquetWasm', 'parquet-wasm'],
  ['apacheArrow', 'apache-arrow'],
] as const;

/** Settings per phase in the latest run, as `key=value` lists (distinct combinations only). */
function settings(agg: Aggregate): [string, string[]][] {
  const byPhase = new Map<string, Set<string>>();
  for (const r of agg.latestRun?.results ?? []) {
    const text = Object.entries(r.config).map(([k, v]) => `${k}=${v}`).join(' ');
    byPhase.set(r.phase, (byPhase.get(r.phase) ?? new Set()).add(text || '(none)'));
  }
  return [...byPhase].sort(([a], [b]) => comparePhases(a, b)).map(([p, s]) => [p, [...s]]);
}

/** The environment section. */
export function environmentSection(agg: Aggregate): SafeHtml {
  const run = agg.latestRun;
  if (!run) return html``;
  const m = run.machine;
  return html`<section id="environment">
  <h2>Environment</h2>
  <div class="two">
    <div>
      <h3>Machine</h3>
      <table class="env"><tbody>
        <tr><th>Name</th><td>${m.name}</td></tr>
        <tr><th>CPU</th><td>${m.cpu}</td></tr>
        <tr><th>Cores</th><td>${m.cores}</td></tr>
        <tr><th>RAM</th><td>${formatRam(m.ramBytes)}</td></tr>
        <tr><th>OS</th><td>${m.os}</td></tr>
        <tr><th>Filesystem</th><td>${m.fs ?? 'unknown'}</td></tr>
      </tbody></table>
    </div>
    <div>
      <h3>Settings per phase (latest run)</h3>
      <table class="env"><tbody>${settings(agg).map(
        ([p, s]) => html`<tr><th>${phaseLabel(p)}</th><td>${s.map((t, i) => html`${i ? html`<br>` : ''}<code>${t}</code>`)}</td></tr>`,
      )}</tbody></table>
    </div>
  </div>
  <h3>Runs</h3>
  <div class="scroll"><table class="runs">
    <thead><tr><th>Date</th><th>Run</th><th>Armillaria</th>${VERSION_COLUMNS.map(([, label]) => html`<th>${label}</th>`)}<th class="num">Results</th></tr></thead>
    <tbody>${[...agg.runs].reverse().map(
      (r) => html`<tr><td>${formatDate(r.date)}</td><td><code>${r.runId}</code></td><td><code title="${r.versions.armillaria}">${r.versions.armillaria.slice(0, 12)}</code></td>${VERSION_COLUMNS.map(
        ([k]) => html`<td>${r.versions[k] ?? '—'}</td>`,
      )}<td class="num">${r.results.length}</td></tr>`,
    )}</tbody>
  </table></div>
</section>`;
}
