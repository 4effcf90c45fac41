/**
 * Charts as inline SVG, drawn at build time: vega-lite spec -> vega spec -> headless vega view -> SVG
 * string. The report therefore needs no JavaScript and no network to show them.
 *
 * Each chart is small and single-purpose; phase colours come from `palette.ts` and the legend is drawn once
 * in HTML by the page, so the charts carry no legends of their own.
 */
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Aggregate } from './aggregate.js';
import { runRef, type RunRef } from './history.js';
import { compareCases, comparePhases, compareRows, rowId, THROUGHPUT_CASES, type RowKey } from './result-key.js';
import { phaseColour, phaseLabel } from './palette.js';
import { caseLabel, formatBytes, formatChange, formatMs, formatPercent, formatRows, shortSha } from './format.js';

/** One rendered chart. */
export interface ChartSvg {
  /** Shown as the figure caption. */
  title: string;
  /** Standalone `<svg>` markup. */
  svg: string;
}

/** All charts of a report, by section. */
export interface ChartSet {
  /** One per throughput case and dataset: grouped bars, phases and Delta side by side. */
  throughput: ChartSvg[];
  /** One per storage workload: bytes stored by each engine, with dedup. */
  storage: ChartSvg[];
  /** One per timed case without throughput (branch, time-travel, ...): median time per phase. */
  latency: ChartSvg[];
  /** One per throughput row with a ratio to Delta Lake in at least two runs: the ratio per run, steps marked. */
  ratioHistory: ChartSvg[];
  /** One per throughput row measured in at least two runs: MB/s per run, regressions marked. */
  history: ChartSvg[];
  /** Anything vega or vega-lite warned about; empty when the specs are sound. */
  warnings: string[];
}

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';
const INK = '#1f2933';
const MUTED = '#52606d';
const REGRESSION = '#d62728';

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelColor: MUTED,
    titleColor: MUTED,
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 500,
    gridColor: '#e8ebef',
    domainColor: '#9aa5b1',
    tickColor: '#9aa5b1',
  },
  title: { fontSize: 13, fontWeight: 600, color: INK, anchor: 'start', offset: 10 },
} as const;

const isThroughputCase = (c: string): boolean => (THROUGHPUT_CASES as readonly string[]).includes(c);

/** `500K`, `500K zstd`, `100K tables=1000`: what tells rows of one case and dataset apart. */
function sizeLabel(k: RowKey, showCodec: boolean): string {
  return [formatRows(k.rows), showCodec ? k.codec : '', k.variant].filter(Boolean).join(' ');
}

function colourScale(phases: readonly string[]) {
  return { domain: phases.map(phaseLabel), range: phases.map(phaseColour) };
}

/** Render every chart of the report. */
export async function renderCharts(agg: Aggregate): Promise<ChartSet> {
  const warnings: string[] = [];
  const draw = async (specs: { title: string; spec: TopLevelSpec }[]): Promise<ChartSvg[]> => {
    const out: ChartSvg[] = [];
    // Sequential on purpose: vega's SVG renderer numbers clip paths from a shared counter.
    for (const { title, spec } of specs) out.push({ title, svg: await toSvg(spec, warnings) });
    return out;
  };
  return {
    throughput: await draw(throughputSpecs(agg)),
    storage: await draw(storageSpecs(agg)),
    latency: await draw(latencySpecs(agg)),
    ratioHistory: await draw(ratioHistorySpecs(agg)),
    history: await draw(historySpecs(agg)),
    warnings,
  };
}

/** Compile a vega-lite spec and render it headless to an SVG string. */
async function toSvg(spec: TopLevelSpec, warnings: string[]): Promise<string> {
  const logger = collectingLogger(warnings);
  const vgSpec = compile({ ...spec, config: CONFIG } as TopLevelSpec, { logger }).spec;
  const view = new View(parse(vgSpec), { renderer: 'none', logger, logLevel: 2 /* warn */ });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type VegaLogger = NonNullable<NonNullable<ConstructorParameters<typeof View>[1]>['logger']>;

/** A vega logger that records warnings and errors instead of printing them. */
function collectingLogger(sink: string[]): VegaLogger {
  let level = 2;
  return {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return this;
    },
    error(...args: unknown[]) {
      sink.push(`error: ${args.join(' ')}`);
      return this;
    },
    warn(...args: unknown[]) {
      if (level >= 2) sink.push(`warn: ${args.join(' ')}`);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
}

/** Group measurements by a string key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], by: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(by(t), [...(out.get(by(t)) ?? []), t]);
  return out;
}

function throughputSpecs(agg: Aggregate): { title: string; spec: TopLevelSpec }[] {
  const measured = agg.measurements.filter((m) => m.throughput && isThroughputCase(m.key.case));
  const groups = groupBy(measured, (m) => `${m.key.case}|${m.key.dataset}`);
  return [...groups.values()]
    .sort((a, b) => compareRows(a[0]!.key, b[0]!.key))
    .map((ms) => {
      const first = ms[0]!.key;
      const showCodec = new Set(ms.map((m) => m.key.codec)).size > 1;
      const sizes = [...new Map(ms.map((m) => [sizeLabel(m.key, showCodec), m.key] as const))]
        .sort(([, a], [, b]) => compareRows(a, b))
        .map(([label]) => label);
      const phases = [...new Set(ms.map((m) => m.key.phase))].sort(comparePhases);
      const values = ms.map((m) => ({
        size: sizeLabel(m.key, showCodec),
        phase: phaseLabel(m.key.phase),
        median: m.throughput!.median,
        min: m.throughput!.min,
        max: m.throughput!.max,
      }));
      const title = `${caseLabel(first.case)} throughput · ${first.dataset}`;
      const spec: TopLevelSpec = {
        description: `${title}: median MB/s per phase and Delta Lake, whiskers from slowest to fastest try`,
        data: { values },
        // Fill about 440 px whatever the number of sizes and phases, within readable bar widths.
        width: { step: Math.max(8, Math.min(28, Math.floor(440 / (sizes.length * phases.length)))) },
        height: 220,
        encoding: {
          x: { field: 'size', type: 'nominal', sort: sizes, title: 'rows', axis: { labelAngle: 0 } },
          xOffset: { field: 'phase', type: 'nominal', scale: { domain: phases.map(phaseLabel), paddingInner: 0.08 } },
          color: { field: 'phase', type: 'nominal', scale: colourScale(phases), legend: null },
        },
        layer: [
          {
            mark: { type: 'bar', cornerRadiusTopLeft: 2, cornerRadiusTopRight: 2 },
            encoding: { y: { field: 'median', type: 'quantitative', title: 'MB/s (median)', axis: { format: ',.0f' } } },
          },
          {
            mark: { type: 'rule', color: INK, opacity: 0.55 },
            encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color: { value: INK } },
          },
        ],
      };
      return { title, spec };
    });
}

function storageSpecs(agg: Aggregate): { title: string; spec: TopLevelSpec }[] {
  const stored = agg.measurements.filter((m) => m.result.status === 'ok' && m.result.storage);
  return [...groupBy(stored, (m) => m.row).values()].map((ms) => {
    const k = ms[0]!.key;
    const phases = ms.map((m) => m.key.phase).sort(comparePhases);
    const values = ms.map((m) => {
      const s = m.result.storage!;
      const dedup = s.dedup === undefined ? '' : ` · dedup ${formatPercent(s.dedup)}`;
      return { phase: phaseLabel(m.key.phase), mb: s.bytes / 1e6, label: `${formatBytes(s.bytes)}${dedup}` };
    });
    const title = `Stored bytes · ${caseLabel(k.case)} · ${k.dataset} ${sizeLabel(k, false)}`;
    return { title, spec: horizontalBars(title, values, phases, 'stored MB', 260) };
  });
}

function latencySpecs(agg: Aggregate): { title: string; spec: TopLevelSpec }[] {
  const timed = agg.measurements.filter(
    (m) => m.result.status === 'ok' && m.result.stats && !isThroughputCase(m.key.case) && !m.throughput,
  );
  const byCase = [...groupBy(timed, (m) => m.key.case)].sort(([a], [b]) => compareCases(a, b));
  return byCase.map(([c, ms]) => {
    const manyRows = new Set(ms.map((m) => m.row)).size > 1;
    const ordered = [...ms].sort((a, b) => compareRows(a.key, b.key) || comparePhases(a.key.phase, b.key.phase));
    const values = ordered.map((m) => {
      const { min, median, max } = m.result.stats!;
      const where = manyRows ? ` · ${m.key.dataset} ${sizeLabel(m.key, false)}` : '';
      return { phase: phaseLabel(m.key.phase), bar: `${phaseLabel(m.key.phase)}${where}`, ms: median, min, max, label: formatMs(median) };
    });
    const phases = [...new Set(ordered.map((m) => m.key.phase))].sort(comparePhases);
    const title = `${caseLabel(c)} · median time`;
    return { title, spec: horizontalBars(title, values, phases, 'ms (median; whiskers min–max)') };
  });
}

/** Horizontal bars with a value label at the end; rows may carry `min`/`max` for whiskers. */
function horizontalBars(
  title: string,
  values: { phase: string; bar?: string; label: string; [k: string]: unknown }[],
  phases: readonly string[],
  axisTitle: string,
  width = 210,
): TopLevelSpec {
  const field = 'mb' in (values[0] ?? {}) ? 'mb' : 'ms';
  const rows = values.map((v) => ({ ...v, bar: v.bar ?? v.phase }));
  const hasWhiskers = rows.some((v) => 'min' in v);
  return {
    description: title,
    data: { values: rows },
    width,
    height: { step: 24 },
    encoding: {
      y: { field: 'bar', type: 'nominal', sort: rows.map((v) => v.bar), title: null },
      x: { field, type: 'quantitative', title: axisTitle, scale: { nice: true } },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } },
        encoding: { color: { field: 'phase', type: 'nominal', scale: colourScale(phases), legend: null } },
      },
      ...(hasWhiskers
        ? [{ mark: { type: 'rule' as const, color: INK, opacity: 0.55 }, encoding: { x: { field: 'min', type: 'quantitative' as const }, x2: { field: 'max' } } }]
        : []),
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: INK },
        encoding: { x: { field: hasWhiskers ? 'max' : field, type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * The layers that mark falls on a history chart: a red ring on each point of `rings`, and the change
 * (`label`) written above each point of `labelled`; `y` names the field that places them.
 */
function ringLayers(x: object, y: string, rings: readonly object[], labelled: readonly object[]): object[] {
  const at = { x, y: { field: y, type: 'quantitative' as const } };
  return [
    ...(rings.length
      ? [{ data: { values: rings }, mark: { type: 'point', shape: 'circle', size: 190, strokeWidth: 2, color: REGRESSION, filled: false }, encoding: at }]
      : []),
    ...(labelled.length
      ? [{ data: { values: labelled }, mark: { type: 'text', dy: -14, fontSize: 11, fontWeight: 700, color: REGRESSION }, encoding: { ...at, text: { field: 'label' } } }]
      : []),
  ];
}

function historySpecs(agg: Aggregate): { title: string; spec: TopLevelSpec }[] {
  const series = agg.history.filter((s) => isThroughputCase(s.key.case));
  const rows = [...groupBy(series, (s) => rowId(s.key))].sort(([, a], [, b]) => compareRows(a[0]!.key, b[0]!.key));
  const specs: { title: string; spec: TopLevelSpec }[] = [];
  for (const [row, ss] of rows) {
    const points = ss.flatMap((s) =>
      s.points.flatMap((p) =>
        p.throughputMBps === undefined ? [] : [{ date: p.run.date, phase: phaseLabel(s.key.phase), mbps: p.throughputMBps }],
      ),
    );
    if (new Set(points.map((p) => p.date)).size < 2) continue; // one run is not a history
    const flagged = agg.regressions
      .filter((r) => r.kind === 'slower' && rowId(r.key) === row && r.to.throughputMBps !== undefined)
      .map((r) => ({ date: r.to.run.date, mbps: r.to.throughputMBps, label: formatChange(r.change ?? 0) }));
    const k = ss[0]!.key;
    const phases = [...new Set(ss.map((s) => s.key.phase))].sort(comparePhases);
    const title = `${caseLabel(k.case)} · ${k.dataset} ${sizeLabel(k, false)}`;
    const x = {
      field: 'date',
      type: 'temporal' as const,
      title: null,
      scale: { padding: 14 },
      axis: { format: '%b %d', labelOverlap: true, grid: false },
    };
    specs.push({
      title,
      spec: {
        description: `${title}: median MB/s per run; red rings mark regressions`,
        width: 250,
        height: 140,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', point: { size: 28 }, strokeWidth: 1.8 },
            encoding: {
              x,
              y: { field: 'mbps', type: 'quantitative', title: 'MB/s', axis: { format: ',.0f', tickCount: 4 } },
              color: { field: 'phase', type: 'nominal', scale: colourScale(phases), legend: null },
            },
          },
          ...ringLayers(x, 'mbps', flagged, flagged),
        ],
      } as TopLevelSpec,
    });
  }
  return specs;
}

/**
 * Axis labels of runs: the short git sha, with `(2)`, `(3)` after a sha already seen, so that two runs of one
 * commit stay two points on an ordinal axis.
 */
function runLabels(runs: readonly RunRef[]): Map<string, string> {
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const r of runs) {
    const sha = shortSha(r.gitSha);
    const n = (seen.get(sha) ?? 0) + 1;
    seen.set(sha, n);
    out.set(r.runId, n === 1 ? sha : `${sha} (${n})`);
  }
  return out;
}

/** A log-scale domain around the ratios and 1× (the dashed rule), with a margin so no point sits on an edge. */
function ratioDomain(ratios: readonly number[]): [number, number] {
  const margin = 1.25;
  return [Math.min(1, ...ratios) / margin, Math.max(1, ...ratios) * margin];
}

/** Ticks at 1, 2 and 5 times powers of ten inside [lo, hi], finer steps when that leaves fewer than two. */
function ratioTicks(lo: number, hi: number): number[] {
  const within = (mantissas: readonly number[]): number[] => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(2));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    return out;
  };
  const coarse = within([1, 2, 5]);
  return coarse.length >= 2 ? coarse : within([1, 1.5, 2, 3, 5, 7]);
}

function ratioHistorySpecs(agg: Aggregate): { title: string; spec: TopLevelSpec }[] {
  const labels = runLabels(agg.runs.map(runRef));
  const label = (r: RunRef): string => labels.get(r.runId) ?? shortSha(r.gitSha);
  const series = agg.ratioHistory.filter((s) => isThroughputCase(s.key.case));
  const rows = [...groupBy(series, (s) => rowId(s.key))].sort(([, a], [, b]) => compareRows(a[0]!.key, b[0]!.key));
  const specs: { title: string; spec: TopLevelSpec }[] = [];
  for (const [row, ss] of rows) {
    const points = ss.flatMap((s) => s.points.map((p) => ({ run: label(p.run), phase: phaseLabel(s.key.phase), ratio: p.value })));
    // The runs of this row in date order (agg.runs is oldest first), each once.
    const runs = [...new Set(agg.runs.map((r) => labels.get(r.runId)!).filter((l) => points.some((p) => p.run === l)))];
    if (runs.length < 2) continue; // one run is not a history
    const steps = agg.ratioSteps.filter((st) => rowId(st.key) === row);
    const flagged = steps.map((st) => ({ run: label(st.to.run), ratio: st.to.value }));
    // Percentages only for the latest run's steps: on a long history, a label per ring is unreadable.
    const labelled = steps.filter((st) => st.inLatestRun).map((st) => ({ run: label(st.to.run), ratio: st.to.value, label: formatChange(st.change) }));
    const k = ss[0]!.key;
    const phases = [...new Set(ss.map((s) => s.key.phase))].sort(comparePhases);
    const title = `${caseLabel(k.case)} · ${k.dataset} ${sizeLabel(k, false)}`;
    const x = {
      field: 'run',
      type: 'ordinal' as const,
      sort: runs,
      title: null,
      axis: { labelAngle: -90, labelFontSize: 10, labelOverlap: true, grid: false },
    };
    const [lo, hi] = ratioDomain(points.map((p) => p.ratio));
    const y = {
      field: 'ratio',
      type: 'quantitative' as const,
      title: '× Delta Lake',
      scale: { type: 'log' as const, domain: [lo, hi], nice: false },
      axis: { values: ratioTicks(lo, hi), labelExpr: "format(datum.value, '~g') + '×'" },
    };
    specs.push({
      title,
      spec: {
        description: `${title}: each phase's median against Delta Lake's in the same run, per commit; red rings mark steps down`,
        width: 250,
        height: 140,
        layer: [
          {
            data: { values: [{ one: 1 }] },
            mark: { type: 'rule', color: MUTED, strokeDash: [4, 3], strokeWidth: 1 },
            encoding: { y: { field: 'one', type: 'quantitative' } },
          },
          {
            data: { values: points },
            mark: { type: 'line', point: { size: 28 }, strokeWidth: 1.8 },
            encoding: { x, y, color: { field: 'phase', type: 'nominal', scale: colourScale(phases), legend: null } },
          },
          ...ringLayers(x, 'ratio', flagged, labelled),
        ],
      } as TopLevelSpec,
    });
  }
  return specs;
}
