/** Terminal output helpers for the CLI: aligned text tables, rows, JSON, byte sizes, progress bars, commits and diffs. */
import type { Schema, Table } from 'apache-arrow';
import cliProgress from 'cli-progress';
import { stringify } from 'csv-stringify/sync';

import type { TableDiff } from '../ops/diff.js';
import type { LogEntry } from '../store.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** Prints rows as left-aligned columns under a header. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  // A loop, not Math.max(...): a spread of a million rows' widths overflows the call stack.
  const widths = header.map((_, c) => cells.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  for (const r of cells) process.stdout.write(`${r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
}

/** Rows of a table as aligned text (with a row count), CSV or JSON objects. */
export function printRows(t: Table, format: 'table' | 'csv' | 'json'): void {
  if (format === 'json') return printJson(jsonRows(t));
  const names = t.schema.fields.map((f) => f.name);
  // By position: two result columns may share a name (SELECT a.id, b.id), which rows keyed by name lose.
  const columns = names.map((_, i) => t.getChildAt(i)!);
  const values = Array.from({ length: t.numRows }, (_, r) => columns.map((c) => c.get(r) as unknown));
  if (format === 'csv') return void process.stdout.write(stringify([names, ...values.map((v) => v.map((x, i) => text(x, t.schema, i)))]));
  printTable(names, values.map((v) => v.map((x, i) => text(x, t.schema, i))));
  process.stdout.write(`(${t.numRows} ${t.numRows === 1 ? 'row' : 'rows'})\n`);
}

/** Rows as JSON objects: times as ISO 8601, 64-bit integers as numbers where exact, binary as hex. */
export function jsonRows(t: Table): Record<string, unknown>[] {
  const names = t.schema.fields.map((f) => f.name);
  const columns = names.map((_, i) => t.getChildAt(i)!);
  return Array.from({ length: t.numRows }, (_, r) => Object.fromEntries(names.map((n, i) => [n, jsonValue(columns[i]!.get(r), t.schema, i)])));
}

/** A cell as text: nulls as NULL, times as ISO 8601, decimals with their scale. */
function text(v: unknown, schema: Schema, i: number): string {
  const j = jsonValue(v, schema, i);
  return j === null ? 'NULL' : typeof j === 'string' ? j : String(j);
}

function jsonValue(v: unknown, schema: Schema, i: number): unknown {
  if (v === null || v === undefined) return null;
  const type = schema.fields[i]!.type as { scale?: number };
  const name = String(schema.fields[i]!.type);
  if (name.startsWith('Decimal')) return decimalText(v as Uint32Array, type.scale ?? 0);
  // apache-arrow reads dates and timestamps of every unit as milliseconds since the epoch.
  if (name.startsWith('Timestamp')) return new Date(Number(v)).toISOString();
  if (name.startsWith('Date')) return new Date(Number(v)).toISOString().slice(0, 10);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

/** A Decimal128 value (four little-endian 32-bit words, two's complement) as text. */
function decimalText(words: Uint32Array, scale: number): string {
  let n = 0n;
  for (let w = 3; w >= 0; w--) n = (n << 32n) | BigInt(words[w]!);
  if (n >= 1n << 127n) n -= 1n << 128n;
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const body = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return n < 0n ? `-${body}` : body;
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
