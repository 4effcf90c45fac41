/** verify, gc and expire. */
import { age, nonNegativeNumber, positiveInt, type CliContext } from '../context.js';
import { formatBytes, printJson, progress } from '../output.js';

export function registerMaintenanceCommands({ program, open }: CliContext): void {
  program
    .command('verify')
    .description('re-hash every object and check that every ref, commit, manifest and chunk it reaches exists')
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

  program
    .command('gc')
    .description('delete objects unreachable from every branch, tag and recent reflog entry')
    .option('--grace <seconds>', 'keep unreferenced objects younger than this (writes in flight then need no retry; any value is safe)', nonNegativeNumber, 3600)
    .option('--reflog-days <days>', 'keep what reflog entries younger than this reach', nonNegativeNumber, 30)
    .option('--dry-run', 'report, delete nothing')
    .option('--json', 'print as JSON')
    .action(async (o: { grace: number; reflogDays: number; dryRun?: boolean; json?: boolean }) => {
      const report = await (await open()).gc({
        graceMs: o.grace * 1000,
        reflogRetentionMs: o.reflogDays * 86_400_000,
        dryRun: o.dryRun,
      });
      if (o.json) return printJson(report);
      process.stdout.write(
        `${o.dryRun ? 'would delete' : 'deleted'} ${report.deleted} objects (${formatBytes(report.bytesFreed)}); ` +
          `${report.reachable} reachable, ${report.keptYoung} unreferenced kept within the grace period, ${report.tempFilesRemoved} leftover files removed\n`,
      );
    });

  program
    .command('expire')
    .description('drop a branch\'s old versions from its history, so that gc can reclaim what only they reach (tags and other branches keep theirs)')
    .option('--branch <name>', 'the branch whose history to cut', 'main')
    .option('--older-than <age>', 'expire versions that stopped being current longer ago than this (30d, 12h, 90m, 45s, 2w); the one current then stays', age)
    .option('--keep-last <n>', 'keep at least the newest n commits', positiveInt)
    .option('--dry-run', 'report, expire nothing')
    .option('--json', 'print as JSON')
    .action(async (o: { branch: string; olderThan?: number; keepLast?: number; dryRun?: boolean; json?: boolean }) => {
      const report = await (await open()).expire({ branch: o.branch, olderThanMs: o.olderThan, keepLast: o.keepLast, dryRun: o.dryRun });
      if (o.json) return printJson(report);
      if (report.expired === 0) {
        process.stdout.write(`nothing to expire on ${report.branch}${report.cut ? ` (history already starts at ${report.cut.slice(0, 12)})` : ''}\n`);
        return;
      }
      const oldest = report.oldestVersions.map((t) => `${t.table} v${t.version}`).join(', ');
      process.stdout.write(
        `${o.dryRun ? 'would expire' : 'expired'} ${report.expired} commit(s) of ${report.branch}; history now starts at ${report.cut!.slice(0, 12)}` +
          `${oldest ? ` (oldest versions: ${oldest})` : ''}${o.dryRun ? '' : '; run gc to reclaim their bytes'}\n`,
      );
    });
}
