/**
 * What a case is and the helpers cases share. A case turns engine operations into one `BenchResult`:
 * it builds its inputs outside the timed region, runs warm-ups and measured tries, verifies what reads
 * return (rows + `armillaria-checksum-v1` against the input), and records storage where it applies.
 */
import type { BenchResult } from '@armillaria/report';
import type { LoadedDataset } from '../datasets/datasets.js';
import type { Engine, Feature, Operation, OperationResult } from '../engines/engine.js';
import { collectGarbage } from '../measure.js';

export interface CaseSettings {
  /** Unmeasured tries before the measured ones. */
  warmup: number;
  /** Measured tries (at least). */
  tries: number;
  /** Keep adding measured tries until they add up to this many ms of engine time (fast cases)... */
  minTimeMs: number;
  /** ...but never more than this many. */
  maxTries: number;
  quick: boolean;
}

/** Whether a try loop should measure another try, given what it measured so far. */
export function wantMoreTries(s: CaseSettings, measured: readonly { internalMs?: number; ms: number }[]): boolean {
  if (measured.length < s.tries) return true;
  if (measured.length >= s.maxTries) return false;
  return measured.reduce((a, t) => a + (t.internalMs ?? t.ms), 0) < s.minTimeMs;
}

/** State shared by the cases of one (engine, dataset) session. */
export interface SessionState {
  /** A target holding exactly the dataset (written by `write`, or on demand). */
  main?: { target: string; version?: number };
  /** The versioning workload's target, for time travel. */
  versioned?: { target: string; firstVersion: number; versions: number; /** `value` at the head. */ values: Float64Array };
}

export interface CaseContext {
  engine: Engine;
  dataset: LoadedDataset;
  settings: CaseSettings;
  /** Which round of the case this is (0 unless the case runs in rounds; see rounds.ts). */
  round: number;
  state: SessionState;
  log: (line: string) => void;
}

/** What a case returns; the runner adds engine, phase, case, dataset and the engine's config. */
export type CaseOutcome = Pick<BenchResult, 'status' | 'tries'> &
  Partial<Pick<BenchResult, 'error' | 'stats' | 'throughputMBps' | 'rssPeakBytes' | 'storage' | 'extra' | 'variant'>> & {
    config?: Record<string, string | number | boolean>;
  };

export interface BenchCase {
  name: string;
  /** One line for --help and the README. */
  summary: string;
  /** Engine capability the case needs. */
  feature?: Feature;
  /** Whether the case makes sense for a dataset (e.g. versions needs `id` and `value`). */
  applies(dataset: LoadedDataset): boolean;
  /**
   * The case's workload does not grow with the dataset (10-row commits by 8 processes): a run measures
   * it on its first dataset only (Iceberg's writers take minutes per dataset; the gate keeps its minutes).
   */
  oncePerRun?: boolean;
  /** True for cases whose figure of merit is dataset bytes / time. */
  throughput: boolean;
  /**
   * True if the case can run in rounds (rounds.ts): every run measures tries that do not depend on an
   * earlier run (targets named with `ctx.round`), and leaves timing statistics to the runner.
   */
  rounds?: boolean;
  run(ctx: CaseContext): Promise<CaseOutcome>;
  /** The case's figures of merit in a few words, for the progress line of an 'ok' result. */
  headline?(result: BenchResult): string;
}

/** A fraction as a signed percentage, e.g. `+96.0%`. */
export const signedPercent = (x: unknown): string => `${Number(x) >= 0 ? '+' : ''}${(Number(x) * 100).toFixed(1)}%`;

/** Tracks the peak RSS over a case's measured operations (its setup and read-backs report to trackers of their own). */
export class PeakTracker {
  peak = 0;
  add(r: OperationResult): OperationResult {
    if (r.rssPeakBytes !== undefined && r.rssPeakBytes > this.peak) this.peak = r.rssPeakBytes;
    return r;
  }
}

/**
 * Run an operation and fold its RSS into the tracker. A full GC runs first (outside the engine's timer)
 * so one try's garbage — including the checksum of the previous read — is not paid by the next.
 */
export async function op(ctx: CaseContext, peak: PeakTracker, o: Operation): Promise<OperationResult> {
  if (o.op !== 'storage' && o.op !== 'drop') await collectGarbage();
  return peak.add(await ctx.engine.run(o));
}

/**
 * An operation the case does not measure (its setup, or a read-back that checks the result): run as
 * `op`, but its peak RSS is not the case's (a read-back holds the table it read beside the input).
 */
export function unmeasured(ctx: CaseContext, o: Operation): Promise<OperationResult> {
  return op(ctx, new PeakTracker(), o);
}

/** Expected content of a read. */
export interface Expected {
  rows: number;
  checksum: string;
}

/** Why a read result does not match, or undefined when it does. */
export function mismatch(r: OperationResult, want: Expected): string | undefined {
  if (r.rows !== want.rows) return `returned ${r.rows} rows, expected ${want.rows}`;
  if (r.checksum !== want.checksum) return `content checksum ${r.checksum?.slice(0, 12)}… does not match the input's ${want.checksum.slice(0, 12)}…`;
  return undefined;
}

/** One try as recorded: harness wall time, the engine's own time, and its requests to object storage. */
export function tryOf(r: OperationResult, cold?: 'true' | 'lukewarm'): BenchResult['tries'][number] {
  return { ms: r.wallMs, internalMs: r.internalMs, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}), ...(cold ? { cold } : {}), ...(r.requests ? { requests: r.requests } : {}) };
}

/** Make sure a target holding the dataset exists (untimed setup for read cases). */
export async function ensureMain(ctx: CaseContext, peak: PeakTracker): Promise<{ target: string; version?: number }> {
  if (!ctx.state.main) {
    const r = await op(ctx, peak, {
      op: 'write',
      target: 'main',
      source: { key: `dataset:${ctx.dataset.spec.name}`, table: ctx.dataset.table, file: ctx.dataset.path },
      mode: 'overwrite',
    });
    ctx.state.main = { target: 'main', ...(r.version !== undefined ? { version: r.version } : {}) };
  }
  return ctx.state.main;
}

/** Bytes the target holds on disk now (untimed). */
export async function storedBytes(ctx: CaseContext, target: string): Promise<number> {
  return (await ctx.engine.run({ op: 'storage', target })).bytes ?? 0;
}

/** DESIGN.md's dedup: 1 − stored / (versions × stored size of one version). */
export function dedupOf(stored: number, versions: number, oneVersion: number): number {
  return 1 - stored / (versions * oneVersion);
}

/** The dataset as a SourceTable (its payload file is shared, not re-staged). */
export function datasetSource(ctx: CaseContext): { key: string; table: LoadedDataset['table']; file: string } {
  return { key: `dataset:${ctx.dataset.spec.name}`, table: ctx.dataset.table, file: ctx.dataset.path };
}
