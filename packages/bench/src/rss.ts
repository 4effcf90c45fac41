/**
 * Per-case peak RSS of this process. On Linux, writing "5" to /proc/self/clear_refs resets the
 * kernel's high-water mark (VmHWM), so the peak of one case can be read in the same process without
 * sampling (sampling from a timer misses peaks while synchronous work blocks the event loop).
 * Elsewhere the process-lifetime peak (`resourceUsage().maxRSS`) is reported, which is an upper bound.
 */
import { readFileSync, writeFileSync } from 'node:fs';

let canReset: boolean | undefined;

/** Reset the high-water mark; returns false when the platform cannot (then peaks are lifetime peaks). */
export function resetPeakRss(): boolean {
  if (canReset === false) return false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    canReset = true;
  } catch {
    canReset = false;
  }
  return canReset;
}

/** Peak RSS in bytes since the last reset (or since process start). */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS * 1024;
}

/** How peaks were measured, for the run's notes. */
export function peakRssMethod(): string {
  return resetPeakRss() ? 'VmHWM reset per case (/proc/self/clear_refs)' : 'process lifetime maxRSS';
}
