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
import { tableFromArrays } from 'apache-arrow';

import { BranchNotFoundError, CommitConflictError, InvalidNameError, openStore } from '../../dist/index.js';

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
