/** publish and import-delta: tables to and from the formats other engines read. */
import { join } from 'node:path';

import { Option } from 'commander';

import { CODECS, type Codec } from '../../table/parquet-codec.js';
import type { DeltaPublishedVersion } from '../../views/delta.js';
import type { IcebergPublishedVersion } from '../../views/iceberg.js';
import type { ImportedVersion } from '../../views/delta-import.js';
import { DEFAULT_BRANCH, type PublishReport } from '../../store.js';
import { nonNegativeInt, positiveInt, type CliContext } from '../context.js';
import { formatBytes, printJson } from '../output.js';

interface PublishFlags {
  branch?: string;
  ref?: string;
  allBranches?: boolean;
  history?: boolean;
  verify: boolean;
  json?: boolean;
}

/** How each format is described, and how its progress and result read. */
const FORMATS = {
  delta: {
    what: 'a Delta Lake table',
    reader: 'deltalake.DeltaTable(DIR), Spark, Polars',
    progress: (table: string, p: PublishedVersion) => `Delta version ${(p as DeltaPublishedVersion).deltaVersion} <- ${table} version ${p.version} (+${p.added} -${p.removed} files)`,
  },
  iceberg: {
    what: 'an Iceberg table (format v2; rows deleted from a chunk as position delete files; the store\'s tags as tags)',
    reader: 'pyiceberg StaticTable.from_metadata(DIR), Spark',
    progress: (table: string, p: PublishedVersion) => {
      const s = p as IcebergPublishedVersion;
      return `snapshot ${s.snapshotId} (seq ${s.sequenceNumber}) <- ${table} version ${s.version} (+${s.added} -${s.removed} files, ${s.deleteFiles} delete files)`;
    },
  },
} as const;

type PublishedVersion = DeltaPublishedVersion | IcebergPublishedVersion;

export function registerPublishCommands({ program, open }: CliContext): void {
  const publish = program.command('publish').description('publish tables as views that other engines read');
  for (const [format, f] of Object.entries(FORMATS) as [keyof typeof FORMATS, (typeof FORMATS)[keyof typeof FORMATS]][]) {
    publish
      .command(format)
      .description(`publish TABLE as ${f.what} in DIR, read by ${f.reader}; data files are the chunks, hard-linked where possible; again: append the versions since`)
      .argument('<table>', 'table to publish')
      .argument('<dir>', 'directory of the view (new, empty, or published before from the same table and ref)')
      .option('--branch <name>', 'branch to publish (default: main)')
      .option('--ref <ref>', 'a tag or commit to publish instead of a branch')
      .option('--all-branches', 'publish every branch holding the table, each into DIR/<branch>')
      .option('--history', 'on a new view, publish every version from the first (default: the current one)')
      .option('--no-verify', 'link chunks without checking them against their sums')
      .option('--json', 'print as JSON')
      .action(async (table: string, dir: string, o: PublishFlags) => {
        const store = await open();
        const targets: { dir: string; branch?: string; ref?: string }[] = o.allBranches
          ? (await store.branches()).map((b) => ({ branch: b.name, dir: join(dir, b.name) }))
          : [{ branch: o.branch, ref: o.ref, dir }];
        const reports: PublishReport[] = [];
        for (const { dir: into, ...at } of targets) {
          if (o.allBranches && !(await store.tables({ branch: at.branch })).some((t) => t.name === table)) continue;
          const onVersion = (p: PublishedVersion) => {
            if (!o.json) process.stderr.write(`  ${f.progress(table, p)}\n`);
          };
          const options = { ...at, history: o.history, verify: o.verify, onVersion };
          const report = format === 'iceberg' ? await store.publish(table, into, { ...options, format }) : await store.publish(table, into, options);
          reports.push(report);
          if (!o.json) process.stdout.write(summary(report));
        }
        if (o.json) printJson(o.allBranches ? reports : reports[0]);
      });
  }

  program
    .command('import-delta')
    .description('import the Delta Lake table in DIR as TABLE with its history: one version per Delta version that changed data')
    .argument('<table>', 'table name')
    .argument('<dir>', 'directory of the Delta table')
    .option('--since <version>', 'the Delta version to import first, whole (needed when TABLE exists: it lands on top)', nonNegativeInt)
    .option('--branch <name>', 'branch to commit to', DEFAULT_BRANCH)
    .option('--keys <columns>', 'declare key columns (comma-separated) for row-level merge and diff')
    .addOption(new Option('--codec <codec>', 'Parquet codec for new chunks').choices([...CODECS]))
    .option('--chunk-rows <n>', 'rows per chunk', positiveInt)
    .option('--json', 'print as JSON')
    .action(async (table: string, dir: string, o: { since?: number; branch: string; keys?: string; codec?: Codec; chunkRows?: number; json?: boolean }) => {
      const store = await open();
      const versions = await store.importDelta(table, dir, {
        since: o.since,
        branch: o.branch,
        codec: o.codec,
        chunkRows: o.chunkRows,
        ...(o.keys ? { keys: o.keys.split(',').map((k) => k.trim()) } : {}),
        onVersion: (v) => {
          if (!o.json) process.stderr.write(`  ${describeImport(table, v)}\n`);
        },
      });
      if (o.json) return printJson(versions);
      const stored = versions.filter((v) => v.version !== undefined);
      process.stdout.write(`${table}: ${versions.length} Delta version(s) read, ${stored.length} stored${stored.length ? `, up to version ${stored.at(-1)!.version}` : ''}\n`);
    });
}

function describeImport(table: string, v: ImportedVersion): string {
  if (v.version === undefined) return `Delta version ${v.deltaVersion} (${v.operation}): no data changed, skipped`;
  return `Delta version ${v.deltaVersion} (${v.operation}) -> ${table} version ${v.version}: ${v.mode} of ${v.rows} rows`;
}

function summary(r: PublishReport): string {
  if (r.published.length === 0 && (r.format === 'delta' || r.metadataFile === undefined)) return `${r.dir}: up to date with ${r.table} on ${r.ref}\n`;
  const last = r.published.at(-1);
  const files = Object.entries(r.files)
    .filter(([, n]) => n > 0)
    .map(([how, n]) => `${n} ${how}`)
    .join(', ');
  const head = last ? `published up to version ${last.version}` : 'tags updated';
  const detail =
    r.format === 'delta'
      ? `${last ? `as Delta version ${(last as DeltaPublishedVersion).deltaVersion}, ` : ''}${r.published.length} commit(s)`
      : `${r.published.length} snapshot(s), ${r.deleteFiles} delete file(s), tags: ${r.tags.join(', ') || 'none'}, ${formatBytes(r.metadataBytes)} of metadata`;
  return `${r.dir}: ${r.table} on ${r.ref} ${head} (${detail}; files: ${files || 'none new'}; ${formatBytes(r.bytesWritten)} written)\n`;
}
