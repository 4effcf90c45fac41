/**
 * Apache Iceberg through pyiceberg (`python/iceberg_driver.py`), tables in a SQL catalog on SQLite in
 * the dataset's work directory. Branches are Iceberg refs; row-level changes are copy-on-write (pyiceberg
 * rewrites the data files a change touches; it writes no delete files).
 */
import type { VersionInfo } from '@armillaria/report';
import type { Feature, Operation, OperationResult } from './engine.js';
import { PythonEngine, type DriverCall, type PythonDriver } from './python-engine.js';

export class IcebergEngine extends PythonEngine {
  readonly engine = 'iceberg' as const;

  protected versions(v: Record<string, string>): Partial<VersionInfo> {
    return { pyiceberg: v.pyiceberg };
  }

  protected methods(): Record<string, string | number | boolean> {
    return {
      catalog: 'SqlCatalog on SQLite',
      format: 'parquet',
      parquetWriter: 'pyiceberg defaults (pyarrow), write.parquet.compression-codec = codec',
      fsync: false,
      readApi: 'load_table + scan(...).to_arrow()',
      versionNumbers: "position in the main branch's snapshot log (time travel by snapshot id)",
      updateMethod: 'scan matched rows + overwrite(overwrite_filter=In(id)) (copy-on-write)',
      deleteMethod: 'Table.delete(filter) (copy-on-write)',
      addColumnMethod: 'update_schema().union_by_name + overwrite',
      branchMethod: 'ref (manage_snapshots().create_branch)',
      branchWriteMethod: 'create_branch + overwrite(branch=name)',
      commitMethod: `append; a commit that loses the race is reloaded and tried again, up to 15 attempts (pyiceberg does not retry)`,
    };
  }

  unsupported(feature: Feature): string | undefined {
    switch (feature) {
      case 'optimize':
        return 'pyiceberg 0.12 has no data-file compaction (rewrite_data_files is a Spark procedure)';
      case 'sql':
        return "pyiceberg has no SQL engine, and DuckDB's iceberg extension cannot be installed here";
      case 'publish':
        return 'an Iceberg table is itself what other engines read: it has no view to publish';
      default:
        return undefined;
    }
  }

  /** The committers open the same SQLite catalog. */
  protected override committerArgs(): string[] {
    return [this.workDir];
  }

  protected override async prepare(d: PythonDriver): Promise<void> {
    await d.call('catalog', { dir: this.workDir });
  }

  protected async call(op: Operation): Promise<DriverCall | OperationResult | undefined> {
    switch (op.op) {
      case 'add-column':
        return { cmd: 'write', args: { slot: await this.slot(op.next), path: this.path(op.target), mode: 'overwrite', schemaMode: 'overwrite', codec: this.opts.codec } };
      case 'drop':
        // A branch lives in its table's metadata and goes with the table.
        return op.target.includes('@') ? { internalMs: 0, wallMs: 0 } : undefined;
      default:
        return undefined;
    }
  }
}
