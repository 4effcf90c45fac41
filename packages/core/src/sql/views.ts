/**
 * One table version as a DuckDB view: one `read_parquet([...])` over its chunk files, clean chunks
 * as stored and the others folded (folded-chunks.ts), so DuckDB's projection and filter pushdown and
 * its parallel scan work on a version as on any Parquet dataset.
 */
import type { Schema } from 'apache-arrow';

/** A DuckDB identifier, quoted. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** A DuckDB string literal. */
export const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The SELECT of `files` (each holding every column of `schema`), columns in the schema's order; with
 * no file, the empty relation of `empty`'s columns.
 */
export function viewSql(schema: Schema, files: readonly string[], empty?: string): string {
  const columns = schema.fields.map((f) => ident(f.name)).join(', ');
  if (files.length === 0) {
    if (empty === undefined) throw new Error('viewSql: no file to take the columns from');
    return `SELECT ${columns} FROM read_parquet(${literal(empty)}) LIMIT 0`;
  }
  return `SELECT ${columns} FROM read_parquet([${files.map(literal).join(', ')}])`;
}
