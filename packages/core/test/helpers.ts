import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { tableToIPC, type Table } from 'apache-arrow';
import { vi } from 'vitest';

import { objectPath } from '../src/backend/layout.js';
import { main } from '../src/cli/main.js';

import { getManifest, type Manifest } from '../src/catalog/manifest.js';
import { openStore, type OpenOptions, type Store } from '../src/index.js';

/**
 * Where a test's store lives, and how the test reaches past the store to its objects (to damage or
 * remove one). `localHost` is a temp directory; test/s3/server.ts has the S3 one.
 */
export interface StoreHost {
  name: string;
  withStore<T>(fn: (store: Store) => Promise<T>, options?: OpenOptions): Promise<T>;
  readObject(store: Store, id: string): Promise<Uint8Array>;
  writeObject(store: Store, id: string, bytes: Uint8Array): Promise<void>;
  removeObject(store: Store, id: string): Promise<void>;
}

export const localHost: StoreHost = {
  name: 'local',
  withStore: (fn, options) => withTempStore((store) => fn(store), options),
  readObject: (store, id) => readFile(objectPath(store.path, id)),
  writeObject: (store, id, bytes) => writeFile(objectPath(store.path, id), bytes),
  removeObject: (store, id) => rm(objectPath(store.path, id)),
};

/** Runs `fn` with a fresh store in its own temp directory, removed afterwards. */
export async function withTempStore<T>(fn: (store: Store, dir: string) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-test-'));
  try {
    const store = await openStore(dir, { create: true, fsync: false, ...options });
    try {
      return await fn(store, dir);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'armillaria-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Tables are equal when schema (incl. metadata) and every value match: compare canonical IPC bytes. */
export function ipcOf(t: Table): Buffer {
  return Buffer.from(tableToIPC(t, 'stream'));
}

/** The head manifest of `table`, with its whole chunk list. */
export async function manifestOf(store: Store, table: string): Promise<Manifest & { pages: string[] }> {
  return getManifest(store.chunks, (await store.describe(table)).manifest);
}

/** Runs the CLI in-process; returns exit code and captured output. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'armillaria', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = 0;
  }
}

/**
 * A digest of what a store holds (every file's path and bytes; temp and lock files aside), to check
 * that a failed operation left it as it was. `refsOnly`: just the refs and the reflog.
 */
export async function storeDigest(dir: string, { refsOnly = false }: { refsOnly?: boolean } = {}): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, e.name);
      const rel = relative(dir, path);
      if (e.isDirectory()) {
        if (rel !== 'tmp') await walk(path);
      } else if (!/\.(lock|tmp|breaker)$/.test(e.name) && (!refsOnly || rel.startsWith('refs') || rel.startsWith('logs'))) {
        hash.update(`${rel}\0`).update(await readFile(path)).update('\0');
      }
    }
  };
  await walk(dir);
  return hash.digest('hex');
}
