/**
 * Content ids: the BLAKE3-256 digest of an object's bytes, as 64 lower-case hex characters.
 *
 * Hashing uses `@napi-rs/blake-hash` (a registry package with prebuilt binaries, ~4.5 GB/s here), so
 * the pure-TS `sequential` phase needs no Rust toolchain. The `blake3` npm package 3.0.0 is not used: it
 * is broken as published (its wasm path returns wrong digests for updates over 1 MiB).
 */
import { blake3 } from '@napi-rs/blake-hash';

import { InvalidArgumentError } from '../errors.js';

/** A 64-character lower-case hex BLAKE3-256 digest. */
export type ContentHash = string & { readonly __brand: 'ContentHash' };

const HASH_RE = /^[0-9a-f]{64}$/;

/** BLAKE3-256 of `bytes` as lower-case hex. */
export function hashBytes(bytes: Uint8Array): ContentHash {
  return blake3(bytes).toString('hex') as ContentHash;
}

export function isContentHash(value: unknown): value is ContentHash {
  return typeof value === 'string' && HASH_RE.test(value);
}

/** Returns `value` as a ContentHash or throws an error naming it. */
export function parseContentHash(value: string, what = 'object id'): ContentHash {
  if (!isContentHash(value)) {
    throw new InvalidArgumentError(`chunk-store: invalid ${what} ${JSON.stringify(value)} (expected 64 lower-case hex characters)`);
  }
  return value;
}
