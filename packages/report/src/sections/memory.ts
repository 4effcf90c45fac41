/**
 * Peak memory: per dataset size, each engine's peak RSS during every case that reports one, beside the
 * input's Arrow size, with the multiple of that size under each peak. Write and read lead; the other
 * cases are folded below them.
 */
import type { Aggregate, Measurement } from '../aggregate.js';
import { WRITE_PEAK_GOAL, WRITE_PEAK_GOAL_ROWS } from '../goals.js';
import { DELTA_PHASE, compareCases, comparePhases, isCompetitor, type ResultKey } from '../result-key.js';
import { caseLabel, formatDate, formatMiB, formatRatio, formatRows, shortSha } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { phaseColour, phaseLabel } from '../palette.js';
import { statusBadge } from './parts.js';

/** Cases shown open; the rest of the cases with peaks are folded below them. */
const LEADING_CASES: readonly string[] = ['write', 'read'];

/** The latest measurements (as the other tables take them) that report a peak RSS. */
export function memoryMeasurements(agg: Aggregate): Measurement[] {
  return agg.measurements.filter((m) => m.result.rssPeakBytes !== undefined);
}

/** Peak RSS / the input's Arrow bytes, when both are known. */
export function peakMultiple(m: Measurement): number | undefined {
  const peak = m.result.rssPeakBytes;
  const input = m.result.dataset.bytes;
  return peak === undefined || !(input > 0) ? undefined : peak / input;
}

/** Whether a measurement is an Armillaria write at or above DESIGN.md's memory goal. */
export function overWriteGoal(m: Measurement): boolean {
  const multiple = peakMultiple(m);
  return m.key.engine === 'armillaria' && m.key.case === 'write' && m.key.rows >= WRITE_PEAK_GOAL_ROWS && multiple !== undefined && multiple >= WRITE_PEAK_GOAL;
}

/** Order rows within one size: write, read, the other cases; then dataset, codec, variant. */
const compareMemoryRows = (a: ResultKey, b: ResultKey): number =>
  compareCases(a.case, b.case) ||
  a.dataset.localeCompare(b.dataset) ||
  a.codec.localeCompare(b.codec) ||
  a.variant.localeCompare(b.variant);

const peakOf = (m: Measurement): number | undefined => (m.result.status === 'ok' ? m.result.rssPeakBytes : undefined);

function cell(m: Measurement | undefined, phase: string, lowest: number | undefined): SafeHtml {
  const cls = `cell${phase === DELTA_PHASE ? ' delta' : ''}`;
  if (!m) return html`<td class="${cls} none" data-phase="${phase}" title="not measured">—</td>`;
  // A failed or rejected case shows its status, never its peak (as the other tables do with times).
  if (m.result.status !== 'ok') return html`<td class="${cls} status" data-phase="${phase}">${statusBadge(m.result.status, m.result.error)}</td>`;
  const peak = peakOf(m);
  if (peak === undefined) return html`<td class="${cls} none" data-phase="${phase}" title="no peak RSS reported">—</td>`;
  const multiple = peakMultiple(m);
  const over = overWriteGoal(m);
  const title = [
    `peak RSS ${peak.toLocaleString('en-US')} B`,
    `input ${m.result.dataset.bytes.toLocaleString('en-US')} B (Arrow)`,
    ...(over ? [`over the goal: an Armillaria write peaks below ${WRITE_PEAK_GOAL}× its input`] : []),
    `run ${formatDate(m.run.date)} @ ${shortSha(m.run.gitSha)}`,
  ].join(' · ');
  return html`<td class="${cls} ok${peak === lowest ? ' best' : ''}${over ? ' over' : ''}" data-phase="${phase}" title="${title}">
        <div class="v">${formatMiB(peak)}</div>
        <div class="r">${multiple === undefined ? '' : html`<span class="${over ? 'bad' : ''}">${formatRatio(multiple)} input</span>`}</div>
      </td>`;
}

/** One table for one dataset size: a row per (case, dataset), a column per engine/phase. */
function sizeTable(rowIds: readonly string[], byRow: ReadonlyMap<string, Measurement[]>, columns: readonly string[]): SafeHtml {
  const keys = rowIds.map((id) => byRow.get(id)![0]!.key);
  const codecs = new Set(keys.map((k) => k.codec));
  return html`<div class="scroll"><table class="memory">
    <thead><tr><th>Operation</th><th>Dataset</th><th class="num" title="Arrow in-memory bytes of the input table">Input (Arrow)</th>${columns.map(
      (p) => html`<th class="phase${p === DELTA_PHASE ? ' delta' : ''}${isCompetitor(p) ? ' competitor' : ''}" scope="col"><i class="swatch" style="background:${phaseColour(p)}"></i>${phaseLabel(p)}</th>`,
    )}</tr></thead>
    <tbody>${rowIds.map((id) => {
      const cells = byRow.get(id)!;
      const key = cells[0]!.key;
      const peaks = cells.flatMap((m) => (peakOf(m) === undefined ? [] : [peakOf(m)!]));
      const lowest = peaks.length ? Math.min(...peaks) : undefined;
      const extra = [codecs.size > 1 ? key.codec : '', key.variant].filter(Boolean).join(' ');
      return html`<tr data-memory-row="${id}">
      <td class="op">${caseLabel(key.case)}</td>
      <td class="rows">${key.dataset}${extra ? ` · ${extra}` : ''}</td>
      <td class="num">${formatMiB(cells[0]!.result.dataset.bytes)}</td>
      ${columns.map((p) => cell(cells.find((m) => m.key.phase === p), p, lowest))}
    </tr>`;
    })}</tbody>
  </table></div>`;
}

/** A table per dataset size, smallest first, for the rows given. */
function sizeTables(rowIds: readonly string[], byRow: ReadonlyMap<string, Measurement[]>, columns: readonly string[]): SafeHtml[] {
  const key = (id: string) => byRow.get(id)![0]!.key;
  const sizes = [...new Set(rowIds.map((id) => key(id).rows))].sort((a, b) => a - b);
  return sizes.map((rows) => {
    const ofSize = rowIds.filter((id) => key(id).rows === rows).sort((a, b) => compareMemoryRows(key(a), key(b)));
    return html`<h3>${formatRows(rows)} rows</h3>
  ${sizeTable(ofSize, byRow, columns)}`;
  });
}

/** The memory section, or nothing when no result reports a peak RSS. */
export function memorySection(agg: Aggregate): SafeHtml {
  const ms = memoryMeasurements(agg);
  if (ms.length === 0) return html``;
  const columns = [...new Set(ms.map((m) => m.key.phase))].sort(comparePhases);
  // A row holds every measurement of its key, so an engine that could not run the case shows why.
  const withPeak = new Set(ms.map((m) => m.row));
  const byRow = new Map<string, Measurement[]>();
  for (const m of agg.measurements) if (withPeak.has(m.row)) byRow.set(m.row, [...(byRow.get(m.row) ?? []), m]);
  const leading = [...byRow.keys()].filter((id) => LEADING_CASES.includes(byRow.get(id)![0]!.key.case));
  const others = [...byRow.keys()].filter((id) => !leading.includes(id));
  return html`<section id="memory">
  <h2>Memory</h2>
  <p class="lede">Peak resident set size of each engine's own process during the case's measured operations (Node for
  Armillaria, Python for the others), which includes the runtime and the input the process holds; under each peak, its
  multiple of the input's Arrow size. ★ marks the lowest peak in a row; red, an Armillaria write of
  ${formatRows(WRITE_PEAK_GOAL_ROWS)} rows or more at or above ${WRITE_PEAK_GOAL}× its input (DESIGN.md's goal).</p>
  ${leading.length
    ? html`${sizeTables(leading, byRow, columns)}
  ${others.length
    ? html`<details class="memory-more">
    <summary>Other cases (${others.length} row${others.length === 1 ? '' : 's'})</summary>
    ${sizeTables(others, byRow, columns)}
  </details>`
    : ''}`
    : sizeTables(others, byRow, columns)}
  <p class="note">On Linux the kernel's high-water mark (<code>VmHWM</code>) is reset before each operation and read
  after it, so a peak is that case's own; elsewhere it is the process-lifetime peak. Before each dataset's cases every
  engine collects its garbage and returns freed memory to the OS. A peak counts all the process holds as well: the
  runtime, and what earlier cases of the dataset left, so the multiple bounds the operation's own memory from above and
  is largest at small sizes. Hover a cell for the exact bytes and the run.</p>
</section>`;
}
