/** History as a feed: `changes` (commits, or a table's changed rows, since a commit) and `watch` (the same, as commits land). */
import { Option } from 'commander';

import type { ChangeEntry } from '../../ops/feed.js';
import type { Store } from '../../store.js';
import { nonNegativeInt, positiveInt, type CliContext } from '../context.js';
import { jsonRows, printJson, printRows } from '../output.js';

const FORMATS = ['table', 'csv', 'json'] as const;

interface FeedFlags {
  branch?: string;
  since?: string;
  json?: boolean;
  format: (typeof FORMATS)[number];
}

export function registerFeedCommands({ program, open }: CliContext): void {
  program
    .command('changes')
    .description('what commits on a branch changed since a commit: the commits and their tables, or, with TABLE, its changed rows with their values (insert, delete, update_preimage, update_postimage)')
    .argument('[table]', 'table name: print its changed rows')
    .option('--branch <name>', 'branch (default: main)')
    .option('--since <commit>', 'only commits after this one (default: all)')
    .option('--until <ref>', 'end at this branch, tag or commit instead of the branch head')
    .addOption(new Option('--format <format>', 'format of the rows').choices([...FORMATS]).default('table'))
    .option('--json', 'print as JSON')
    .action(async (table: string | undefined, o: FeedFlags & { until?: string }) => {
      const store = await open();
      if (table !== undefined) return printRows(await store.tableChanges(table, o), o.json ? 'json' : o.format);
      const entries = await store.changes(o);
      if (o.json) return printJson(entries);
      for (const e of entries) process.stdout.write(`${entryLine(e)}\n`);
    });

  program
    .command('watch')
    .description('print commits as they land on a branch, and with TABLE the rows they changed, until interrupted (or --count commits)')
    .argument('[table]', 'table name: only commits that changed it, with its changed rows')
    .option('--branch <name>', 'branch (default: main)')
    .option('--since <commit>', 'start after this commit (default: the head when watching starts)')
    .option('--count <n>', 'stop after this many commits', positiveInt)
    .option('--interval <ms>', 'also poll the branch this often (file events are not everywhere)', nonNegativeInt, 100)
    .addOption(new Option('--format <format>', 'format of the rows').choices([...FORMATS]).default('table'))
    .option('--json', 'print one JSON object per commit and line (its rows under "rows")')
    .action(async (table: string | undefined, o: FeedFlags & { count?: number; interval: number }) => {
      const store = await open();
      const sub = store.subscribe({ branch: o.branch, since: o.since, intervalMs: o.interval });
      const stop = () => sub.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        let seen = 0;
        for await (const e of sub) {
          if (table !== undefined && !e.tables.some((t) => t.table === table)) continue;
          await printEntry(store, e, table, o);
          if (o.count !== undefined && ++seen >= o.count) break;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        sub.close();
        await store.close();
      }
    });
}

/** A commit as one line: short id, time, the tables it changed, message. */
function entryLine(e: ChangeEntry): string {
  const tables = e.tables.map((t) => (t.version === null ? `${t.table} (dropped)` : `${t.table}@v${t.version}`)).join(', ');
  return `${e.commit.slice(0, 12)}  ${e.time}  ${tables || '(no tables)'}  ${e.message.split('\n')[0]}`;
}

async function printEntry(store: Store, e: ChangeEntry, table: string | undefined, o: FeedFlags): Promise<void> {
  const rows = table !== undefined ? await store.tableChanges(table, { since: e.parents[0], until: e.commit }) : undefined;
  if (o.json) return void process.stdout.write(`${JSON.stringify({ ...e, ...(rows ? { rows: jsonRows(rows) } : {}) })}\n`);
  process.stdout.write(`${entryLine(e)}\n`);
  if (rows) printRows(rows, o.format);
}
