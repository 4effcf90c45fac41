/**
 * The `armillaria` command line. The store is `--store DIR` or env ARMILLARIA_STORE (default: the
 * current directory). Read-only commands take `--json` for scripts. Exit codes: 0 success, 1 a
 * failed check (verify found problems), 2 an error (the message names the bad value).
 */
import { Command, CommanderError, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';

import { isArmillariaError } from '../errors.js';
import { openTableFile } from '../io/read-file.js';
import { writeTableFile } from '../io/write-file.js';
import { PHASE_ORDER } from '../phases/types.js';
import { DEFAULT_BRANCH, initStore, openStore, type Store, type TableInfo } from '../store.js';
import { CODECS, type Codec } from '../table/parquet-codec.js';
import { formatBytes, printJson, printTable, progress } from './output.js';

interface GlobalOptions {
  store: string;
  phase?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CommanderArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function tableInfoJson(t: TableInfo): Record<string, unknown> {
  return {
    name: t.name,
    version: t.version,
    commit: t.commit,
    manifest: t.manifest,
    rows: t.rows,
    chunks: t.chunks,
    bytes: t.bytes,
    codec: t.codec,
    schema: t.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
    metadata: Object.fromEntries(t.schema.metadata),
  };
}

export function buildProgram(): Command {
  const program = new Command('armillaria')
    .description('Versioned, content-addressed table store: Git for Arrow tables')
    .addOption(new Option('--store <dir>', 'store directory').env('ARMILLARIA_STORE').default('.'))
    .addOption(new Option('--phase <name>', 'engine phase').choices(['auto', ...PHASE_ORDER]).env('ARMILLARIA_PHASE'))
    .showHelpAfterError()
    .exitOverride();

  const open = async (): Promise<Store> => {
    const g = program.opts<GlobalOptions>();
    return openStore(g.store, { phase: g.phase });
  };

  program
    .command('init')
    .description('create an empty store')
    .action(async () => {
      const { store } = program.opts<GlobalOptions>();
      await initStore(store);
      process.stdout.write(`initialised empty Armillaria store in ${store}\n`);
    });

  program
    .command('import')
    .description('write a .parquet, .csv or .arrow file as a new version of TABLE (streamed in batches)')
    .argument('<table>', 'table name')
    .argument('<file>', 'input file; format from the extension')
    .addOption(new Option('--mode <mode>', 'overwrite the table or append to it').choices(['overwrite', 'append']).default('overwrite'))
    .option('-m, --message <text>', 'commit message')
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .addOption(new Option('--codec <codec>', 'Parquet codec for new chunks').choices([...CODECS]))
    .option('--chunk-rows <n>', 'rows per chunk', positiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { mode: 'overwrite' | 'append'; message?: string; branch: string; codec?: Codec; chunkRows?: number; json?: boolean }) => {
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
    .command('export')
    .description('write TABLE to a .parquet, .csv or .arrow file (format from the extension)')
    .argument('<table>', 'table name')
    .argument('<file>', 'output file')
    .option('--version <n>', 'table version (default: latest)', positiveInt)
    .option('--branch <name>', 'branch to read', DEFAULT_BRANCH)
    .option('--json', 'print the result as JSON')
    .action(async (table: string, file: string, o: { version?: number; branch: string; json?: boolean }) => {
      const store = await open();
      const info = await store.describe(table, { branch: o.branch, version: o.version });
      const bar = progress(`export ${table}`, info.rows, 'rows', !o.json);
      let done = 0;
      const counted = (async function* () {
        for await (const b of store.scan(table, { branch: o.branch, version: o.version })) {
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

  program
    .command('tables')
    .description('list the tables on a branch')
    .option('--branch <name>', 'branch', DEFAULT_BRANCH)
    .option('--json', 'print as JSON')
    .action(async (o: { branch: string; json?: boolean }) => {
      const tables = await (await open()).tables({ branch: o.branch });
      if (o.json) return printJson(tables.map(tableInfoJson));
      if (tables.length === 0) return void process.stdout.write(`no tables on branch ${o.branch}\n`);
      printTable(
        ['TABLE', 'VERSION', 'ROWS', 'CHUNKS', 'BYTES'],
        tables.map((t) => [t.name, t.version, t.rows, t.chunks, formatBytes(t.bytes)]),
      );
    });

  program
    .command('log')
    .description('show commit history, newest first; with TABLE, only commits that changed it')
    .argument('[table]', 'table name')
    .option('--branch <name>', 'branch', DEFAULT_BRANCH)
    .option('-n, --limit <n>', 'at most this many commits', positiveInt)
    .option('--json', 'print as JSON')
    .action(async (table: string | undefined, o: { branch: string; limit?: number; json?: boolean }) => {
      const entries = await (await open()).log({ branch: o.branch, table, limit: o.limit });
      if (o.json) return printJson(entries);
      for (const e of entries) {
        const changes = e.changes.map((c) => `${c.table}@v${c.version}`).join(', ');
        process.stdout.write(`commit ${e.commit}\nDate:    ${e.time}\nTables:  ${changes || '(none)'}\n\n    ${e.message}\n\n`);
      }
    });

  program
    .command('show')
    .description('schema, rows, chunks and bytes of a table version')
    .argument('<table>', 'table name')
    .option('--version <n>', 'table version (default: latest)', positiveInt)
    .option('--branch <name>', 'branch', DEFAULT_BRANCH)
    .option('--json', 'print as JSON')
    .action(async (table: string, o: { version?: number; branch: string; json?: boolean }) => {
      const t = await (await open()).describe(table, { branch: o.branch, version: o.version });
      if (o.json) return printJson(tableInfoJson(t));
      process.stdout.write(
        `table    ${t.name}\nversion  ${t.version}\ncommit   ${t.commit}\nrows     ${t.rows}\n` +
          `chunks   ${t.chunks} (${t.codec})\nbytes    ${formatBytes(t.bytes)}\nschema\n`,
      );
      printTable(['  COLUMN', 'TYPE', 'NULLABLE'], t.schema.fields.map((f) => [`  ${f.name}`, String(f.type), f.nullable ? 'yes' : 'no']));
    });

  program
    .command('verify')
    .description('re-hash every object and check that every ref, manifest and chunk it reaches exists')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const store = await open();
      const bar = progress('verify', undefined, 'objects', !o.json);
      const report = await store.verify((n) => bar.update(n));
      bar.stop();
      if (o.json) printJson({ ok: report.problems.length === 0, ...report });
      else if (report.problems.length === 0) process.stdout.write(`ok: ${report.objectsChecked} objects verified\n`);
      else {
        for (const p of report.problems) process.stdout.write(`bad object ${p.id}: ${p.problem}\n`);
        process.stdout.write(`${report.problems.length} problem(s) in ${report.objectsChecked} objects\n`);
      }
      if (report.problems.length > 0) process.exitCode = 1;
    });

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    process.exitCode = 0;
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isArmillariaError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 2;
  }
}
