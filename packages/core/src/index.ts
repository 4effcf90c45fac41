/**
 * @armillaria/core — the public API. Explicit named exports only: the exports test pins this list,
 * so API changes are deliberate.
 */
export { openStore, initStore, Store, DEFAULT_BRANCH, DEFAULT_CHUNK_ROWS, DEFAULT_CODEC } from './store.js';
export type { OpenOptions, WriteOptions, WriteResult, ReadOptions, AtOptions, TableInfo, LogEntry, TransactionOptions, TransactionResult, SqlOptions } from './store.js';
export { Transaction, withRetry, type WriteMode, type TxWriteOptions, type StagedWrite } from './catalog/transaction.js';
export type { VerifyReport, GcOptions, GcReport } from './catalog/maintenance.js';
export type { RefInfo, RefKind } from './catalog/refs.js';
export type { RefLogEntry } from './backend/backend.js';
export type { Filter, Scalar, CompareOp } from './table/filter.js';
export type { MergeResult, MergeConflict } from './catalog/merge.js';
export type { DiffResult, TableDiff } from './catalog/diff.js';
export type { ChangeEntry, Subscription } from './catalog/feed.js';
export type { TableSource, TableInput } from './table/source.js';
export { openTableFile, type FileSource } from './io/read-file.js';
export { TABLE_FILE_EXTENSIONS } from './io/formats.js';
export { combineBatches } from './table/concat.js';
export { CODECS, parseCodec, type Codec } from './table/parquet-codec.js';
export type { ChunkStats, ColumnStats, StatValue } from './table/stats.js';
export type { Manifest, ChunkRef } from './catalog/manifest.js';
export type { Commit, TableEntry } from './catalog/commit.js';
export { validateName } from './catalog/names.js';
export { ChunkStore } from './chunk-store/chunk-store.js';
export { LocalBackend } from './backend/local-backend.js';
export type { ObjectBackend, PutResult } from './backend/backend.js';
export { hashBytes, isContentHash, type ContentHash } from './hash/content-hash.js';
export { PHASE_ORDER, type PhaseName, type Phase } from './phases/types.js';
export { PHASES, resolvePhase, parsePhase } from './phases/registry.js';
export { nativeStatus, type NativeStatus } from './native.js';
export { nativeInfo, type NativeInfo } from './phases/native-binding.js';
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
  SchemaMismatchError,
  CommitConflictError,
  InvalidArgumentError,
  InvalidNameError,
  StoreNotFoundError,
  StoreExistsError,
  UnsupportedFormatError,
  NativeUnavailableError,
  LockTimeoutError,
  GcConflictError,
  GcRunningError,
  StorageError,
  UnsupportedVersionError,
  SqlError,
  fromNativeError,
} from './errors.js';
