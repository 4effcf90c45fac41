#!/usr/bin/env node
/**
 * One Armillaria writer of the `commits` cases (workers/processes.ts has the protocol):
 *   node commit-worker.js LOCATION BRANCH TABLE COMMITS ROWS_FILE
 * appends the rows in ROWS_FILE (Arrow IPC) to TABLE on BRANCH (created from main if needed, before
 * `ready`) in COMMITS commits, the `i`-th of COMMITS equal runs of them each, and prints
 * `done <landed> <failed>` (a commit conflict, which appends to tables of their own never meet,
 * counts as failed). Phase, codec and S3 settings come from the environment (ARMILLARIA_PHASE,
 * ARMILLARIA_BENCH_CODEC, AWS_*).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { tableFromIPC } from 'apache-arrow';
import { openStore, parseCodec } from '@armillaria/core';

const [location, branch, table, commits, rowsFile] = process.argv.slice(2);
const store = await openStore(location!, { codec: parseCodec(process.env.ARMILLARIA_BENCH_CODEC ?? 'snappy') });
const rows = tableFromIPC(readFileSync(rowsFile!));
const per = Math.floor(rows.numRows / Number(commits));
if (branch !== 'main' && !(await store.branches()).some((b) => b.name === branch)) await store.createBranch(branch!);
const go = new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
process.stdout.write('ready\n');
await go;
let landed = 0;
let failed = 0;
for (let i = 0; i < Number(commits); i++) {
  try {
    await store.write(table!, rows.slice(i * per, (i + 1) * per), { mode: 'append', branch: branch!, message: `commit ${i} of ${table}` });
    landed++;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ARM_COMMIT_CONFLICT') throw e;
    failed++;
  }
}
process.stdout.write(`done ${landed} ${failed}\n`);
await store.close();
process.exit(0);
