/**
 * Delta Lake through delta-rs's Python package (`python/delta_driver.py`). Delta has no branches: a
 * branch is a full copy of the table directory (`<target>@<branch>`), labelled so in every result.
 */
import type { VersionInfo } from '@armillaria/report';
import type { S3Place } from '../object-storage.js';
import { NotImplementedError, type Feature, type Operation, type OperationResult } from './engine.js';
import { PythonEngine, type DriverCall, type PythonDriver, type PythonEngineOptions } from './python-engine.js';

export interface DeltaEngineOptions extends PythonEngineOptions {
  /** Keep the tables on this S3 server instead of the work directory. */
  s3?: S3Place;
}

/** Delta Lake engine. Targets are table directories under the work directory (or the S3 prefix). */
export class DeltaEngine extends PythonEngine {
  readonly engine = 'delta' as const;
  /** delta-rs's storage options for s3:// tables, once `storage` was called. */
  private storageOptions: Record<string, string> | undefined;

  constructor(protected override readonly opts: DeltaEngineOptions) {
    super(opts);
  }

  protected override async started(d: PythonDriver): Promise<void> {
    const s3 = this.opts.s3;
    if (s3) this.storageOptions = (await d.call('storage', { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })).storageOptions as Record<string, string>;
  }

  protected versions(v: Record<string, string>): Partial<VersionInfo> {
    return { deltalake: v.deltalake };
  }

  protected methods(): Record<string, string | number | boolean> {
    return {
      // WriterProperties(compression=...) only: deltalake's defaults for everything else.
      format: 'parquet',
      parquetWriter: 'deltalake defaults (data pages v1, dictionary on)',
      // deltalake 1.6.6 writes through object_store's LocalFileSystem, which does not fsync by default.
      fsync: false,
      storage: this.opts.s3 ? 's3' : 'local',
      ...(this.opts.s3 ? { s3Commit: 'conditional put (aws_conditional_put=etag)' } : {}),
      readApi: 'DeltaTable(path).to_pyarrow_table',
      updateMethod: 'merge (when_matched_update)',
      branchMethod: 'full-copy (copytree of the table directory)',
      deleteMethod: 'DeltaTable.delete(predicate)',
      addColumnMethod: "write_deltalake overwrite, schema_mode='overwrite'",
      branchWriteMethod: 'full-copy (copytree of the table directory; Delta has no branches)',
    };
  }

  unsupported(feature: Feature): string | undefined {
    return feature === 'publish' ? 'a Delta table is itself what other engines read: it has no view to publish' : undefined;
  }

  /** A table directory: under the work directory, or under this engine's prefix on S3. */
  protected override tablePath(name: string): string {
    const s3 = this.opts.s3;
    return s3 ? `s3://${s3.bucket}/${s3.prefix}/${this.workDirName}/${name}` : super.tablePath(name);
  }

  /** Names the work directory on S3 too, so that each dataset's tables are apart. */
  private get workDirName(): string {
    return this.workDir.replace(/^.*[\\/]/, '');
  }

  protected async call(op: Operation): Promise<DriverCall | OperationResult | undefined> {
    const codec = this.opts.codec;
    switch (op.op) {
      case 'read':
        // A branch is the copy `branch-write` made.
        if (op.branch === undefined) return undefined;
        return { cmd: 'read', args: { path: this.ownedPath(`${op.target}@${op.branch}`), ...(op.version !== undefined ? { version: op.version } : {}), ...(op.columns ? { columns: op.columns } : {}), ...(op.filter ? { filter: op.filter } : {}) } };
      case 'add-column':
        return { cmd: 'write', args: { slot: await this.slot(op.next), path: this.path(op.target), mode: 'overwrite', schemaMode: 'overwrite', codec } };
      case 'branch':
        return { cmd: 'copy', args: { src: this.path(op.target), dst: this.path(`${op.target}@${op.name}`) } };
      case 'branch-write':
        // No branches in Delta: a full copy of the table directory, which already holds `source`.
        return { cmd: 'copy', args: { src: this.path(op.target), dst: this.ownedPath(`${op.target}@${op.name}`) } };
      case 'sql':
        return { cmd: 'sql', args: { query: op.query, tables: Object.fromEntries(op.tables.map((t) => [t, t === 't' ? this.path(op.target) : this.path(op.target, t)])), versions: op.versions ?? {} } };
      case 'publish':
        throw new NotImplementedError(this.unsupported('publish')!);
      default:
        return undefined;
    }
  }

  protected override committerEnv(): Record<string, string> {
    return this.storageOptions ? { ARMILLARIA_DELTA_STORAGE_OPTIONS: JSON.stringify(this.storageOptions) } : {};
  }

  protected override async tornDown(d: PythonDriver): Promise<void> {
    if (this.opts.s3) await d.call('drop', { path: this.tablePath('').replace(/\/$/, '') });
  }
}
