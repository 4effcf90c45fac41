import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type * as NativeBinding from '../index.js';

export type Native = typeof NativeBinding;

/** Loads the addon the way core does: the generated CJS loader through createRequire. */
export function loadNative(): Native {
  return createRequire(import.meta.url)('../index.js') as Native;
}

/** Runs `fn` with a fresh store root that is removed afterwards. */
export async function withTempRoot<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'armillaria-native-'));
  try {
    return await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The official BLAKE3 test-vector input: byte i is i % 251. */
export function vectorInput(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = i % 251;
  return bytes;
}

/** Object path of `id` under `root` (the fixed layout). */
export function objectPath(root: string, id: string): string {
  return join(root, 'objects', id.slice(0, 2), id.slice(2));
}

/** Captures the rejection of `promise` (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
