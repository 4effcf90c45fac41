/**
 * pushdown — native-parquet, plus: a read with a filter skips chunks whose statistics rule it out and
 * decodes only the columns the projection and the filter need; a read with a column list decodes only
 * those columns. Earlier phases decode every column of every chunk, then filter and project.
 * Expected: query-dependent (proportional to the chunks and columns skipped).
 */
import { nativeParquetRuntime } from './native-parquet.js';
import type { Phase } from './types.js';

export const pushdown: Phase = {
  name: 'pushdown',
  summary: 'skip chunks by per-chunk statistics; decode only requested columns',
  needsNative: true,
  needsLocalFiles: false,
  pushdown: true,
  create: (ctx) => nativeParquetRuntime(ctx, 'pushdown', true),
};
