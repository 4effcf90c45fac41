// A CommonJS consumer of the packed packages (require(esm), Node >= 20.19), run by
// scripts/check-packages.mjs in a project outside the workspace: the same README flow as example.mjs.
// EXPECT_NATIVE=1: the addon must load and the store pick a native phase; =0: it must not.
// ARROW_ESM=1 builds the input tables with apache-arrow's ESM build (the copy core imports) instead
// of require('apache-arrow'), which loads its CommonJS build: a second copy of Arrow's classes.
'use strict';
const assert = require('node:assert/strict');
const { mkdtempSync } = require('node:fs');
const { setTimeout: sleep } = require('node:timers/promises');

const { nativeStatus, openStore } = require('@armillaria/core');

async function main() {
  const { tableFromArrays } = process.env.ARROW_ESM === '1' ? await import('apache-arrow') : require('apache-arrow');
  const expectNative = process.env.EXPECT_NATIVE === '1';
  const status = nativeStatus();
  assert.equal(status.available, expectNative, `nativeStatus().available; errors: ${status.errors.join('; ')}`);

  const store = await openStore(mkdtempSync('./data-cjs-'), { create: true }); // a fresh store per run
  if (expectNative) assert.notEqual(store.phase, 'sequential', 'auto picks a native phase when the addon loads');
  else assert.equal(store.phase, 'sequential');

  const orders = tableFromArrays({ id: Int32Array.from([1, 2, 3, 4]), region: ['eu', 'us', 'eu', 'ap'], total: Float64Array.from([10, 20, 30, 40]) });
  const inventory = tableFromArrays({ sku: ['a', 'b', 'c'], qty: Int32Array.from([0, 5, 0]) });
  await store.transaction(async (tx) => {
    await tx.write('orders', orders, { mode: 'append' });
    await tx.write('inventory', inventory);
  }, { message: 'initial load' });
  await sleep(30);
  const between = new Date();
  await sleep(30);
  const more = tableFromArrays({ id: Int32Array.from([5, 6]), region: ['us', 'ap'], total: Float64Array.from([50, 60]) });
  await store.transaction(async (tx) => {
    await tx.write('orders', more, { mode: 'append' });
    await tx.delete('inventory', { column: 'qty', op: '=', value: 0 });
  }, { message: 'nightly load', retries: 3 });

  const now = await store.read('orders', { columns: ['id', 'total'] });
  assert.deepEqual(now.schema.fields.map((f) => f.name), ['id', 'total']);
  assert.deepEqual([...now.getChild('id')].sort(), [1, 2, 3, 4, 5, 6]);
  const before = await store.read('orders', { asOf: between, columns: ['id', 'total'] });
  assert.deepEqual([...before.getChild('total')].sort((a, b) => a - b), [10, 20, 30, 40]);
  const v1 = await store.read('orders', { version: 1 });
  assert.equal(v1.numRows, 4);
  const stock = await store.read('inventory');
  assert.deepEqual([...stock.getChild('sku')], ['b']);

  const totals = await store.sql('SELECT region, sum(total) AS total FROM orders GROUP BY region ORDER BY region'); // DuckDB
  assert.deepEqual(totals.toArray().map((r) => [r.region, Number(r.total)]), [['ap', 100], ['eu', 40], ['us', 70]]);
  const counted = await store.sql('SELECT count(*) AS n FROM orders', { asOf: between });
  assert.equal(Number(counted.toArray()[0].n), 4);
  const phase = store.phase;
  await store.close();
  console.log(`cjs example ok: phase ${phase}, native ${status.available}, orders 6 rows now / 4 as of ${between.toISOString()}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
