/** Terminal output helpers for the CLI: aligned text tables, JSON, byte sizes, progress bars, commits and diffs. */
import cliProgress from 'cli-progress';

import type { TableDiff } from '../catalog/diff.js';
import type { LogEntry } from '../store.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** Prints rows as left-aligned columns under a header. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  for (const r of cells) process.stdout.write(`${r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

export interface Progress {
  update(value: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (scripts, CI, --json). */
export function progress(label: string, total: number | undefined, unit: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total ? `${label} [{bar}] {percentage}% | {value}/{total} ${unit}` : `${label} {value} ${unit}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return {
    update: (v) => bar.update(v),
    stop: () => bar.stop(),
  };
}

/** A commit as `log` and `show` print it: id, parents of a merge, author, date, tables, metadata, message. */
export function commitText(e: Omit<LogEntry, 'changes'>, tables: string): string {
  const merge = e.parents.length > 1 ? `Merge:   ${e.parents.map((p) => p.slice(0, 12)).join(' ')}\n` : '';
  const author = e.author ? `Author:  ${e.author}\n` : '';
  const meta = Object.entries(e.metadata ?? {}).map(([k, v]) => `Meta:    ${k}=${v}\n`).join('');
  const expired = e.historyExpired ? '\n    (the history before this commit has expired)\n' : '';
  return `commit ${e.commit}\n${merge}${author}Date:    ${e.time}\nTables:  ${tables || '(none)'}\n${meta}\n    ${e.message}\n${expired}`;
}

/** What `diff` and `show` print of each table that changed. */
export function tableDiffText(tables: TableDiff[]): string {
  return tables
    .map((t) => {
      const v = `v${t.fromVersion ?? '-'} -> v${t.toVersion ?? '-'}`;
      const keyed = t.keyed ? `  by key (${t.keyed.keys.join(', ')}): ${t.keyed.inserted.length} inserted, ${t.keyed.deleted.length} deleted, ${t.keyed.updated.length} updated\n` : '';
      return `${t.table}: ${t.status} (${v}), chunks +${t.chunksAdded.length} -${t.chunksRemoved.length}, rows in them +${t.rowsAdded} -${t.rowsRemoved}\n${keyed}`;
    })
    .join('');
}
