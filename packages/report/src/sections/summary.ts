/** "At a glance": each phase's ratios combined by geometric mean, and DESIGN.md's goals. */
import type { Aggregate, GeomeanFigure } from '../aggregate.js';
import { DELTA_PHASE, THROUGHPUT_CASES, compareCases, isCompetitor } from '../result-key.js';
import { evaluateGoals } from '../goals.js';
import { formatRatio } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseColour, phaseLabel } from '../palette.js';

function geomeanCell(f: GeomeanFigure | undefined, coloured: boolean): SafeHtml {
  if (!f) return html`<td class="num"><span class="note">—</span></td>`;
  const cls = coloured ? (f.value >= 1 ? 'good' : 'bad') : '';
  return html`<td class="num" title="geometric mean over ${f.cases} case${f.cases === 1 ? '' : 's'}"><span class="${cls}">${formatRatio(f.value)}</span> <span class="note">(${f.cases})</span></td>`;
}

/** The summary section. */
export function summarySection(agg: Aggregate): SafeHtml {
  // Per-operation columns only for the ladder's throughput cases; the "all" column covers the rest.
  const cases = [...new Set(agg.geomeans.flatMap((g) => g.byCase.filter((c) => c.vsDelta).map((c) => c.case)))]
    .filter((c) => (THROUGHPUT_CASES as readonly string[]).includes(c))
    .sort(compareCases);
  const goals = evaluateGoals(agg);
  return html`<section id="summary">
  <h2>At a glance</h2>
  <h3>Speed-up per phase, geometric mean over cases</h3>
  <div class="scroll"><table class="geomeans">
        <thead><tr><th>Phase</th><th class="num">vs Delta, all</th>${cases.map((c) => html`<th class="num">vs Delta, ${c}</th>`)}<th class="num">vs sequential</th></tr></thead>
        <tbody>${agg.geomeans.filter((g) => !isCompetitor(g.phase) || g.phase === DELTA_PHASE).map((g) => {
          const byCase = new Map(g.byCase.map((c) => [c.case, c] as const));
          return html`<tr data-phase="${g.phase}"><td class="phase"><i class="swatch" style="background:${phaseColour(g.phase)}"></i>${phaseLabel(g.phase)}</td>${
            g.phase === DELTA_PHASE ? html`<td class="num"><span class="note">baseline</span></td>` : geomeanCell(g.vsDelta, true)
          }${cases.map((c) => (g.phase === DELTA_PHASE ? html`<td></td>` : geomeanCell(byCase.get(c)?.vsDelta, true)))}${geomeanCell(g.vsSequential, false)}</tr>`;
        })}</tbody>
  </table></div>
  <p class="note">Each case (operation × dataset × size × codec) gives one ratio, faster = above 1×; ratios are combined
      by geometric mean as ClickBench does, so no single case dominates; (n) = cases combined. "All" includes the timed
  cases (branch, time travel, ...); the per-operation columns restrict to that operation.</p>
  <h3>Goals (DESIGN.md), latest results</h3>
  <table class="goals">
        <thead><tr><th>Goal</th><th>Target</th><th>Measured</th><th></th></tr></thead>
        <tbody>${goals.map(
          (g) => html`<tr><td>${g.goal}</td><td>${g.target}</td><td>${g.measured ?? html`<span class="note">—</span>`}</td><td><span class="badge ${g.status}">${g.status.replace('-', ' ')}</span></td></tr>`,
        )}</tbody>
  </table>
  <p class="note">Goals are set for the 2-core reference machine; a goal whose case was not run is "not measured", never met.</p>
</section>`;
}
