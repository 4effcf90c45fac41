/**
 * Lazy, cached loader for @armillaria/native. Never throws at import; `nativeStatus()` says whether
 * the addon loaded and, if not, why. ARMILLARIA_NATIVE=off forces pure JS, =require makes a missing
 * addon an error at the first status check (CI sets it so a broken build cannot pass as skipped).
 */
import { createRequire } from 'node:module';

import { NativeUnavailableError } from './errors.js';

export interface NativeStatus {
  available: boolean;
  /** The loaded module when available. Typed loosely here; phases wrap it with typed helpers. */
  module?: Record<string, unknown>;
  /** Why it is unavailable: one line per cause. */
  errors: string[];
  cause?: unknown;
}

let cached: NativeStatus | undefined;

export function nativeStatus(): NativeStatus {
  if (cached) return cached;
  const mode = process.env.ARMILLARIA_NATIVE ?? 'auto';
  if (mode === 'off') {
    cached = { available: false, errors: ['disabled by ARMILLARIA_NATIVE=off'] };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { available: true, module: require('@armillaria/native') as Record<string, unknown>, errors: [] };
  } catch (e) {
    cached = { available: false, errors: [`cannot load @armillaria/native: ${loadProblem(e as Error)}`], cause: e };
  }
  if (mode === 'require' && !cached.available) {
    throw new NativeUnavailableError('ARMILLARIA_NATIVE=require', cached.errors, { cause: cached.cause });
  }
  return cached;
}

/**
 * The loader's first line, or for a binary that is simply absent, what to do about it (the napi-rs
 * loader's own words there blame an npm bug, which is rarely the cause).
 */
function loadProblem(e: Error): string {
  const first = e.message.split('\n')[0]!;
  if (!first.startsWith('Cannot find native binding')) return first;
  const platform = `${process.platform}-${process.arch}`;
  return (
    `no addon binary for ${platform} is installed: neither a prebuilt package (@armillaria/native-${platform}-…) ` +
    'nor one built from source at install (that needs Rust\'s cargo on the PATH; then reinstall @armillaria/native)'
  );
}
