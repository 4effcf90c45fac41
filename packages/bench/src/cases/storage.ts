/**
 * Storage workloads (issue #6), on both engines: what a change costs in stored bytes.
 *  - appends:      10 appends of 1% rows each; bytes after each, and the final bytes over the optimum
 *                  (the final table written once to a fresh target);
 *  - delete:       delete ~4% of the rows, scattered over the whole table (`value < 0.04`);
 *  - delete-range: delete ~4% of the rows as one contiguous id range in the middle;
 *  - add-column:   add a float64 column derived from `id`; new bytes, beside the column's own size
 *                  (the column alone written as a table);
 *  - branch-write: the identical data on a branch (Armillaria: createBranch + write; Delta has no
 *                  branches: a full copy of the table directory, labelled). Goal: 0 new chunk bytes.
 * Each starts from the dataset written to a fresh target ("one version", the base of every fraction
 * and of `storage.dedup` = 1 − stored / (versions × one version), DESIGN.md), times the change through
 * the engine, and verifies the head (rows + checksum) against the expected table, else `rejected`.
 */
import { Table } from 'apache-arrow';
import { tableChecksum } from '../checksum.js';
import { filterRows, filterToString, type Filter } from '../filter.js';
import type { LoadedDataset } from '../datasets/datasets.js';
import type { Operation, OperationResult, SourceTable } from '../engines/engine.js';
import {
  ADDED_COLUMN,
  APPEND_FRACTION,
  APPENDS,
  DELETE_FRACTION,
  appendBatches,
  deleteFilters,
  derivedColumn,
  withColumn,
  withoutRows,
} from '../workloads.js';
import {
  datasetSource,
  dedupOf,
  mismatch,
  op,
  PeakTracker,
  signedPercent,
  storedBytes,
  tryOf,
  unmeasured,
  type BenchCase,
  type CaseContext,
  type CaseOutcome,
  type Expected,
} from './case.js';

const seeded = (d: LoadedDataset): boolean => d.table.getChild('id') !== null && d.table.getChild('value') !== null;

const expectedOf = (table: Table): Expected => ({ rows: table.numRows, checksum: tableChecksum(table) });

/** Bytes of `source` written once to a fresh target (dropped afterwards): a version's optimum size. */
async function freshBytes(ctx: CaseContext, peak: PeakTracker, target: string, source: SourceTable): Promise<number> {
  await op(ctx, peak, { op: 'write', target, source, mode: 'overwrite' });
  const bytes = await storedBytes(ctx, target);
  await ctx.engine.run({ op: 'drop', target });
  return bytes;
}

/**
 * The dataset written to a fresh `target`, then `change` as its next version (the timed operation);
 * the head (or `branch`'s head) is verified against `want`. The target is dropped afterwards.
 */
async function changeOnce(
  ctx: CaseContext,
  peak: PeakTracker,
  target: string,
  change: Operation,
  want: Expected,
  branch?: string,
): Promise<{ r: OperationResult; before: number; after: number; bad?: string }> {
  await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
  const before = await storedBytes(ctx, target);
  const r = await op(ctx, peak, change);
  const after = await storedBytes(ctx, target);
  const head = await unmeasured(ctx, { op: 'read', target, ...(branch !== undefined ? { branch } : {}) });
  await ctx.engine.run({ op: 'drop', target });
  const bad = mismatch(head, want);
  return { r, before, after, ...(bad ? { bad } : {}) };
}

/** The outcome of a one-change workload: 2 versions, new bytes as a fraction of one version. */
function changeOutcome(
  name: string,
  c: { r: OperationResult; before: number; after: number; bad?: string },
  peak: PeakTracker,
  extra: Record<string, number | string>,
): CaseOutcome {
  return {
    status: c.bad ? 'rejected' : 'ok',
    ...(c.bad ? { error: `head after the ${name} ${c.bad}` } : {}),
    tries: [tryOf(c.r)],
    rssPeakBytes: peak.peak,
    storage: { bytes: c.after, versions: 2, dedup: dedupOf(c.after, 2, c.before) },
    extra: { bytesOneVersion: c.before, ...extra },
  };
}

/** appends: 10 × 1% appended rows; bytes after each, final bytes over one fresh version of the result. */
export const appendsCase: BenchCase = {
  name: 'appends',
  summary: `${APPENDS} appends of ${APPEND_FRACTION * 100}% rows each: bytes after each, final bytes over the final table written fresh`,
  throughput: false,
  applies: seeded,
  headline: (r) => `final ${Number(r.extra?.appendFinalOverOptimum).toFixed(3)}× the optimum, +${Math.round(Number(r.extra?.appendMeanNewBytes))} B per append`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'appends';
    const name = ctx.dataset.spec.name;
    const batches = appendBatches(ctx.dataset.table);
    const final = ctx.dataset.table.concat(...batches);
    await unmeasured(ctx, { op: 'write', target, source: datasetSource(ctx), mode: 'overwrite' });
    const bytes = [await storedBytes(ctx, target)];
    const tries: CaseOutcome['tries'] = [];
    for (let j = 0; j < batches.length; j++) {
      const r = await op(ctx, peak, { op: 'write', target, source: { key: `append-small:${name}:${j + 1}`, table: batches[j]! }, mode: 'append' });
      tries.push(tryOf(r));
      bytes.push(await storedBytes(ctx, target));
    }
    const head = await unmeasured(ctx, { op: 'read', target });
    await ctx.engine.run({ op: 'drop', target });
    const bad = mismatch(head, expectedOf(final));
    const optimum = await freshBytes(ctx, peak, 'appends-optimum', { key: `append-final:${name}`, table: final });
    const one = bytes[0]!;
    const stored = bytes[bytes.length - 1]!;
    const extra: Record<string, number | string> = {
      appendedRowsPerAppend: batches[0]!.numRows,
      optimumBytes: optimum,
      appendFinalOverOptimum: stored / optimum,
      appendMeanNewBytes: (stored - one) / APPENDS,
    };
    bytes.forEach((b, i) => (extra[`bytesA${i}`] = b));
    return {
      status: bad ? 'rejected' : 'ok',
      ...(bad ? { error: `head after ${APPENDS} appends ${bad}` } : {}),
      tries,
      rssPeakBytes: peak.peak,
      storage: { bytes: stored, versions: APPENDS + 1, dedup: dedupOf(stored, APPENDS + 1, one) },
      extra,
    };
  },
};

/** A delete case: the rows matching `filterOf(rows)` removed as the next version. */
function makeDeleteCase(name: string, shape: string, filterOf: (rows: number) => Filter): BenchCase {
  return {
    name,
    summary: `delete ~${DELETE_FRACTION * 100}% of the rows ${shape}: new bytes vs one version`,
    throughput: false,
    applies: seeded,
    headline: (r) => `${signedPercent(r.extra?.deleteNewFraction)} bytes of one version`,
    async run(ctx) {
      const peak = new PeakTracker();
      const table = ctx.dataset.table;
      const filter = filterOf(table.numRows);
      const doomed = filterRows(table, filter);
      const c = await changeOnce(ctx, peak, name, { op: 'delete', target: name, filter }, expectedOf(withoutRows(table, doomed)));
      const added = c.after - c.before;
      return {
        ...changeOutcome('delete', c, peak, {
          deletedRows: doomed.length,
          deleteNewBytes: added,
          deleteNewFraction: c.before > 0 ? added / c.before : 0,
        }),
        config: { predicate: filterToString(filter) },
      };
    },
  };
}

export const deleteCase = makeDeleteCase('delete', 'scattered over the table (value < 0.04)', (rows) => deleteFilters(rows).scattered);
export const deleteRangeCase = makeDeleteCase('delete-range', 'as one contiguous id range mid-table', (rows) => deleteFilters(rows).range);

/** add-column: the dataset plus a derived float64 column as the next version; new bytes vs the column's own. */
export const addColumnCase: BenchCase = {
  name: 'add-column',
  summary: `add a float64 column derived from id ("${ADDED_COLUMN}"): new bytes, beside the column alone written as a table`,
  throughput: false,
  applies: seeded,
  headline: (r) => `+${Number(r.extra?.addColumnNewBytes)} B (${signedPercent(r.extra?.addColumnNewFraction)}), the column alone ${Number(r.extra?.addColumnOwnBytes)} B`,
  async run(ctx) {
    const peak = new PeakTracker();
    const name = ctx.dataset.spec.name;
    const column = derivedColumn(ctx.dataset.table);
    const widened = withColumn(ctx.dataset.table, ADDED_COLUMN, column);
    const target = 'add-column';
    const c = await changeOnce(ctx, peak, target, { op: 'add-column', target, next: { key: `add-column:${name}`, table: widened } }, expectedOf(widened));
    const own = await freshBytes(ctx, peak, 'add-column-own', { key: `column-alone:${name}`, table: new Table({ [ADDED_COLUMN]: column }) });
    const added = c.after - c.before;
    return changeOutcome('column was added', c, peak, {
      addColumnNewBytes: added,
      addColumnNewFraction: c.before > 0 ? added / c.before : 0,
      addColumnOwnBytes: own,
      addColumnNewOverOwn: own > 0 ? added / own : 0,
    });
  },
};

/** branch-write: the identical data on a branch (Delta: a full copy of the table directory). */
export const branchWriteCase: BenchCase = {
  name: 'branch-write',
  summary: 'identical data on a branch: new bytes (Armillaria: createBranch + write; Delta has no branches: full copy)',
  throughput: false,
  feature: 'branch',
  applies: () => true,
  headline: (r) =>
    `+${Number(r.extra?.branchNewBytes)} B${r.extra?.branchNewChunkBytes !== undefined ? ` (chunks +${Number(r.extra.branchNewChunkBytes)} B)` : ''}${r.config.method === 'full-copy' ? ' (full copy)' : ''}`,
  async run(ctx) {
    const peak = new PeakTracker();
    const target = 'branch-write';
    const branch = 'same';
    const c = await changeOnce(ctx, peak, target, { op: 'branch-write', target, name: branch, source: datasetSource(ctx) }, { rows: ctx.dataset.table.numRows, checksum: ctx.dataset.checksum }, branch);
    const added = c.after - c.before;
    const chunkBytes = c.r.extra?.newBytes;
    return {
      ...changeOutcome('identical write on a branch', c, peak, {
        branchNewBytes: added,
        branchNewFraction: c.before > 0 ? added / c.before : 0,
        ...(typeof chunkBytes === 'number' ? { branchNewChunkBytes: chunkBytes } : {}),
      }),
      config: { method: ctx.engine.engine === 'delta' ? 'full-copy' : 'createBranch + write' },
    };
  },
};
