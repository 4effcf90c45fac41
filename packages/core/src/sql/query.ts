/**
 * SQL over one snapshot of a store, run by DuckDB in process. Each table the query names becomes a
 * temporary view over its chunk files at the snapshot's version (views.ts; chunks with patches or
 * deleted rows folded first, folded-chunks.ts), with chunks its WHERE clauses rule out by statistics
 * left out (prune.ts); the query runs on a connection of its own, may only read (SELECT or EXPLAIN),
 * and its rows come back as Arrow (arrow-result.ts).
 *
 * This module is loaded on first use: DuckDB's binding takes a moment to load and most uses of the
 * store never need it.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { RecordBatch, Table, vectorFromArray, type Schema } from 'apache-arrow';

import { manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { isArmillariaError, SqlError, TableNotFoundError } from '../errors.js';
import { mayMatch } from '../table/filter.js';
import type { ReadContext } from '../table/table-reader.js';
import { resultBatches, resultSchema } from './arrow-result.js';
import { needsFold } from '../table/fold-chunk.js';
import { foldedFile } from './folded-chunks.js';
import { objectFiles, type ObjectFiles } from './object-files.js';
import { describeFilter, pruningFilters } from './prune.js';
import { ident, viewSql } from './views.js';

/** A table of the snapshot, resolved when the query names it. */
export interface SqlSnapshot {
  /** The snapshot's tables. */
  tables: readonly string[];
  manifest(table: string): Promise<Manifest>;
  /** The snapshot in words, for errors ('branch "main"'). */
  where: string;
}

export interface SqlRunOptions {
  /** Check every chunk against its sum before DuckDB reads it (default true); patches and deletion vectors always are. */
  verify?: boolean;
}

/** A running query: its columns, and its rows as record batches (at least one, maybe empty). */
export interface SqlRun {
  schema: Schema;
  batches: AsyncGenerator<RecordBatch>;
}

let instance: Promise<DuckDBInstance> | undefined;

/** The process's DuckDB: chunk files never change once written, so DuckDB may cache their footers. */
async function duckdb(): Promise<DuckDBInstance> {
  instance ??= (async () => {
    const db = await DuckDBInstance.create(':memory:');
    const setup = await db.connect();
    await setup.run('LOAD parquet; SET GLOBAL parquet_metadata_cache = true');
    setup.closeSync();
    return db;
  })();
  return instance;
}

/** Runs `query` over `snapshot`; the connection and any fetched files are released when `batches` ends. */
export async function runSql(ctx: ReadContext, query: string, snapshot: SqlSnapshot, options: SqlRunOptions = {}): Promise<SqlRun> {
  if (typeof query !== 'string' || query.trim() === '') throw new SqlError(`sql: empty query ${JSON.stringify(query)}`);
  const connection = await (await duckdb()).connect();
  let files: ObjectFiles | undefined;
  try {
    const tree = await parse(connection, query);
    const named = new Set(connection.getTableNames(query, false));
    const manifests = new Map<string, Manifest>();
    for (const t of snapshot.tables) if (named.has(t)) manifests.set(t, await snapshot.manifest(t));
    const schemas = new Map([...manifests].map(([t, m]) => [t, manifestSchema(m)]));
    const filters = pruningFilters(tree, schemas);

    const verify = options.verify ?? true;
    const plans = [...manifests].map(([table, m]) => {
      const filter = filters.has(table) ? { and: filters.get(table)! } : undefined;
      const kept = filter ? m.chunks.filter((c) => mayMatch(filter, c.stats, c.rows)) : m.chunks;
      return { table, manifest: m, schema: schemas.get(table)!, kept, total: m.chunks.length, filter, folded: kept.filter(needsFold).length };
    });
    files = await objectFiles(ctx, plans.flatMap((p) => [...p.kept, ...(p.kept.length === 0 ? p.manifest.chunks.slice(0, 1) : [])].filter((c) => !needsFold(c)).map((c) => ({ ref: c, verify }))));
    const pathOf = async (p: (typeof plans)[number], c: ChunkRef) => (needsFold(c) ? foldedFile(ctx, p.manifest, p.table, c, verify) : files!.path(c.id));
    for (const p of plans) {
      const paths: string[] = [];
      for (const c of p.kept) {
        // One chunk at a time: a fold decodes its chunk, and a table may have thousands.
        const path = await pathOf(p, c);
        if (path !== undefined) paths.push(path);
      }
      const empty = paths.length === 0 && p.manifest.chunks.length > 0 ? await pathOf(p, p.manifest.chunks[0]!) : undefined;
      if (paths.length === 0 && empty === undefined) throw new SqlError(`sql: table "${p.table}" holds no rows to read its columns from`);
      await run(connection, `CREATE TEMP VIEW ${ident(p.table)} AS ${viewSql(p.schema, paths, empty)}`, snapshot.where);
    }

    const statement = await connection.prepare(query).catch((e: unknown) => {
      throw duckError(e, snapshot.where);
    });
    if (statement.statementType !== StatementType.SELECT && statement.statementType !== StatementType.EXPLAIN) {
      throw new SqlError(`sql: only queries run here (SELECT or EXPLAIN), not a ${StatementType[statement.statementType]} statement: tables change through write, delete and update`);
    }
    const result = await statement.stream().catch((e: unknown) => {
      throw duckError(e, snapshot.where);
    });
    const { schema, plans: columns } = resultSchema(result);
    const explain =
      statement.statementType === StatementType.EXPLAIN
        ? plans.map((p) => `table ${p.table}: ${p.kept.length} of ${p.total} chunks read${p.filter ? `, ${p.total - p.kept.length} skipped by statistics (${describeFilter(p.filter)})` : ''}; ${p.folded} folded (patches or deleted rows applied)`)
        : [];
    const held = files;
    files = undefined; // the generator owns them now
    return {
      schema,
      batches: (async function* () {
        try {
          await held.checked; // the chunks DuckDB read were intact: only now do rows leave
          if (explain.length > 0) yield explainBatch(schema, explain);
          for await (const b of resultBatches(result, schema, columns)) yield b;
        } catch (e) {
          throw duckError(e, snapshot.where);
        } finally {
          connection.closeSync();
          await held.close();
        }
      })(),
    };
  } catch (e) {
    connection.closeSync();
    await files?.close();
    throw e;
  }
}

/** Collects a run into one Arrow table. */
export async function collect(run: SqlRun): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const b of run.batches) if (b.numRows > 0 || batches.length === 0) batches.push(b);
  return new Table(run.schema, batches.filter((b) => b.numRows > 0));
}

/** DuckDB's parse tree of `query` (json_serialize_sql; of the query an EXPLAIN explains). One statement only, and only a query. */
async function parse(connection: DuckDBConnection, query: string): Promise<unknown> {
  const explained = /^\s*EXPLAIN(\s+ANALYZE)?\s+/i.exec(query);
  const inner = explained ? query.slice(explained[0].length) : query;
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [inner]);
  const tree = JSON.parse(String(reader.getRows()[0]![0])) as { error: boolean; error_message?: string; error_type?: string; statements?: unknown[] };
  if (tree.error) {
    if (tree.error_type === 'not implemented') {
      const word = (/^\s*([A-Za-z]+)/.exec(inner)?.[1] ?? 'other').toUpperCase();
      throw new SqlError(`sql: only queries run here (SELECT or EXPLAIN), not ${word}: tables change through write, delete and update`);
    }
    throw new SqlError(`sql: ${tree.error_type === 'parser' ? 'Parser Error: ' : ''}${tree.error_message}`);
  }
  if (tree.statements?.length !== 1) throw new SqlError(`sql: one statement at a time (got ${tree.statements?.length ?? 0})`);
  return tree;
}

async function run(connection: DuckDBConnection, sql: string, where: string): Promise<void> {
  await connection.run(sql).catch((e: unknown) => {
    throw duckError(e, where);
  });
}

/** DuckDB's error as ours: an unknown table is TableNotFoundError, anything else SqlError with DuckDB's words. */
function duckError(e: unknown, where: string): Error {
  if (isArmillariaError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const missing = /^Catalog Error: Table with name (.+?) does not exist/.exec(message);
  if (missing && where) return new TableNotFoundError(missing[1]!, where);
  return new SqlError(`sql: ${message.split('\n')[0]}`, { cause: e });
}

function explainBatch(schema: Schema, lines: string[]): RecordBatch {
  const columns = schema.fields.map((f, i) => vectorFromArray(i === 0 ? lines.map(() => 'armillaria') : lines, f.type));
  return new Table(Object.fromEntries(schema.fields.map((f, i) => [f.name, columns[i]!]))).batches[0]!;
}
