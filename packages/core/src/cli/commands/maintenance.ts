/** verify and gc. */
import { nonNegativeNumber, type CliContext } from '../context.js';
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
}
