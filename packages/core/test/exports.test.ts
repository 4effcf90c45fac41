import { describe, expect, it } from 'vitest';

import * as core from '../src/index.js';

describe('public API', () => {
  it('exports exactly these names (change deliberately)', () => {
    expect(Object.keys(core).sort()).toEqual(
      [
        'ArmillariaError', 'BranchNotFoundError', 'CODECS', 'ChunkNotFoundError', 'combineBatches', 'ChunkStore', 'CommitConflictError',
        'CorruptChunkError', 'CorruptObjectError', 'GcConflictError', 'GcRunningError', 'StorageError', 'UnsupportedVersionError', 'DEFAULT_BRANCH', 'DEFAULT_CHUNK_ROWS', 'DEFAULT_CODEC', 'ErrorCode', 'InvalidArgumentError',
        'InvalidNameError', 'LocalBackend', 'LockTimeoutError', 'NativeUnavailableError', 'ObjectNotFoundError', 'PHASES',
        'PHASE_ORDER', 'RefNotFoundError', 'SchemaMismatchError', 'SqlError', 'Store', 'StoreExistsError', 'StoreNotFoundError', 'TABLE_FILE_EXTENSIONS',
        'TableNotFoundError', 'Transaction', 'UnsupportedFormatError', 'VersionNotFoundError', 'fromNativeError', 'hashBytes', 'initStore',
        'isArmillariaError', 'isContentHash', 'nativeInfo', 'nativeStatus', 'openStore', 'openTableFile', 'parseCodec', 'parsePhase', 'resolvePhase',
        'validateName', 'withRetry',
      ].sort(),
    );
  });
});
