/** Branch, tag, merge, cherry-pick, revert, reset and diff commands. */
import type { Command } from 'commander';

import { InvalidArgumentError } from '../../errors.js';
import type { MergeResult, MergeStrategies, MergeStrategy } from '../../ops/merge.js';
import { openTableFile } from '../../io/read-file.js';
import { metaPair, type CliContext } from '../context.js';
import { printJson, printTable, tableDiffText } from '../output.js';

export function registerRefCommands({ program, open }: CliContext): void {
  const branch = program.command('branch').description('create, list, rename and delete branches');
  branch
    .command('create')
    .argument('<name>', 'new branch')
    .option('--from <ref>', 'branch, tag or commit to start from', 'main')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { from: string; json?: boolean }) => {
      const commit = await (await open()).createBranch(name, { from: o.from });
      if (o.json) printJson({ branch: name, commit });
      else process.stdout.write(`created branch ${name} at ${commit.slice(0, 12)}\n`);
    });
  listCommand(branch, 'branches', async () => (await open()).branches());
  branch
    .command('rename')
    .argument('<from>')
    .argument('<to>')
    .action(async (from: string, to: string) => {
      await (await open()).renameBranch(from, to);
      process.stdout.write(`renamed branch ${from} to ${to}\n`);
    });
  branch
    .command('delete')
    .argument('<name>')
    .action(async (name: string) => {
      const commit = await (await open()).deleteBranch(name);
      process.stdout.write(`deleted branch ${name} (was ${commit.slice(0, 12)}; recover with: branch create ${name} --from ${commit})\n`);
    });

  const tag = program.command('tag').description('create, list and delete tags');
  tag
    .command('create')
    .argument('<name>', 'new tag')
    .option('--at <ref>', 'branch, tag or commit to tag', 'main')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { at: string; json?: boolean }) => {
      const commit = await (await open()).createTag(name, { at: o.at });
      if (o.json) printJson({ tag: name, commit });
      else process.stdout.write(`created tag ${name} at ${commit.slice(0, 12)}\n`);
    });
  listCommand(tag, 'tags', async () => (await open()).tags());
  tag
    .command('delete')
    .argument('<name>')
    .action(async (name: string) => {
      const commit = await (await open()).deleteTag(name);
      process.stdout.write(`deleted tag ${name} (was ${commit.slice(0, 12)})\n`);
    });

  const strategyOptions = (c: Command) =>
    c
      .option('--ours [tables]', 'settle conflicts with the branch\'s side (every table, or these, comma-separated)')
      .option('--theirs [tables]', 'settle conflicts with the other side (every table, or these, comma-separated)');
  const printMerge = (r: MergeResult, branch: string, json?: boolean) => {
    if (json) printJson(r);
    else {
      process.stdout.write(`${r.status}${r.commit ? ` (${branch} at ${r.commit.slice(0, 12)})` : ''}\n`);
      for (const t of r.tables) process.stdout.write(`  ${t.table}: ${t.action}\n`);
      for (const c of r.conflicts) {
        const where = c.kind === 'row' ? ` key ${JSON.stringify(c.key)} column ${c.column}` : '';
        const values = c.ours !== undefined || c.theirs !== undefined ? ` (base ${JSON.stringify(c.base)}, ours ${JSON.stringify(c.ours)}, theirs ${JSON.stringify(c.theirs)})` : '';
        process.stdout.write(`  conflict in ${c.table}${where}: ${c.reason}${values}\n`);
      }
    }
    if (r.status === 'conflicts') process.exitCode = 1;
  };

  type MergeFlags = { into: string; message?: string; json?: boolean; status?: boolean; continue?: boolean; abort?: boolean; resolve?: Record<string, string> } & StrategyFlags;
  strategyOptions(
    program
      .command('merge')
      .description(
        'merge SOURCE (branch, tag or commit) into a branch: fast-forward, table-level or row-level by key. ' +
          'A merge with conflicts stays pending: --status shows it, --continue finishes it (with --ours/--theirs or --resolve), --abort forgets it',
      )
      .argument('[source]')
      .option('--into <branch>', 'branch to merge into', 'main')
      .option('-m, --message <text>', 'merge commit message')
      .option('--resolve <table=file>', 'rows (.parquet, .csv, .arrow) that settle a keyed table\'s row conflicts by key; repeatable', metaPair)
      .option('--status', 'show the pending merge and its conflicts')
      .option('--continue', 'finish the pending merge')
      .option('--abort', 'forget the pending merge (nothing of it was committed)')
      .option('--json', 'print as JSON'),
  ).action(async (source: string | undefined, o: MergeFlags) => {
    const store = await open();
    const modes = (['status', 'continue', 'abort'] as const).filter((m) => o[m]);
    if (modes.length > 1) throw new InvalidArgumentError(`merge: give one of --${modes.join(', --')}`);
    const mode = modes[0];
    if (mode !== undefined && source !== undefined) throw new InvalidArgumentError(`merge: --${mode} takes no SOURCE (it works on the pending merge into ${o.into})`);
    if (mode === undefined && source === undefined) throw new InvalidArgumentError('merge: give SOURCE, or --status, --continue or --abort');
    if (mode === 'abort') {
      const was = await store.abortMerge(o.into);
      if (o.json) printJson({ aborted: was });
      else process.stdout.write(`aborted the merge of ${was.source} (${was.theirs.slice(0, 12)}) into ${o.into}\n`);
      return;
    }
    const pending = mode ? await store.pendingMerge(o.into) : undefined;
    if (mode && !pending) throw new InvalidArgumentError(`merge: no merge into "${o.into}" is pending`);
    const resolve: Record<string, Awaited<ReturnType<typeof openTableFile>>> = {};
    for (const [table, file] of Object.entries(o.resolve ?? {})) resolve[table] = await openTableFile(file);
    const r = await store.merge(pending?.theirs ?? source!, {
      into: o.into,
      message: o.message ?? pending?.message ?? (pending ? `merge ${pending.source} into ${o.into}` : undefined),
      ...strategyOf(o),
      resolve,
      dryRun: mode === 'status',
    });
    if (mode === 'status' && !o.json) process.stdout.write(`pending: merge of ${pending!.source} (${pending!.theirs.slice(0, 12)}) into ${o.into}, since ${pending!.time}\n`);
    if (mode === 'status' && o.json) return printJson({ pending, ...r });
    printMerge(r, o.into, o.json);
    if (r.status === 'conflicts' && !o.json && mode !== 'status') {
      process.stdout.write(`the merge is pending: settle it with merge --continue --ours/--theirs [TABLES] or --resolve TABLE=FILE, or merge --abort\n`);
    }
  });

  for (const [name, what] of [['cherry-pick', 'apply what COMMIT changed'], ['revert', 'undo what COMMIT changed']] as const) {
    strategyOptions(
      program
        .command(name)
        .description(`${what} on a branch as a new commit, merged three-way like merge (row-level by key)`)
        .argument('<commit>', 'commit, tag or branch (its head)')
        .option('--branch <name>', 'branch to commit to', 'main')
        .option('-m, --message <text>', 'commit message')
        .option('--json', 'print as JSON'),
    ).action(async (ref: string, o: { branch: string; message?: string; json?: boolean } & StrategyFlags) => {
      const store = await open();
      const options = { branch: o.branch, message: o.message, ...strategyOf(o) };
      printMerge(await (name === 'revert' ? store.revert(ref, options) : store.cherryPick(ref, options)), o.branch, o.json);
    });
  }

  program
    .command('reset')
    .description('move BRANCH to TO (a branch, tag or commit); the commits it leaves stay in the reflog until gc')
    .argument('<branch>')
    .argument('<to>')
    .option('--json', 'print as JSON')
    .action(async (branch: string, to: string, o: { json?: boolean }) => {
      const store = await open();
      const r = await store.reset(branch, to);
      if (o.json) printJson({ branch, ...r });
      else process.stdout.write(`${branch}: ${r.from.slice(0, 12)} -> ${r.to.slice(0, 12)}\n`);
    });

  program
    .command('diff')
    .description('what changed from ref A to ref B: tables, chunks, and rows by key for keyed tables')
    .argument('<a>')
    .argument('<b>')
    .option('--json', 'print as JSON')
    .action(async (a: string, b: string, o: { json?: boolean }) => {
      const d = await (await open()).diff(a, b);
      if (o.json) return printJson(d);
      process.stdout.write(d.tables.length === 0 ? 'no differences\n' : tableDiffText(d.tables));
    });
}

function listCommand(parent: Command, what: string, list: () => Promise<{ name: string; commit: string }[]>): void {
  parent
    .command('list')
    .description(`list ${what}`)
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const refs = await list();
      if (o.json) return printJson(refs.map(({ name, commit }) => ({ name, commit })));
      printTable(['NAME', 'COMMIT'], refs.map((r) => [r.name, r.commit.slice(0, 12)]));
    });
}

type StrategyFlags = { ours?: string | true; theirs?: string | true };

/** `--ours` / `--theirs` (bare: every table; with a list: those tables) as a merge strategy. */
function strategyOf(o: StrategyFlags): { strategy?: MergeStrategies } {
  if (o.ours === true && o.theirs === true) throw new InvalidArgumentError('merge: --ours and --theirs both for every table');
  if (o.ours === true) return { strategy: 'ours' };
  if (o.theirs === true) return { strategy: 'theirs' };
  const per: Record<string, MergeStrategy> = {};
  for (const side of ['ours', 'theirs'] as const) {
    for (const t of typeof o[side] === 'string' ? (o[side] as string).split(',') : []) {
      if (per[t.trim()]) throw new InvalidArgumentError(`merge: table "${t.trim()}" given to both --ours and --theirs`);
      per[t.trim()] = side;
    }
  }
  return Object.keys(per).length > 0 ? { strategy: per } : {};
}
