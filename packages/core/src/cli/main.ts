/**
 * The `armillaria` command line. The store is `--store DIR` (or `s3://bucket/prefix`) or env
 * ARMILLARIA_STORE (default: the current directory). Read-only commands take `--json` for scripts. Exit codes: 0 success, 1 a
 * failed check (verify found problems, merge has conflicts), 2 an error (the message names the bad value).
 */
import { Command, CommanderError, Option } from 'commander';

import { isArmillariaError } from '../errors.js';
import { PHASE_ORDER } from '../phases/types.js';
import { initStore } from '../store.js';
import { registerFeedCommands } from './commands/feed.js';
import { registerMaintenanceCommands } from './commands/maintenance.js';
import { registerPublishCommands } from './commands/publish.js';
import { registerRefCommands } from './commands/refs.js';
import { registerSqlCommand } from './commands/sql.js';
import { registerTableCommands } from './commands/tables.js';
import { makeContext, metaPair, type GlobalOptions } from './context.js';

export function buildProgram(): Command {
  const program = new Command('armillaria')
    .description('Versioned, content-addressed table store: Git for Arrow tables')
    .addOption(new Option('--store <location>', 'store directory, or s3://bucket/prefix (endpoint and credentials from the AWS_* variables)').env('ARMILLARIA_STORE').default('.'))
    .addOption(new Option('--phase <name>', 'engine phase').choices(['auto', ...PHASE_ORDER]).env('ARMILLARIA_PHASE'))
    .addOption(new Option('--author <name>', 'recorded as the author of the commits this command makes').env('ARMILLARIA_AUTHOR'))
    .addOption(new Option('--meta <key=value>', 'recorded on the commits this command makes (repeatable)').argParser(metaPair))
    .showHelpAfterError()
    .exitOverride();

  program
    .command('init')
    .description('create an empty store')
    .action(async () => {
      const { store } = program.opts<GlobalOptions>();
      await initStore(store);
      process.stdout.write(`initialised empty Armillaria store in ${store}\n`);
    });

  const ctx = makeContext(program);
  registerTableCommands(ctx);
  registerRefCommands(ctx);
  registerFeedCommands(ctx);
  registerMaintenanceCommands(ctx);
  registerSqlCommand(ctx);
  registerPublishCommands(ctx);
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
