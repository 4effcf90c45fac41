import { describe, expect, it } from 'vitest';

import {
  ArmillariaError, ChunkNotFoundError, CommitConflictError, CorruptChunkError, ErrorCode, InvalidArgumentError,
  isArmillariaError,
} from '../src/index.js';
import { fromNativeError } from '../src/internals.js';

describe('errors', () => {
  it('brands every error so identity survives duplicate module copies', () => {
    const e = new ChunkNotFoundError('a'.repeat(64));
    expect(isArmillariaError(e)).toBe(true);
    expect(e).toBeInstanceOf(ArmillariaError);
    expect(isArmillariaError(new Error('plain'))).toBe(false);
    expect(isArmillariaError({ code: 'ARM_IO' })).toBe(false);
  });

  it('marks commit conflicts retryable and names table and versions', () => {
    const e = new CommitConflictError('events', 41, 42);
    expect(e).toMatchObject({ retryable: true, code: 'ARM_COMMIT_CONFLICT', message: 'transaction: conflict on table "events" (base v41, head v42)' });
  });

  it('maps native error codes to classes, keeping the cause', () => {
    const id = 'c'.repeat(64);
    const actual = 'd'.repeat(64);
    const raw = Object.assign(new Error(`chunk-store: chunk ${id} not found`), { code: 'ARM_CHUNK_NOT_FOUND' });
    const mapped = fromNativeError(raw);
    expect(mapped).toBeInstanceOf(ChunkNotFoundError);
    expect(mapped).toMatchObject({ id, cause: raw, message: `chunk-store: chunk ${id} not found` });
    const corrupt = fromNativeError(Object.assign(new Error(`chunk-store: chunk ${id} is corrupt (content hashes to ${actual})`), { code: 'ARM_CORRUPT_CHUNK' }));
    expect(corrupt).toBeInstanceOf(CorruptChunkError);
    expect(corrupt).toMatchObject({ id, actual });
    expect(fromNativeError(Object.assign(new Error('bad'), { code: 'ARM_INVALID_ARGUMENT' }))).toBeInstanceOf(InvalidArgumentError);
    expect(fromNativeError(new Error('boom'))).toMatchObject({ code: ErrorCode.Internal, message: 'native: boom' });
  });
});

import { nativeStatus } from '../src/index.js';
import { nativeErrorCodes } from '../src/phases/native-binding.js';

describe.skipIf(!nativeStatus().available)('native error codes', () => {
  it('are all known to core, so fromNativeError never falls back to a generic class by accident', () => {
    const known = new Set<string>(Object.values(ErrorCode));
    const codes = nativeErrorCodes()!;
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((c) => !known.has(c))).toEqual([]);
  });
});
