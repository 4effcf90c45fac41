/**
 * One table version as a DuckDB view over its chunk files, rows exactly as `read` returns them.
 *
 * Chunks with neither deleted rows nor patches (the common case) go to DuckDB as one
 * `read_parquet([...])`, so its projection and filter pushdown and its parallel scan work as on any
 * Parquet dataset. Each other chunk is a subquery of its own: its file, joined on the row number with
 * the full-column patches that added columns to it, left-joined with its row patches on the row they
 * replace (the newest patch of a column wins), and with its deleted rows (file_row_number) removed.
 * We measured the alternative, Arrow scans of our own reads: @duckdb/node-api has no Arrow scan, so
 * rows would cross value by value, several times slower than DuckDB reading the files itself.
 */
import type { Schema } from 'apache-arrow';

import { addedColumns, PATCH_ROW } from '../catalog/column-patch.js';
import type { ChunkRef } from '../catalog/manifest.js';

/** A DuckDB identifier, quoted. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** A DuckDB string literal. */
export const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** What a view needs of each chunk: where its objects are, and its live rows. */
export interface ViewChunk {
  ref: ChunkRef;
  /** 1 per live row, 0 per deleted one; undefined when no row is deleted. */
  live: Uint8Array | undefined;
}

/**
 * The SELECT of `chunks` (in table order) with `schema`'s columns; `path` names each object's file.
 * With no chunk, an empty relation of the right columns, read from `empty` (any chunk of the table).
 */
export function viewSql(schema: Schema, chunks: readonly ViewChunk[], path: (id: string) => string, empty?: ViewChunk): string {
  const columns = schema.fields.map((f) => f.name);
  if (chunks.length === 0) {
    if (!empty) throw new Error('viewSql: a table without chunks has no file to take its columns from');
    return `${chunkSql(columns, empty, path)} LIMIT 0`;
  }
  const parts: string[] = [];
  const clean = chunks.filter((c) => !c.live && !c.ref.patches?.length);
  if (clean.length > 0) {
    parts.push(`SELECT ${columns.map(ident).join(', ')} FROM read_parquet([${clean.map((c) => literal(path(c.ref.id))).join(', ')}])`);
  }
  for (const c of chunks) if (c.live || c.ref.patches?.length) parts.push(chunkSql(columns, c, path));
  return parts.join('\nUNION ALL ');
}

/** One chunk with its patches overlaid and its deleted rows left out. */
function chunkSql(columns: string[], { ref, live }: ViewChunk, path: (id: string) => string): string {
  const patches = ref.patches ?? [];
  const added = addedColumns(ref);
  const from = [`read_parquet(${literal(path(ref.id))}, file_row_number = true) AS b`];
  const holder = new Map<string, string>(); // column -> alias of the relation that holds it
  patches.forEach((p, i) => {
    const alias = `p${i}`;
    if (p.full) {
      // Joined on the row number, not positionally: DuckDB pushes filters into either scan.
      from.push(`JOIN read_parquet(${literal(path(p.id))}, file_row_number = true) AS ${alias} ON ${alias}.file_row_number = b.file_row_number`);
      for (const c of p.columns) holder.set(c, alias);
    } else {
      from.push(`LEFT JOIN read_parquet(${literal(path(p.id))}) AS ${alias} ON ${alias}.${ident(PATCH_ROW)} = b.file_row_number`);
    }
  });
  const select = columns.map((c) => {
    const base = `${added.has(c) ? holder.get(c)! : 'b'}.${ident(c)}`;
    const overlays = patches
      .map((p, i) => ({ p, alias: `p${i}` }))
      .filter(({ p }) => !p.full && p.columns.includes(c))
      .reverse() // newest first: the first match wins
      .map(({ alias }) => `WHEN ${alias}.${ident(PATCH_ROW)} IS NOT NULL THEN ${alias}.${ident(c)}`);
    return overlays.length === 0 ? `${base} AS ${ident(c)}` : `CASE ${overlays.join(' ')} ELSE ${base} END AS ${ident(c)}`;
  });
  const where = live ? ` WHERE b.file_row_number NOT IN (SELECT unnest(flatten([${deletedRuns(live).join(', ')}])))` : '';
  return `SELECT ${select.join(', ')} FROM ${from.join(' ')}${where}`;
}

/** The deleted rows of a live mask as DuckDB `range(start, end)` lists, one per run. */
function deletedRuns(live: Uint8Array): string[] {
  const runs: string[] = [];
  for (let r = 0; r < live.length; r++) {
    if (live[r]) continue;
    const start = r;
    while (r + 1 < live.length && !live[r + 1]) r++;
    runs.push(`range(${start}, ${r + 1})`);
  }
  return runs;
}
