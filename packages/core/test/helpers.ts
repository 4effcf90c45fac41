import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableToIPC, type Table } from 'apache-arrow';

import { getManifest, type Manifest } from '../src/catalog/manifest.js';
import { openStore, type OpenOptions, type Store } from '../src/index.js';

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
