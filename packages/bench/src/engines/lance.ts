/**
 * Lance through pylance (`python/lance_driver.py`). Lance writes its own columnar file format, not
 * Parquet, so the run's codec does not reach it (its results say so). Branches and versions are Lance's
 * own; deletes write deletion files; adding a column writes only that column's files.
 */
import type { VersionInfo } from '@armillaria/report';
import type { Feature, Operation, OperationResult } from './engine.js';
import { PythonEngine, type DriverCall } from './python-engine.js';

export class LanceEngine extends PythonEngine {
  readonly engine = 'lance' as const;

  protected versions(v: Record<string, string>): Partial<VersionInfo> {
    return { pylance: v.pylance };
  }

  protected methods(): Record<string, string | number | boolean> {
    return {
      // Not Parquet, so the run's codec does not reach it (codec stays the run's, so its results sit in the
      // same report rows as the other engines'); Lance's encodings choose per column.
      format: 'lance file format defaults (not Parquet: the codec does not apply)',
      fsync: false,
      readApi: 'lance.dataset(path, version).to_table',
      updateMethod: 'merge_insert(id).when_matched_update_all',
      deleteMethod: 'LanceDataset.delete(predicate) (deletion files)',
      addColumnMethod: 'LanceDataset.merge(id + new column) (new column files only)',
      optimizeMethod: 'optimize.compact_files',
      branchMethod: 'ref (create_branch)',
      branchWriteMethod: 'create_branch + write_dataset(overwrite) on the branch',
    };
  }

  unsupported(feature: Feature): string | undefined {
    switch (feature) {
      case 'sql':
        return 'the harness does not drive Lance SQL (LanceDataset.sql reads one dataset; sql-join needs two)';
      case 'publish':
        return 'a Lance dataset is read by Lance-aware engines directly: it has no view to publish';
      default:
        return undefined;
    }
  }

  protected async call(op: Operation): Promise<DriverCall | OperationResult | undefined> {
    switch (op.op) {
      case 'add-column':
        return { cmd: 'add-column', args: { slot: await this.slot(op.next), path: this.path(op.target) } };
      case 'drop':
        // A branch lives in its dataset's directory and goes with the dataset.
        return op.target.includes('@') ? { internalMs: 0, wallMs: 0 } : undefined;
      default:
        return undefined;
    }
  }
}
