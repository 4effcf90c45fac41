/**
 * @armillaria/core — the public API: open a store, write, read and query versioned tables, branch,
 * merge, and the errors they throw. Explicit named exports only: the exports test pins this list,
 * so API changes are deliberate. The engine's parts (chunk store, backends, phases, hashing) are at
 * `@armillaria/core/internals`, for the benchmark harness and tools; they carry no stability promise.
 * @packageDocumentation
 */
export { openStore, initStore, Store, DEFAULT_BRANCH, DEFAULT_CHUNK_ROWS, DEFAULT_CODEC } from './store.js';
export type { OpenOptions, WriteOptions, WriteResult, ReadOptions, AtOptions, TableInfo, LogEntry, CommitShown, MergeOptions, TransactionOptions, TransactionResult, FeedRange, SqlOptions, PublishOptions, DeltaPublishOptions, IcebergPublishOptions, PublishReport, ImportDeltaOptions } from './store.js';
export type { ImportedVersion } from './views/delta-import.js';
export type { DeltaPublishReport, DeltaPublishedVersion } from './views/delta.js';
export type { IcebergPublishReport, IcebergPublishedVersion } from './views/iceberg.js';
export type { Placement } from './views/view-files.js';
export { Transaction, withRetry, type CommitOutcome } from './catalog/transaction.js';
export type { WriteMode, TxWriteOptions, StagedWrite } from './ops/write.js';
export type { UpdateOptions, UpsertOptions, UpsertResult } from './ops/update.js';
export type { OptimizeResult } from './ops/optimize.js';
export type { ManifestReadOptions } from './table/table-reader.js';
export type { Authorship, Commit, CommitInfo, TableEntry } from './catalog/commit.js';
export type { VerifyReport, GcOptions, GcReport } from './ops/maintenance.js';
export type { ExpireOptions, ExpireReport } from './catalog/expiry.js';
export type { RefInfo, RefKind } from './catalog/refs.js';
export type { RefLogEntry } from './backend/backend.js';
export type { S3Options } from './backend/s3-backend.js';
export type { Filter, Scalar, CompareOp } from './table/filter.js';
export type { MergeResult, MergeConflict, MergeStrategy, MergeStrategies } from './ops/merge.js';
export type { PendingMerge } from './catalog/pending-merge.js';
export type { DiffResult, TableDiff } from './ops/diff.js';
export type { ChangeEntry, Subscription } from './ops/feed.js';
export { CHANGE_COLUMNS, type ChangeType } from './ops/row-changes.js';
export type { TableSource, TableInput } from './table/source.js';
export { openTableFile, type FileSource } from './io/read-file.js';
export { TABLE_FILE_EXTENSIONS } from './io/formats.js';
export { CODECS, parseCodec, type Codec } from './table/parquet-codec.js';
export { PHASE_ORDER, type PhaseName } from './phases/types.js';
export { nativeStatus, type NativeStatus } from './native.js';
export {
  ErrorCode,
  ArmillariaError,
  isArmillariaError,
  ChunkNotFoundError,
  CorruptChunkError,
  CorruptObjectError,
  ObjectNotFoundError,
  TableNotFoundError,
  BranchNotFoundError,
  RefNotFoundError,
  VersionNotFoundError,
  VersionExpiredError,
  SchemaMismatchError,
  DuplicateKeyError,
  KeyNotFoundError,
  CommitConflictError,
  InvalidArgumentError,
  InvalidNameError,
  StoreNotFoundError,
  StoreExistsError,
  StoreClosedError,
  UnsupportedFormatError,
  UnsupportedTypeError,
  UnsupportedFeatureError,
  NativeUnavailableError,
  LockTimeoutError,
  GcConflictError,
  GcRunningError,
  StorageError,
  UnsupportedVersionError,
  SqlError,
} from './errors.js';
