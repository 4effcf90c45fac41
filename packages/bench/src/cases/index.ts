/** The case registry, in run order (versions before time-travel, which reuses its history). */
import type { BenchCase } from './case.js';
import { appendCase, readCase, readFilterCase, readProjectionCase, writeCase } from './io.js';
import { branchCase, timeTravelCase, versionsCase } from './history.js';
import { dedupCase } from './dedup.js';
import { reimportCase } from './reimport.js';
import { upsertCase } from './upsert.js';
import { optimizeCase } from './optimize.js';
import { addColumnCase, appendsCase, branchWriteCase, deleteCase, deleteRangeCase } from './storage.js';
import { commitCase, commitsApartCase, commitsCase } from './commit.js';
import { sqlFilterCase, sqlGroupCase, sqlJoinCase, sqlUpdatedCase } from './sql.js';
import { publishCase } from './views.js';

export const CASES: readonly BenchCase[] = [
  writeCase,
  readCase,
  readProjectionCase,
  readFilterCase,
  appendCase,
  versionsCase,
  timeTravelCase,
  dedupCase,
  reimportCase,
  upsertCase,
  appendsCase,
  optimizeCase,
  deleteCase,
  deleteRangeCase,
  addColumnCase,
  branchWriteCase,
  branchCase,
  commitCase,
  commitsCase,
  commitsApartCase,
  sqlFilterCase,
  sqlGroupCase,
  sqlJoinCase,
  sqlUpdatedCase,
  publishCase,
];

export const CASE_NAMES = CASES.map((c) => c.name);

/** Look up cases by name, with an error listing the known names. */
export function selectCases(names: readonly string[] | undefined): BenchCase[] {
  if (!names || names.length === 0) return [...CASES];
  return names.map((n) => {
    const c = CASES.find((x) => x.name === n);
    if (!c) throw new Error(`bench: unknown case "${n}" (known: ${CASE_NAMES.join(', ')})`);
    return c;
  }).sort((a, b) => CASES.indexOf(a) - CASES.indexOf(b));
}

export type { BenchCase, CaseContext, CaseOutcome, CaseSettings, SessionState } from './case.js';
