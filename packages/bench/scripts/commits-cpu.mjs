#!/usr/bin/env node
// Where the CPU of the `commits-apart` case goes on S3: 8 writer processes (the bench's own
// dist/workers/commit-worker.js), a branch each, appending 10 new rows COMMITS times to a fresh
// SeaweedFS started here. CPU time (user + system, /proc/<pid>/stat) of every writer and of the
// server is read at `go` and as each writer reports `done`, so start-up is left out. On a machine
// whose cores the case saturates, cores ÷ CPU per commit bounds the commits per second any tuning
// of these processes can reach.
// Needs `pnpm build` and the venv (SeaweedFS). Usage: node packages/bench/scripts/commits-cpu.mjs [commits=50] [writers=8] [phase=pushdown]
// WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles each writer.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { openStore } from '@armillaria/core';
import { startSeaweed } from '@armillaria/testkit';
import { tableFromArrays, tableToIPC } from 'apache-arrow';

const [commitsArg = '50', writersArg = '8', phase = 'pushdown'] = process.argv.slice(2);
const [commits, writers] = [Number(commitsArg), Number(writersArg)];
const TICK_MS = 10; // USER_HZ is 100 on Linux
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
};

const server = await startSeaweed();
const env = { ...process.env, ARMILLARIA_PHASE: phase, AWS_ENDPOINT_URL: server.endpoint, AWS_REGION: server.region, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
const location = `s3://${server.bucket}/commits-cpu`;
// Each writer's commits append 10 rows no other commit appends, as the bench's (workers/processes.ts).
const dir = mkdtempSync(join(tmpdir(), 'commits-cpu-'));
const rowsOf = (from, n) => tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i)), value: Float64Array.from({ length: n }, (_, i) => (from + i) / 10) });
const small = rowsOf(0, 10);
const rows = Array.from({ length: writers }, (_, i) => {
  const path = join(dir, `w${i}-rows.arrow`);
  writeFileSync(path, tableToIPC(rowsOf((i + 1) * commits * 10, commits * 10), 'file'));
  return path;
});
const seed = await openStore(location, { create: true, phase, s3: { endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } } });
await seed.write('seed', small);
await seed.close();

const worker = new URL('../dist/workers/commit-worker.js', import.meta.url).pathname;
const children = Array.from({ length: writers }, (_, i) => spawn(process.execPath, [...(process.env.WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean), worker, location, `w${i}`, `w${i}`, String(commits), rows[i]], { stdio: ['pipe', 'pipe', 'inherit'], env }));
const lines = children.map((c) => {
  const rl = createInterface({ input: c.stdout });
  const waiting = [];
  rl.on('line', (l) => waiting.shift()?.(l));
  return () => new Promise((r) => waiting.push(r));
});
try {
  await Promise.all(lines.map((next) => next()));
  const before = children.map((c) => cpuMs(c.pid));
  const serverBefore = cpuMs(server.pid);
  const t0 = performance.now();
  children.forEach((c) => c.stdin.write('go\n'));
  const after = await Promise.all(children.map(async (c, i) => {
    const line = await lines[i]();
    if (!line.startsWith('done')) throw new Error(`writer ${i}: ${line}`);
    return cpuMs(c.pid);
  }));
  const ms = performance.now() - t0;
  const serverMs = cpuMs(server.pid) - serverBefore;
  const writersMs = after.reduce((s, a, i) => s + a - before[i], 0);
  const n = commits * writers;
  const perCommit = (writersMs + serverMs) / n;
  console.log(`${writers} writers × ${commits} commits on S3 (SeaweedFS), phase ${phase}: ${(n / (ms / 1000)).toFixed(1)} commits/s in ${ms.toFixed(0)} ms`);
  console.log(`CPU per commit: writers ${(writersMs / n).toFixed(1)} ms, server ${(serverMs / n).toFixed(1)} ms, total ${perCommit.toFixed(1)} ms`);
  console.log(`CPU used ${(((writersMs + serverMs) / ms) * 100).toFixed(0)}% of one core; ${availableParallelism()} cores at that cost bound the rate at ${((availableParallelism() * 1000) / perCommit).toFixed(0)} commits/s`);
} finally {
  // Writers exit by themselves after `done` (a profiler writes its file then); a stuck one is killed.
  await Promise.race([Promise.all(children.map((c) => c.exitCode === null && new Promise((r) => c.once('exit', r)))), new Promise((r) => setTimeout(r, 10_000))]);
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  await server.stop();
}
