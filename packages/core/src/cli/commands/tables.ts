/** Table commands: import, update, upsert, delete, drop-table, rename-table, drop-column, optimize, add-columns, export, tables, show, log. */
import { Option } from 'commander';

import { ErrorCode, isArmillariaError } from '../../errors.js';
import { openTableFile } from '../../io/read-file.js';
import { writeTableFile } from '../../io/write-file.js';
import { DEFAULT_BRANCH, type TableInfo } from '../../store.js';
import { CODECS, type Codec } from '../../table/parquet-codec.js';
import { parseWhere } from '../../table/where.js';
import { atOptions, positiveInt, withAtFlags, type AtFlags, type CliContext } from '../context.js';
import { commitText, formatBytes, printJson, printTable, progress, tableDiffText } from '../output.js';

export function tableInfoJson(t: TableInfo): Record<string, unknown> {
  return {
    name: t.name,
    version: t.version,
    commit: t.commit,
    manifest: t.manifest,
    rows: t.rows,
    chunks: t.chunks,
    bytes: t.bytes,
    codec: t.codec,
    ...(t.keys ? { keys: t.keys } : {}),
    schema: t.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
    metadata: Object.fromEntries(t.schema.metadata),
  };
}

export function registerTableCommands({ program, open }: CliContext): void {
  program
    .command('import')
    .description('write a .parquet, .csv or .arrow file as a new version of TABLE (streamed in batches)')
    .argument('<table>', 'table name')
    .argument('<file>', 'input file; format from the extension')
    .addOption(new Option('--mode <mode>', 'overwrite the table or append to it').choices(['overwrite', 'append']).default('overwrite'))
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--keys <columns>', 'declare key columns (comma-separated), held unique, for upsert, row-level merge and diff')
    .option('--evolve', 'an append may add columns, lack nullable ones or widen types (int8 to int64, float32 to float64, date to timestamp); the table\'s schema follows')
    .addOption(new Option('--codec <codec>', 'Parquet codec for new chunks').choices([...CODECS]))
    .option('--chunk-rows <n>', 'rows per chunk', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { mode: 'overwrite' | 'append'; message?: string; branch: string; keys?: string; evolve?: boolean; codec?: Codec; chunkRows?: number; json?: boolean }) => {
      const store = await open();
      const source = await openTableFile(file);
      const bar = progress(`import ${table}`, source.totalRows, 'rows', !o.json);
      try {
        const r = await store.write(table, source, {
          mode: o.mode,
          message: o.message ?? `import ${file}`,
          branch: o.branch,
          codec: o.codec,
          chunkRows: o.chunkRows,
          ...(o.keys ? { keys: o.keys.split(',').map((k) => k.trim()) } : {}),
          ...(o.evolve ? { schema: 'merge' as const } : {}),
          onProgress: (rows) => bar.update(rows),
        });
        bar.stop();
        if (o.json) printJson(r);
        else {
          process.stdout.write(
            `${table}: version ${r.version}, ${r.rows} rows in ${r.chunks} chunks (${r.newChunks} new, ${formatBytes(r.newBytes)}), commit ${r.commit.slice(0, 12)}\n`,
          );
        }
      } finally {
        bar.stop();
      }
    });

  program
    .command('update')
    .description('update rows of TABLE by key from a .parquet, .csv or .arrow file (stored as column patches)')
    .argument('<table>', 'table name')
    .argument('<file>', 'rows holding the key columns and the new values of other columns')
    .option('--on <columns>', 'key columns that identify a row (comma-separated; default: the table\'s keys)')
    .option('--ignore-missing', 'skip rows whose key the table lacks (default: fail, naming them; upsert inserts them)')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { on?: string; ignoreMissing?: boolean; message?: string; branch: string; json?: boolean }) => {
      const store = await open();
      const rows = await openTableFile(file);
      const on = o.on?.split(',').map((k) => k.trim());
      const r = await store.transaction((tx) => tx.update(table, rows, { ...(on ? { on } : {}), ignoreMissing: o.ignoreMissing }), { branch: o.branch, message: o.message ?? `update ${table} from ${file}` });
      printChange(`${table}: ${r.value} rows updated`, { table, updatedRows: r.value, version: r.versions[table], commit: r.commit }, o.json);
    });

  program
    .command('upsert')
    .description('merge a .parquet, .csv or .arrow file into TABLE by key: matching rows are updated (column patches; unchanged rows cost nothing), the others appended')
    .argument('<table>', 'table name')
    .argument('<file>', 'rows with every column of the table')
    .option('--on <columns>', 'key columns that identify a row (comma-separated; default: the table\'s keys)')
    .option('--delete-missing', 'also delete the table rows whose key the file lacks (the file is the whole new content)')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { on?: string; deleteMissing?: boolean; message?: string; branch: string; json?: boolean }) => {
      const store = await open();
      const rows = await openTableFile(file);
      const on = o.on?.split(',').map((k) => k.trim());
      const options = { ...(on ? { on } : {}), ...(o.deleteMissing ? { deleteMissing: true } : {}) };
      const r = await store.transaction((tx) => tx.upsert(table, rows, options), { branch: o.branch, message: o.message ?? `upsert ${file} into ${table}` });
      const { updated, inserted, deleted, unchanged } = r.value;
      printChange(
        `${table}: ${updated} rows updated, ${inserted} inserted, ${deleted} deleted, ${unchanged} unchanged`,
        { table, ...r.value, version: r.versions[table], commit: r.commit },
        o.json,
      );
    });

  program
    .command('delete')
    .description('delete the rows of TABLE matching a SQL condition (chunks keep their bytes behind a deletion vector where most rows stay)')
    .argument('<table>', 'table name')
    .requiredOption('--where <condition>', "rows to delete, e.g. \"value < 0.04 AND city IN ('Oslo', 'Bergen')\"")
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, o: { where: string; message?: string; branch: string; json?: boolean }) => {
      const filter = parseWhere(o.where);
      const store = await open();
      const r = await store.transaction((tx) => tx.delete(table, filter), { branch: o.branch, message: o.message ?? `delete from ${table} where ${o.where}` });
      printChange(`${table}: ${r.value} rows deleted`, { table, deletedRows: r.value, version: r.versions[table], commit: r.commit }, o.json);
    });

  program
    .command('drop-table')
    .description('drop TABLE from a branch (its versions stay in history until expired)')
    .argument('<table>', 'table name')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, o: { message?: string; branch: string; json?: boolean }) => {
      const r = await (await open()).transaction((tx) => tx.dropTable(table), { branch: o.branch, message: o.message ?? `drop ${table}` });
      if (o.json) return printJson({ table, dropped: true, commit: r.commit });
      process.stdout.write(`${table}: dropped, commit ${r.commit!.slice(0, 12)}\n`);
    });

  program
    .command('rename-table')
    .description('rename table FROM to TO (one commit, no data written; TO begins at version 1)')
    .argument('<from>', 'table name')
    .argument('<to>', 'new name')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (from: string, to: string, o: { message?: string; branch: string; json?: boolean }) => {
      const r = await (await open()).transaction((tx) => tx.renameTable(from, to), { branch: o.branch, message: o.message ?? `rename ${from} to ${to}` });
      printChange(`${from}: renamed to ${to}`, { from, to, version: r.versions[to], commit: r.commit }, o.json);
    });

  program
    .command('drop-column')
    .description('drop columns of TABLE (comma-separated): no chunk is rewritten; earlier versions keep them')
    .argument('<table>', 'table name')
    .argument('<columns>', 'column names, comma-separated')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, list: string, o: { message?: string; branch: string; json?: boolean }) => {
      const columns = list.split(',').map((c) => c.trim()).filter((c) => c !== '');
      const r = await (await open()).transaction((tx) => tx.dropColumns(table, columns), { branch: o.branch, message: o.message ?? `drop ${columns.join(', ')} from ${table}` });
      printChange(`${table}: dropped ${columns.join(', ')}`, { table, droppedColumns: columns, version: r.versions[table], commit: r.commit }, o.json);
    });

  program
    .command('rename-column')
    .description('rename column FROM of TABLE to TO: no chunk is rewritten; earlier versions keep the old name')
    .argument('<table>', 'table name')
    .argument('<from>', 'column name')
    .argument('<to>', 'new column name')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, from: string, to: string, o: { message?: string; branch: string; json?: boolean }) => {
      const r = await (await open()).transaction((tx) => tx.renameColumn(table, from, to), { branch: o.branch, message: o.message ?? `rename ${from} of ${table} to ${to}` });
      printChange(`${table}: renamed ${from} to ${to}`, { table, from, to, version: r.versions[table], commit: r.commit }, o.json);
    });

  program
    .command('optimize')
    .description('compact TABLE: small chunks, and chunks with deletes or updates, are written again as full chunks (same rows, same order)')
    .argument('<table>', 'table name')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, o: { message?: string; branch: string; json?: boolean }) => {
      const store = await open();
      const r = await store.transaction((tx) => tx.optimize(table), { branch: o.branch, message: o.message ?? `optimize ${table}` });
      const { chunksBefore, chunksAfter, rowsRewritten, newBytes } = r.value;
      printChange(
        `${table}: ${chunksBefore} chunks to ${chunksAfter}, ${rowsRewritten} rows rewritten (${formatBytes(newBytes)} new)`,
        { table, ...r.value, version: r.versions[table], commit: r.commit },
        o.json,
      );
    });

  program
    .command('add-columns')
    .description('add the columns of a .parquet, .csv or .arrow file to TABLE (one value per row, in table order); no chunk is rewritten')
    .argument('<table>', 'table name')
    .argument('<file>', 'the new columns')
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { message?: string; branch: string; json?: boolean }) => {
      const store = await open();
      const columns = await openTableFile(file);
      const r = await store.transaction((tx) => tx.addColumns(table, columns), { branch: o.branch, message: o.message ?? `add columns to ${table} from ${file}` });
      const added = columns.schema.fields.map((f) => f.name);
      printChange(`${table}: added ${added.join(', ')}`, { table, addedColumns: added, version: r.versions[table], commit: r.commit }, o.json);
    });

  withAtFlags(
    program
      .command('export')
      .description('write TABLE to a .parquet, .csv or .arrow file (format from the extension)')
      .argument('<table>', 'table name')
      .argument('<file>', 'output file'),
  )
    .option('--no-verify', 'do not re-hash the chunks read (an export checks every byte it copies out by default)')
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: AtFlags & { json?: boolean; verify: boolean }) => {
      const store = await open();
      const info = await store.describe(table, atOptions(o));
      const bar = progress(`export ${table}`, info.rows, 'rows', !o.json);
      let done = 0;
      const counted = (async function* () {
        for await (const b of store.scan(table, { ref: info.commit, verify: o.verify })) {
          done += b.numRows;
          bar.update(done);
          yield b;
        }
      })();
      const rows = await writeTableFile(file, info.schema, counted);
      bar.stop();
      if (o.json) printJson({ table, version: info.version, rows, file });
      else process.stdout.write(`${table}: exported version ${info.version}, ${rows} rows to ${file}\n`);
    });

  withAtFlags(program.command('tables').description('list the tables on a branch (or at a ref or time)'), { version: false })
    .option('--json', 'print as JSON')
    .action(async (o: AtFlags & { json?: boolean }) => {
      const tables = await (await open()).tables(atOptions(o));
      if (o.json) return printJson(tables.map(tableInfoJson));
      if (tables.length === 0) return void process.stdout.write('no tables\n');
      printTable(['TABLE', 'VERSION', 'ROWS', 'CHUNKS', 'BYTES'], tables.map((t) => [t.name, t.version, t.rows, t.chunks, formatBytes(t.bytes)]));
    });

  program
    .command('log')
    .description('show commit history, newest first; with TABLE, only commits that changed it')
    .argument('[table]', 'table name')
    .option('--branch <name>', 'branch (default: main)')
    .option('--ref <ref>', 'start from a tag or commit instead')
    .option('-n, --limit <n>', 'at most this many commits', positiveInt)
    .option('--json', 'print as JSON')
    .action(async (table: string | undefined, o: { branch?: string; ref?: string; limit?: number; json?: boolean }) => {
      const entries = await (await open()).log({ ...atOptions(o), table, limit: o.limit });
      if (o.json) return printJson(entries);
      for (const e of entries) {
        const changes = e.changes.map((c) => (c.version < 0 ? `${c.table} (dropped)` : `${c.table}@v${c.version}`)).join(', ');
        process.stdout.write(`${commitText(e, changes)}\n`);
      }
    });

  withAtFlags(
    program
      .command('show')
      .description('schema, rows, chunks and bytes of a table version; or, given a commit, tag or branch that is no table\'s name, what that commit changed')
      .argument('<target>', 'table name, or commit, tag or branch'),
  )
    .option('--json', 'print as JSON')
    .action(async (table: string, o: AtFlags & { json?: boolean }) => {
      const store = await open();
      const at = atOptions(o);
      const t = await store.describe(table, at).catch(async (e: unknown) => {
        // Not a table here: a commit, tag or branch, when no flag asked for a table version.
        if (!isArmillariaError(e) || e.code !== ErrorCode.TableNotFound || [o.branch, o.ref, o.asOf, o.version].some((v) => v !== undefined)) throw e;
        const shown = await store.show(table).catch(() => Promise.reject(e));
        if (o.json) printJson(shown);
        else process.stdout.write(`${commitText(shown, shown.tables.map((d) => `${d.table}@v${d.toVersion ?? '-'}`).join(', '))}\n${tableDiffText(shown.tables)}`);
      });
      if (!t) return;
      if (o.json) return printJson(tableInfoJson(t));
      process.stdout.write(
        `table    ${t.name}\nversion  ${t.version}\ncommit   ${t.commit}\nrows     ${t.rows}\n` +
          `chunks   ${t.chunks} (${t.codec})\nbytes    ${formatBytes(t.bytes)}\n${t.keys ? `keys     ${t.keys.join(', ')}\n` : ''}schema\n`,
      );
      printTable(['  COLUMN', 'TYPE', 'NULLABLE'], t.schema.fields.map((f) => [`  ${f.name}`, String(f.type), f.nullable ? 'yes' : 'no']));
    });
}

/** A committed change as one line (`what`, then the new version and commit) or as JSON. */
function printChange(what: string, r: { version?: number; commit?: string } & Record<string, unknown>, json?: boolean): void {
  if (json) return printJson(r);
  process.stdout.write(`${what}${r.version !== undefined ? `, version ${r.version}, commit ${r.commit!.slice(0, 12)}` : ' (nothing committed)'}\n`);
}
