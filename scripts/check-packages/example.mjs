// An ESM consumer of the packed packages, run by scripts/check-packages.mjs in a project outside the
// workspace: the README's library example with real data, asserting what comes back.
// EXPECT_NATIVE=1: the addon must load and the store pick a native phase; =0: it must not, the store
// runs `sequential`, and asking for a native phase throws NativeUnavailableError saying why.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { NativeUnavailableError, nativeStatus, openStore } from '@armillaria/core';
import { tableFromArrays } from 'apache-arrow';

const expectNative = process.env.EXPECT_NATIVE === '1';
const status = nativeStatus();
assert.equal(status.available, expectNative, `nativeStatus().available; errors: ${status.errors.join('; ')}`);

const dir = mkdtempSync('./data-esm-'); // a fresh store per run
const store = await openStore(dir, { create: true });
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

if (!expectNative) {
  await assert.rejects(openStore(dir, { phase: 'native-parquet' }), (e) => {
    assert.ok(e instanceof NativeUnavailableError, `expected NativeUnavailableError, got ${e}`);
    assert.equal(e.code, 'ARM_NATIVE_UNAVAILABLE');
    assert.match(e.message, /phase "native-parquet" needs the @armillaria\/native addon, which is unavailable: \S/);
    console.log(`native-parquet refused: ${e.message}`);
    return true;
  });
}
console.log(`esm example ok: phase ${phase}, native ${status.available}, orders 6 rows now / 4 as of ${between.toISOString()}`);
