import { describe, expect, it } from 'vitest';

import * as core from '../src/index.js';
import * as internals from '../src/internals.js';

describe('public API', () => {
  it('exports exactly these names at the root (change deliberately)', () => {
    expect(Object.keys(core).sort()).toEqual(
      [
        'ArmillariaError', 'BranchNotFoundError', 'CHANGE_COLUMNS', 'CODECS', 'ChunkNotFoundError', 'CommitConflictError', 'CorruptChunkError',
        'CorruptObjectError', 'DEFAULT_BRANCH', 'DuplicateKeyError', 'DEFAULT_CHUNK_ROWS', 'DEFAULT_CODEC', 'ErrorCode', 'GcConflictError', 'GcRunningError',
        'InvalidArgumentError', 'InvalidNameError', 'KeyNotFoundError', 'LockTimeoutError', 'NativeUnavailableError', 'ObjectNotFoundError', 'PHASE_ORDER',
        'RefNotFoundError', 'SchemaMismatchError', 'SqlError', 'StorageError', 'Store', 'StoreClosedError', 'StoreExistsError',
        'StoreNotFoundError', 'TABLE_FILE_EXTENSIONS', 'TableNotFoundError', 'Transaction', 'UnsupportedFormatError', 'UnsupportedTypeError', 'UnsupportedFeatureError',
        'UnsupportedVersionError', 'VersionExpiredError', 'VersionNotFoundError', 'initStore', 'isArmillariaError', 'nativeStatus', 'openStore',
        'openTableFile', 'parseCodec', 'withRetry',
      ].sort(),
    );
  });

  it('keeps the engine parts at the internals subpath, none of them also at the root', () => {
    expect(Object.keys(internals).sort()).toEqual(
      ['ChunkStore', 'LocalBackend', 'PHASES', 'combineBatches', 'fromNativeError', 'hashBytes', 'isContentHash', 'nativeInfo', 'parsePhase', 'resolvePhase', 'takeBatch', 'validateName'].sort(),
    );
    expect(Object.keys(internals).filter((name) => name in core)).toEqual([]);
  });
});
