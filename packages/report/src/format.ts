/** Number formatting with units. SI units for data (1 MB = 10^6 bytes, as throughput uses); binary for RAM. */

const trim = (s: string): string => s.replace(/\.0+$|(\.\d*?)0+$/, '$1');

/** Three significant digits, without trailing zeros beyond them: 412, 41.2, 4.12, 0.412. */
function sig3(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** `412 MB/s`, `1.25 GB/s`. */
export function formatMBps(mbps: number): string {
  return mbps >= 1000 ? `${sig3(mbps / 1000)} GB/s` : `${sig3(mbps)} MB/s`;
}

/** `350 µs`, `12.3 ms`, `1.25 s`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${sig3(ms * 1000)} µs`;
  if (ms >= 1000) return `${sig3(ms / 1000)} s`;
  return `${sig3(ms)} ms`;
}

/** `212 B`, `1.48 MB`, `10.9 MB`, `1.2 GB` (SI). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${sig3(v)} ${units[i]}`;
}

/** `8 GiB`, `15.6 GiB` (binary, as RAM is sold). */
export function formatRam(bytes: number): string {
  return `${trim((bytes / 2 ** 30).toFixed(1))} GiB`;
}

/** `687 MiB`, `41.9 MiB` (binary, as RSS is counted); peak memory and the input it is compared with. */
export function formatMiB(bytes: number): string {
  return `${sig3(bytes / 2 ** 20)} MiB`;
}

/** Row counts as the roadmap wrote them: `100K`, `500K`, `1M`, `10M`, `2.5M`. */
export function formatRows(rows: number): string {
  if (rows >= 1e6 && rows % 1e5 === 0) return `${trim((rows / 1e6).toFixed(1))}M`;
  if (rows >= 1e3 && rows % 100 === 0) return `${trim((rows / 1e3).toFixed(1))}K`;
  return rows.toLocaleString('en-US');
}

/** Speed-up ratio: `2.50×`. */
export function formatRatio(r: number): string {
  return `${r.toFixed(2)}×`;
}

/** Signed percentage with a real minus sign: `−20.0%`, `+4.5%`. */
export function formatChange(change: number): string {
  const s = `${Math.abs(change * 100).toFixed(1)}%`;
  return change < 0 ? `−${s}` : `+${s}`;
}

/** Unsigned percentage: `87.1%`. */
export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** `2025-11-24 09:10 UTC` from an ISO date. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Short git sha, keeping a `-dirty` suffix visible. */
export function shortSha(sha: string): string {
  const dirty = sha.endsWith('-dirty');
  return sha.slice(0, 7) + (dirty ? '-dirty' : '');
}

/** `Write`, `Time-travel`: case names as row and chart labels. */
export function caseLabel(c: string): string {
  return c.charAt(0).toUpperCase() + c.slice(1);
}
