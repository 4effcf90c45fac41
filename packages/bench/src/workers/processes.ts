/**
 * Writers in processes of their own, started together: each prints `ready` once set up, waits for
 * `go` on stdin, works, and prints `done <count>`. The timer runs from `go` to the last `done`, so
 * process start-up and imports are not measured.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { tableToIPC, type Table } from 'apache-arrow';

export interface Started {
  /** Milliseconds from `go` to the last `done`. */
  ms: number;
  /** What each writer reported after `done`: its counts (commits landed, commits failed). */
  counts: number[][];
}

/** Commits landed (`rows`) and failed (`extra.failedCommits`), over writers reporting [landed, failed]. */
export function commitCounts(counts: number[][]): { rows: number; extra: { failedCommits: number } } {
  const sum = (k: number) => counts.reduce((a, c) => a + (c[k] ?? 0), 0);
  return { rows: sum(0), extra: { failedCommits: sum(1) } };
}

/**
 * Splits the rows of a `commits` operation into one Arrow IPC file per writer (`path(i)`), in order,
 * so that no two commits append the same rows: writer `i` gets the `i`-th of `writers` equal parts,
 * and its commit `c` appends the `c`-th of `commits` equal parts of that (commit-worker.ts,
 * committer.py), as a pipeline's appends of new rows would.
 */
export function writeWriterRows(rows: Table, writers: number, path: (i: number) => string): string[] {
  const per = Math.floor(rows.numRows / writers);
  return Array.from({ length: writers }, (_, i) => {
    writeFileSync(path(i), tableToIPC(rows.slice(i * per, (i + 1) * per), 'file'));
    return path(i);
  });
}

/** Runs one writer per command line (`[program, ...args]`), with `env` added to this process's environment. */
export async function runWriters(commands: string[][], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<Started> {
  const children = commands.map(([program, ...args]) => spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  const stderr = children.map(() => [] as string[]);
  const lines = children.map((c, i) => {
    c.stderr.on('data', (d: Buffer) => stderr[i]!.push(d.toString()));
    const rl = createInterface({ input: c.stdout });
    const waiting: ((line: string) => void)[] = [];
    rl.on('line', (l) => waiting.shift()?.(l));
    const exited = new Promise<string>((resolve) => c.on('exit', (code) => resolve(`exited with code ${code}: ${stderr[i]!.join('').slice(-2000)}`)));
    return () => Promise.race([new Promise<string>((r) => waiting.push(r)), exited]);
  });
  const kill = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  const timer = setTimeout(kill, timeoutMs);
  try {
    const expect = async (i: number, word: string): Promise<string> => {
      const line = await lines[i]!();
      if (!line.startsWith(word)) throw new Error(`writer ${i}: expected "${word}", got: ${line}`);
      return line;
    };
    await Promise.all(children.map((_, i) => expect(i, 'ready')));
    const t0 = performance.now();
    children.forEach((c) => c.stdin.write('go\n'));
    const done = await Promise.all(children.map((_, i) => expect(i, 'done')));
    const ms = performance.now() - t0;
    return { ms, counts: done.map((l) => l.split(' ').slice(1).map(Number)) };
  } finally {
    clearTimeout(timer);
    kill();
  }
}
