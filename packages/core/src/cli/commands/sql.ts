/** `armillaria sql`: one query, printed or written to a file, or an interactive shell without one. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appendFile, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import { Option, InvalidArgumentError as CommanderArgumentError } from 'commander';
import type { RecordBatch } from 'apache-arrow';

import { InvalidArgumentError, isArmillariaError } from '../../errors.js';
import { writeTableFile } from '../../io/write-file.js';
import type { SqlOptions, Store } from '../../store.js';
import { atOptions, withAtFlags, type AtFlags, type CliContext } from '../context.js';
import { printRows } from '../output.js';

const FORMATS = ['table', 'csv', 'json', 'parquet', 'arrow'] as const;
type Format = (typeof FORMATS)[number];

/** Where the shell keeps its history, and how many lines. */
const HISTORY = join(homedir(), '.armillaria_sql_history');
const HISTORY_LINES = 1000;

interface SqlFlags extends AtFlags {
  format: Format;
  out?: string;
  verify: boolean;
  versions?: Record<string, number>;
}

export function registerSqlCommand({ program, open }: CliContext): void {
  withAtFlags(
    program
      .command('sql')
      .description('run a SQL query (DuckDB) over one snapshot of the tables; without a query, an interactive shell')
      .argument('[query]', 'the query (SELECT or EXPLAIN)'),
    { version: false },
  )
    .option('--table-version <table=n...>', 'read TABLE as its version N instead of the snapshot\'s (repeatable)', tableVersion)
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('table'))
    .option('--out <file>', 'write the result to a .parquet, .csv or .arrow file instead of printing it')
    .option('--no-verify', 'do not check chunks against their sums before DuckDB reads them')
    .action(async (query: string | undefined, o: Omit<SqlFlags, 'versions'> & { tableVersion?: Record<string, number> }) => {
      const store = await open();
      const flags: SqlFlags = { ...o, versions: o.tableVersion };
      if (query !== undefined) return runOne(store, query, flags);
      await shell(store, flags);
    });
}

function tableVersion(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([^=]+)=(\d+)$/.exec(value);
  if (!m || Number(m[2]) < 1) throw new CommanderArgumentError(`expected TABLE=VERSION (a version >= 1), got ${JSON.stringify(value)}`);
  return { ...previous, [m[1]!]: Number(m[2]) };
}

function sqlOptions(o: SqlFlags): SqlOptions {
  return { ...atOptions(o), verify: o.verify, ...(o.versions ? { versions: o.versions } : {}) };
}

async function runOne(store: Store, query: string, o: SqlFlags): Promise<void> {
  if (o.out !== undefined) {
    const batches = store.sqlBatches(query, sqlOptions(o))[Symbol.asyncIterator]();
    const first = await batches.next(); // the schema comes with the first batch (there is always one)
    const schema = (first.value as RecordBatch).schema;
    const rows = await writeTableFile(o.out, schema, (async function* () {
      if (!first.done) yield first.value as RecordBatch;
      for (let b = await batches.next(); !b.done; b = await batches.next()) yield b.value;
    })());
    process.stderr.write(`${rows} rows written to ${o.out}\n`);
    return;
  }
  if (o.format === 'parquet' || o.format === 'arrow') {
    throw new InvalidArgumentError(`sql: --format ${o.format} writes a file: give --out FILE.${o.format}`);
  }
  printRows(await store.sql(query, sqlOptions(o)), o.format);
}

/** The shell: statements end with `;`, errors are printed and the shell goes on; history is kept in ~/.armillaria_sql_history. */
async function shell(store: Store, o: SqlFlags): Promise<void> {
  const history = (await readFile(HISTORY, 'utf8').catch(() => '')).split('\n').filter(Boolean).reverse().slice(0, HISTORY_LINES);
  const rl = createInterface({ input: process.stdin, output: process.stdout, history, historySize: HISTORY_LINES, terminal: process.stdin.isTTY });
  process.stdout.write('Armillaria SQL (DuckDB). End statements with ";", .exit to leave.\n');
  let pending = '';
  const prompt = () => {
    rl.setPrompt(pending ? '   ...> ' : 'sql> ');
    rl.prompt();
  };
  prompt();
  try {
    for await (const line of rl) {
      if (pending === '' && ['.exit', '.quit'].includes(line.trim())) break;
      pending += (pending ? '\n' : '') + line;
      const query = pending.trimEnd().replace(/;+$/, '');
      if (pending.trimEnd().endsWith(';')) {
        pending = '';
        if (query.trim() !== '') {
          await appendFile(HISTORY, `${query.replaceAll('\n', ' ')}\n`).catch(() => undefined);
          try {
            printRows(await store.sql(query, sqlOptions(o)), o.format === 'parquet' || o.format === 'arrow' ? 'table' : o.format);
          } catch (e) {
            if (!isArmillariaError(e)) throw e;
            process.stdout.write(`error: ${e.message}\n`);
          }
        }
      }
      prompt();
    }
  } finally {
    rl.close();
  }
}
