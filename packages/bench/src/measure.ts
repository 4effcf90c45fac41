/**
 * Timing primitives. Disk-writing cases need a fresh target per try, and every read is verified
 * between tries, so engine-level cases use a plain loop: `warmup` unmeasured tries, then `tries`
 * measured ones, min/median/max/mean over the measured ones. Sub-millisecond in-process operations
 * (branch creation) use mitata's `measure`, which gives many samples, runs gc between iterations
 * (`--expose-gc`) and keeps results alive with `do_not_optimize`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { do_not_optimize, measure } from 'mitata';
import type { TimingStats } from '@armillaria/report';

/** min/median/max/mean of a list of milliseconds. */
export function timingStats(ms: readonly number[]): TimingStats {
  if (ms.length === 0) throw new Error('measure: no samples');
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length, samples: s.length };
}

/**
 * Wall and CPU time of one timed region, from construction to `stop()`. CPU time is the whole
 * process's (the JS thread, V8's helpers, the addon's rayon pool): above the wall time it shows work
 * on other threads (parallel decoding, or V8 compiling and collecting beside the try). Recorded, not
 * gated: ratios of CPU time moved more from run to run than those of wall time (README, Method).
 */
export class Stopwatch {
  private readonly wall = performance.now();
  private readonly cpu = process.cpuUsage();
  /** The region's CPU milliseconds, once stopped. */
  cpuMs: number | undefined;

  /** Ends the region: its wall milliseconds. */
  stop(): number {
    const used = process.cpuUsage(this.cpu);
    this.cpuMs = (used.user + used.system) / 1000;
    return performance.now() - this.wall;
  }
}

/**
 * Make `globalThis.gc` available even when node was started without `--expose-gc` (the `pnpm bench`
 * script passes the flag; this covers `node dist/cli.js` and the bin). mitata picks it up too.
 */
export function exposeGc(): void {
  if (typeof (globalThis as { gc?: unknown }).gc === 'function') return;
  setFlagsFromString('--expose-gc');
  (globalThis as { gc?: unknown }).gc = runInNewContext('gc') as () => void;
}

/**
 * After a forced collection V8 still sweeps on a background thread, and runs the finalizers the
 * collection queued (external Buffers' finalizers: the addon's pooled result maps) on the JS thread
 * at its next yield.
 * Started at once, a try would share the 2 cores with that work. Reads of seed-narrow 1M after
 * `gc()`, medians of 15 (scratch script, waits interleaved): `batch` 9.2 / 7.9 / 7.5 / 7.7 / 7.2 ms
 * and `mmap` 8.6 / 8.2 / 7.3 / 7.6 / 7.2 ms after no wait / 1 / 3 / 5 / 7 ms; `sequential`, which
 * never yields, 6.9-7.4 ms throughout.
 */
const SETTLE_MS = 5;

/**
 * A full collection only once this much garbage may have reached the old generation since the last
 * one: every full collection deoptimizes code that holds objects it frees ("weak objects"), so a short
 * in-process try after one ran partly unoptimized while V8 compiled it again on the other core. Reads
 * of seed-narrow 100K with a 1% filter, `sequential`, 30 tries (a probe script, one quiet run each):
 * with a full collection before each try 5-20 ms, CPU time up to twice the wall time; with a minor
 * one 4.5-6 ms and CPU time equal to wall time, but for the odd try that met a collection of its own.
 */
const FULL_GC_AFTER_BYTES = 64 * 1024 * 1024;
let usedAfterFullGc = 0;

const usedBytes = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * Before a try, when gc is exposed (`node --expose-gc`): collect the young generation, and the whole
 * heap once it has grown by FULL_GC_AFTER_BYTES since the last full collection, so one try's garbage
 * is not paid by the next; then let the collector's background work finish. `full`: the whole heap
 * regardless, twice (before a dataset's cases: `Engine.settle`).
 */
export async function collectGarbage({ full = false } = {}): Promise<void> {
  // With no argument, a full collection: this V8 takes `{ type: 'major' }` for a minor one.
  const g = (globalThis as { gc?: (options?: { type: 'minor' }) => void }).gc;
  if (!g) return;
  g({ type: 'minor' });
  if (full || usedBytes() > usedAfterFullGc + FULL_GC_AFTER_BYTES) {
    g();
    // The addon's result buffers are external memory, freed by finalizers that run after the
    // collection that found them dead: a second one frees them (seed-narrow 10M's last read result,
    // 159 MiB, outlived one full collection and not two).
    if (full) {
      await sleep(SETTLE_MS);
      g();
    }
    usedAfterFullGc = usedBytes();
  }
  await sleep(SETTLE_MS);
}

export interface MitataSample {
  /** Per-iteration times, ms. */
  samplesMs: number[];
  stats: TimingStats;
}

/**
 * mitata `measure` of an async in-process operation with exactly `samples` measured iterations.
 *
 * One collection before the first sample, none between samples (mitata's default, not `inner_gc`):
 * the operations sampled this way allocate little, and a full collection before each sample measured
 * cold caches and V8's sweeper on the second core instead. Branch creation, 100 samples on one
 * store: 0.77 ms median without, 1.66 ms with inner collections (two runs of one probe script).
 * @param fn the operation; its result goes through `do_not_optimize`
 */
export async function mitataMeasure(fn: () => Promise<unknown>, samples: number, warmup = 2): Promise<MitataSample> {
  (globalThis as { gc?: () => void }).gc?.();
  const st = await measure(async () => do_not_optimize(await fn()), {
    min_samples: samples,
    max_samples: samples,
    min_cpu_time: 0,
    warmup_samples: warmup,
    batch_samples: 1,
    batch_unroll: 1,
  });
  const samplesMs = st.samples.map((ns) => ns / 1e6);
  return { samplesMs, stats: timingStats(samplesMs) };
}
