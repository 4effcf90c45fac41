// Child process for the crash and concurrency tests. Runs against the built package (dist/).
//   node committer.mjs STORE crash                 prints "ready" once the store is open, then appends row n to
//                                                  tables a and b in one transaction, forever; prints
//                                                  "committed n" after each commit returns
//   node committer.mjs STORE own TABLE COUNT       COUNT overwrites of TABLE (no other writer touches it)
//   node committer.mjs STORE shared TABLE COUNT    COUNT overwrites of a table others write too;
//                                                  prints "ok" or "conflict" per attempt
//   node committer.mjs STORE branches PREFIX COUNT for each i < COUNT: create branch PREFIX<i> (prints
//                                                  "created" or "exists"), then try to delete it
//                                                  (prints "deleted" or "gone"), racing other workers
//   node committer.mjs STORE reuse TABLE COUNT     COUNT times: leave a table's chunks behind as garbage
//                                                  (written on a scratch branch that is then deleted),
//                                                  write the same rows to TABLE on main (reusing the
//                                                  garbage), pausing before the commit; prints
//                                                  "ok <i> <rows>" once a read-back matched, or
//                                                  "gc-conflict <i>"
//   node committer.mjs STORE merges TABLE COUNT    COUNT times: write TABLE on a new branch and another
//                                                  table on main, merge the branch into main and delete
//                                                  it (its history is then reached only through the
//                                                  merge); prints "merged <i> <rows>", or "no-base <i>"
//                                                  when an expiry cut main above the fork (it forks again)
//   node committer.mjs STORE gc [expire]           gc in a loop, alternating grace 0 and the default,
//                                                  reflog retention 0; prints "gc <deleted>" per run;
//                                                  with expire, first expires main but its last 2
//                                                  commits (prints "expired <commits>")
// The phase comes from ARMILLARIA_PHASE.
import { tableFromArrays } from 'apache-arrow';

import { BranchNotFoundError, CommitConflictError, InvalidNameError, openStore, withRetry } from '../../dist/index.js';

const [dir, mode, table, count] = process.argv.slice(2);
const store = await openStore(dir, { create: true });
const row = (n) => tableFromArrays({ n: new Int32Array([n]), pid: new Int32Array([process.pid]) });

if (mode === 'crash') {
  process.stdout.write('ready\n'); // the store exists from here on
  const head = await store.read('a').catch(() => undefined);
  let n = head ? head.numRows : 0;
  for (;;) {
    await store.transaction(async (tx) => {
      await tx.write('a', row(n), { mode: 'append' });
      await tx.write('b', row(n), { mode: 'append' });
    }, { retries: 10 });
    process.stdout.write(`committed ${n}\n`);
    n++;
  }
} else if (mode === 'reuse') {
  const rows = (i) => 2000 + (i % 3) * 1000; // three contents, so every write finds chunks of an earlier one
  const data = (i) => tableFromArrays({ id: Int32Array.from({ length: rows(i) }, (_, r) => r), v: Float64Array.from({ length: rows(i) }, (_, r) => r * (1 + (i % 3))) });
  const pause = () => new Promise((r) => setTimeout(r, Math.random() * 30));
  for (let i = 0; i < Number(count); i++) {
    const scratch = `scratch-${table}`;
    // These steps may meet gc too (retryable GcConflictError): retried, as a user would.
    await withRetry(() => store.createBranch(scratch), { retries: 20 });
    await store.transaction((tx) => tx.write(table, data(i), { chunkRows: 500 }), { branch: scratch, retries: 20 });
    await store.deleteBranch(scratch);
    await pause();
    try {
      await store.transaction(async (tx) => {
        await tx.write(table, data(i), { chunkRows: 500 });
        await pause(); // a gc may sweep between the puts and the commit
      });
    } catch (e) {
      if (e?.code !== 'ARM_GC_CONFLICT') throw e;
      process.stdout.write(`gc-conflict ${i}\n`);
      continue;
    }
    const back = await store.read(table);
    const ok = back.numRows === rows(i) && back.getChild('v').get(rows(i) - 1) === (rows(i) - 1) * (1 + (i % 3));
    process.stdout.write(ok ? `ok ${i} ${rows(i)}\n` : `mismatch ${i}\n`);
  }
} else if (mode === 'merges') {
  for (let i = 0; i < Number(count); i++) {
    const side = `side-${table}`;
    const rows = 1000 + i;
    const data = tableFromArrays({ id: Int32Array.from({ length: rows }, (_, r) => r), v: Float64Array.from({ length: rows }, (_, r) => r * i) });
    // An expire that cuts main above the fork leaves the merge no base (its tables conflict): fork again.
    for (let attempt = 1; ; attempt++) {
      await withRetry(() => store.createBranch(side), { retries: 20 });
      await store.transaction((tx) => tx.write(table, data, { chunkRows: 500 }), { branch: side, retries: 20 });
      await store.transaction((tx) => tx.write(`${table}-main`, row(i)), { retries: 20 });
      const merged = await withRetry(() => store.merge(side), { retries: 20 });
      await store.deleteBranch(side);
      if (merged.status === 'merged') break;
      if (attempt === 20) throw new Error(`merge ${i}: ${merged.status} ${JSON.stringify(merged.conflicts)}`);
      process.stdout.write(`no-base ${i}\n`);
    }
    process.stdout.write(`merged ${i} ${rows}\n`);
  }
} else if (mode === 'gc') {
  for (let i = 0; ; i++) {
    if (table === 'expire') process.stdout.write(`expired ${(await store.expire({ keepLast: 2 })).expired}\n`);
    const report = await store.gc({ graceMs: i % 2 === 0 ? 0 : undefined, reflogRetentionMs: 0 });
    process.stdout.write(`gc ${report.deleted}\n`);
  }
} else if (mode === 'branches') {
  const outcome = async (action, yes, no, NoError) => {
    try {
      await action();
      process.stdout.write(`${yes}\n`);
    } catch (e) {
      if (!(e instanceof NoError)) throw e;
      process.stdout.write(`${no}\n`);
    }
  };
  for (let i = 0; i < Number(count); i++) {
    await outcome(() => store.createBranch(`${table}${i}`), 'created', 'exists', InvalidNameError);
    await outcome(() => store.deleteBranch(`${table}${i}`), 'deleted', 'gone', BranchNotFoundError);
  }
} else {
  for (let i = 0; i < Number(count); i++) {
    try {
      await store.write(table, row(i), { message: `${process.pid} ${table} ${i}` });
      process.stdout.write('ok\n');
    } catch (e) {
      if (!(e instanceof CommitConflictError) && e?.code !== 'ARM_COMMIT_CONFLICT') throw e;
      process.stdout.write('conflict\n');
    }
  }
}
