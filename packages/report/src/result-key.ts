/**
 * What makes two results "the same measurement": the report keeps the latest result per key and compares
 * results across runs only under the same key.
 */
import { COMPETITORS, type BenchResult } from './schema.js';

/** The Armillaria phases in ladder order (DESIGN.md "The phases"); unknown phases follow, sorted. */
export const PHASE_ORDER = ['sequential', 'batch', 'mmap', 'parallel-parse', 'native-parquet', 'pushdown'] as const;

/** The phase name Delta Lake results carry. */
export const DELTA_PHASE = 'delta';

/** Whether a phase name is a competing engine's (`delta`, `iceberg`, `lance`) rather than an Armillaria phase. */
export function isCompetitor(phase: string): boolean {
  return (COMPETITORS as readonly string[]).includes(phase);
}

/** The Armillaria baseline phase: pure TS, no addon. */
export const BASELINE_PHASE = 'sequential';

/** Cases whose figure of merit is throughput (dataset bytes / time); the ladder shows these. */
export const THROUGHPUT_CASES = ['write', 'read', 'read-projection', 'read-filter', 'append'] as const;

/** Identity of a measurement across runs. */
export interface ResultKey {
  engine: BenchResult['engine'];
  phase: string;
  case: string;
  dataset: string;
  rows: number;
  /** `config.codec`, or `''` when the result does not say. */
  codec: string;
  /** `variant`, or `''`. */
  variant: string;
}

/** Everything in a key except who ran it: results sharing a row key are compared with each other. */
export type RowKey = Omit<ResultKey, 'engine' | 'phase'>;

/** The key of one result. */
export function resultKey(r: BenchResult): ResultKey {
  return {
    engine: r.engine,
    phase: r.phase,
    case: r.case,
    dataset: r.dataset.name,
    rows: r.dataset.rows,
    codec: r.config.codec === undefined ? '' : String(r.config.codec),
    variant: r.variant ?? '',
  };
}

/** Stable string form of a row key (case, dataset, rows, codec, variant). */
export function rowId(k: RowKey): string {
  return [k.case, k.dataset, k.rows, k.codec, k.variant].join('|');
}

/** Stable string form of a full key. */
export function keyId(k: ResultKey): string {
  return `${k.engine}|${k.phase}|${rowId(k)}`;
}

/** Sort phases: ladder order, then unknown Armillaria phases alphabetically, then the competitors (Delta first). */
export function comparePhases(a: string, b: string): number {
  const rank = (p: string): number => {
    const c = (COMPETITORS as readonly string[]).indexOf(p);
    if (c !== -1) return 1000 + c;
    const i = (PHASE_ORDER as readonly string[]).indexOf(p);
    return i === -1 ? 100 : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Sort cases: throughput cases in their listed order, then the rest alphabetically. */
export function compareCases(a: string, b: string): number {
  const rank = (c: string): number => {
    const i = (THROUGHPUT_CASES as readonly string[]).indexOf(c);
    return i === -1 ? 100 : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Order row keys for display: dataset, case, rows, codec, variant. */
export function compareRows(a: RowKey, b: RowKey): number {
  return (
    a.dataset.localeCompare(b.dataset) ||
    compareCases(a.case, b.case) ||
    a.rows - b.rows ||
    a.codec.localeCompare(b.codec) ||
    a.variant.localeCompare(b.variant)
  );
}
