/**
 * Typed errors with stable codes.
 *
 * Every error Armillaria throws is an `ArmillariaError` with a `code` from `ErrorCode`; the message
 * starts with a lower-case subsystem prefix and names the offending value (`catalog: table "x" not
 * found`). Identity uses a brand (`isArmillariaError`) rather than `instanceof`, because bench and
 * core can end up with two copies of this module. `fromNativeError` is the one place that reads the
 * codes the Rust addon emits.
 */

export const ErrorCode = {
  ChunkNotFound: 'ARM_CHUNK_NOT_FOUND',
  CorruptChunk: 'ARM_CORRUPT_CHUNK',
  ObjectNotFound: 'ARM_OBJECT_NOT_FOUND',
  TableNotFound: 'ARM_TABLE_NOT_FOUND',
  BranchNotFound: 'ARM_BRANCH_NOT_FOUND',
  RefNotFound: 'ARM_REF_NOT_FOUND',
  VersionNotFound: 'ARM_VERSION_NOT_FOUND',
  VersionExpired: 'ARM_VERSION_EXPIRED',
  SchemaMismatch: 'ARM_SCHEMA_MISMATCH',
  DuplicateKey: 'ARM_DUPLICATE_KEY',
  KeyNotFound: 'ARM_KEY_NOT_FOUND',
  CommitConflict: 'ARM_COMMIT_CONFLICT',
  InvalidArgument: 'ARM_INVALID_ARGUMENT',
  InvalidName: 'ARM_INVALID_NAME',
  StoreNotFound: 'ARM_STORE_NOT_FOUND',
  StoreExists: 'ARM_STORE_EXISTS',
  StoreClosed: 'ARM_STORE_CLOSED',
  UnsupportedFormat: 'ARM_UNSUPPORTED_FORMAT',
  UnsupportedType: 'ARM_UNSUPPORTED_TYPE',
  UnsupportedFeature: 'ARM_UNSUPPORTED_FEATURE',
  NativeUnavailable: 'ARM_NATIVE_UNAVAILABLE',
  LockTimeout: 'ARM_LOCK_TIMEOUT',
  GcConflict: 'ARM_GC_CONFLICT',
  GcRunning: 'ARM_GC_RUNNING',
  MalformedFile: 'ARM_MALFORMED_FILE',
  Sql: 'ARM_SQL',
  Io: 'ARM_IO',
  Parquet: 'ARM_PARQUET',
  Arrow: 'ARM_ARROW',
  Internal: 'ARM_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('armillaria:error');

/** Base class of every error Armillaria throws. */
export class ArmillariaError extends Error {
  readonly code: ErrorCode;
  /** True when retrying the same operation may succeed (e.g. a commit conflict). */
  readonly retryable: boolean = false;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any Armillaria error, even one thrown by another copy of this module. */
export function isArmillariaError(e: unknown): e is ArmillariaError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** A chunk id was requested that the store does not hold. */
export class ChunkNotFoundError extends ArmillariaError {
  constructor(readonly id: string, options?: { cause?: unknown }) {
    super(ErrorCode.ChunkNotFound, `chunk-store: chunk ${id} not found`, options);
  }
}

/**
 * Stored bytes no longer hash to their id. `kind` says what the object is (chunk, manifest, commit,
 * manifest page, deletion vector, column patch), as far as the reader knows.
 */
export class CorruptChunkError extends ArmillariaError {
  constructor(readonly id: string, readonly actual: string, options?: { cause?: unknown; kind?: string }) {
    super(ErrorCode.CorruptChunk, `chunk-store: ${options?.kind ?? 'chunk'} ${id} is corrupt (content hashes to ${actual})`, options);
  }
}

/**
 * A stored object or store file that cannot be what it claims to be: a manifest that does not decode,
 * a ref or marker file that is not what this version writes. Same code as a failed hash check.
 */
export class CorruptObjectError extends ArmillariaError {
  constructor(readonly kind: string, readonly id: string, readonly problem: string, options?: { cause?: unknown }) {
    super(ErrorCode.CorruptChunk, `catalog: ${kind} ${id} is corrupt: ${problem}`, options);
  }
}

/** Something stored was written by a newer (or unknown) format than this version reads. */
export class UnsupportedVersionError extends ArmillariaError {
  constructor(readonly kind: string, readonly where: string, readonly found: unknown, readonly supported: number) {
    super(
      ErrorCode.UnsupportedFormat,
      `catalog: ${kind} ${where} has format ${JSON.stringify(found)}; this version of Armillaria reads format ${supported}${typeof found === 'number' && found > supported ? ' (upgrade Armillaria to read it)' : ''}`,
    );
  }
}

/**
 * The storage medium refused an operation (permissions, a read-only or full file system, a path
 * that is not a directory). `path` and `syscallCode` name what failed.
 */
export class StorageError extends ArmillariaError {
  constructor(readonly action: string, readonly path: string, readonly syscallCode: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.Io, `storage: cannot ${action} ${path}: ${reason} (${syscallCode})`, options);
  }
}

/**
 * A commit named objects that a concurrent gc removed while the commit was being written (objects
 * the write found in the store and reused). Nothing was committed; running the write again stores
 * them afresh. See catalog/sweep-fence.ts.
 */
export class GcConflictError extends ArmillariaError {
  override readonly retryable = true;
  constructor(readonly missing: string[], readonly ref: string) {
    super(
      ErrorCode.GcConflict,
      `transaction: gc removed ${missing.length} object(s) the update of ${ref} names while it was written (first: ${missing[0]}); nothing was committed, retry`,
    );
  }
}

/** Another gc is sweeping the store (one sweep at a time), or writers waited too long for one. */
export class GcRunningError extends ArmillariaError {
  override readonly retryable = true;
  constructor(readonly owner: string, readonly since: string, detail = 'another gc is running') {
    super(ErrorCode.GcRunning, `gc: ${detail} (${owner}, since ${since})`);
  }
}

/** A manifest or commit object is missing or not what its reference says it is. */
export class ObjectNotFoundError extends ArmillariaError {
  constructor(readonly kind: string, readonly id: string) {
    super(ErrorCode.ObjectNotFound, `catalog: ${kind} ${id} not found`);
  }
}

export class TableNotFoundError extends ArmillariaError {
  constructor(readonly table: string, readonly ref: string) {
    super(ErrorCode.TableNotFound, `catalog: table "${table}" not found on ${ref}`);
  }
}

export class BranchNotFoundError extends ArmillariaError {
  constructor(readonly branch: string) {
    super(ErrorCode.BranchNotFound, `catalog: branch "${branch}" not found`);
  }
}

export class RefNotFoundError extends ArmillariaError {
  constructor(readonly ref: string) {
    super(ErrorCode.RefNotFound, `catalog: ref "${ref}" not found`);
  }
}

export class VersionNotFoundError extends ArmillariaError {
  constructor(readonly table: string, readonly version: number, readonly latest: number) {
    super(ErrorCode.VersionNotFound, `catalog: table "${table}" has no version ${version} (latest is ${latest})`);
  }
}

/** A version, time or commit from history that `expire` dropped (catalog/expiry.ts). */
export class VersionExpiredError extends ArmillariaError {
  constructor(readonly what: string, readonly oldest: string) {
    super(ErrorCode.VersionExpired, `catalog: ${what} has expired (the oldest kept is ${oldest})`);
  }
}

/** An append (or merge) whose schema differs from the table's; `differences` lists each one. */
export class SchemaMismatchError extends ArmillariaError {
  constructor(readonly table: string, readonly differences: string[]) {
    super(ErrorCode.SchemaMismatch, `table: schema of "${table}" differs: ${differences.join('; ')}`);
  }
}

/** A write would leave two rows of a table with the same declared key. */
export class DuplicateKeyError extends ArmillariaError {
  constructor(
    readonly table: string,
    /** The key, as `column = value, ...`. */
    readonly key: string,
  ) {
    super(ErrorCode.DuplicateKey, `table: key ${key} appears twice in "${table}" (its key columns identify one row each)`);
  }
}

/** An update names keys the table does not have (an upsert would insert them). */
export class KeyNotFoundError extends ArmillariaError {
  constructor(
    readonly table: string,
    /** The keys, each as `column = value, ...` (at most the first ten). */
    readonly keys: string[],
    readonly count: number,
  ) {
    const more = count > keys.length ? ` and ${count - keys.length} more` : '';
    super(ErrorCode.KeyNotFound, `update: ${count} update row(s) match no row of "${table}": ${keys.map((k) => `(${k})`).join(', ')}${more} (upsert inserts them; ignoreMissing skips them)`);
  }
}

/** The branch head moved under a commit in a way that cannot be rebased; retry from the new head. */
export class CommitConflictError extends ArmillariaError {
  override readonly retryable = true;
  constructor(
    readonly table: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    detail?: string,
  ) {
    super(
      ErrorCode.CommitConflict,
      `transaction: conflict on table "${table}" (base v${expectedVersion}, head v${actualVersion})${detail ? `: ${detail}` : ''}`,
    );
  }
}

export class InvalidArgumentError extends ArmillariaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidArgument, message, options);
  }
}

/** A table, branch or tag name broke one of the naming rules; the message says which. */
export class InvalidNameError extends ArmillariaError {
  constructor(readonly kind: string, readonly value: string, readonly rule: string) {
    super(ErrorCode.InvalidName, `names: invalid ${kind} name ${JSON.stringify(value)}: ${rule}`);
  }
}

export class StoreNotFoundError extends ArmillariaError {
  constructor(readonly path: string) {
    super(ErrorCode.StoreNotFound, `store: no Armillaria store at ${path} (run \`armillaria init\` first)`);
  }
}

/** A store (or a transaction begun on it) was used after `store.close()`. */
export class StoreClosedError extends ArmillariaError {
  constructor(readonly path: string, readonly operation: string) {
    super(ErrorCode.StoreClosed, `store: ${operation} on the store at ${path}, which was closed`);
  }
}

/** A column whose type another table format (Delta Lake, Iceberg) cannot express. */
export class UnsupportedTypeError extends ArmillariaError {
  constructor(readonly format: string, readonly column: string, readonly type: string, why: string) {
    super(ErrorCode.UnsupportedType, `views: column "${column}" has type ${type}, which ${format} cannot express (${why})`);
  }
}

/** Another format's table uses features Armillaria cannot carry over; `features` names each. */
export class UnsupportedFeatureError extends ArmillariaError {
  constructor(readonly source: string, readonly features: string[]) {
    super(ErrorCode.UnsupportedFeature, `import: ${source} uses what the import cannot carry: ${features.join('; ')}`);
  }
}

export class StoreExistsError extends ArmillariaError {
  constructor(readonly path: string) {
    super(ErrorCode.StoreExists, `store: a store already exists at ${path}`);
  }
}

/** An input file that is not what its extension says: `problem` says where and what is wrong. */
export class MalformedFileError extends ArmillariaError {
  constructor(readonly path: string, readonly format: string, readonly problem: string, options?: { cause?: unknown }) {
    super(ErrorCode.MalformedFile, `io: ${path} is not a valid ${format} file: ${problem}`, options);
  }
}

export class UnsupportedFormatError extends ArmillariaError {
  constructor(readonly path: string, readonly expected: string) {
    super(ErrorCode.UnsupportedFormat, `io: unsupported file format for ${path} (expected ${expected})`);
  }
}

/** A phase needs the Rust addon and it could not be loaded; `cause` carries the loader errors. */
export class NativeUnavailableError extends ArmillariaError {
  constructor(readonly what: string, readonly reasons: string[], options?: { cause?: unknown }) {
    super(
      ErrorCode.NativeUnavailable,
      `native: ${what} needs the @armillaria/native addon, which is unavailable: ${reasons.join('; ')}`,
      options,
    );
  }
}

export class LockTimeoutError extends ArmillariaError {
  constructor(readonly lockPath: string, readonly waitedMs: number) {
    super(ErrorCode.LockTimeout, `refs: timed out after ${waitedMs} ms waiting for lock ${lockPath}`);
  }
}

/** Wraps a failure of a third-party codec or the OS, keeping the original as `cause`. */
/** A SQL query that DuckDB refused (syntax, an unknown column or function) or that would change something. */
export class SqlError extends ArmillariaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Sql, message, options);
  }
}

export class WrappedError extends ArmillariaError {}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/**
 * The typed form of an operating-system error (one with a `code` such as EACCES) met while doing
 * `action` on `path`; other errors pass through unchanged.
 */
export function storageError(e: unknown, action: string, path?: string): unknown {
  if (isArmillariaError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return e;
  return new StorageError(action, path ?? err.path ?? '(unknown path)', err.code, REASONS[err.code] ?? err.message, { cause: e });
}

/**
 * Maps an error thrown by `@armillaria/native` (napi error whose `code` is an `ARM_*` string) to the
 * matching Armillaria class. This is the only place that interprets native codes.
 */
export function fromNativeError(e: unknown): ArmillariaError {
  if (isArmillariaError(e)) return e;
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const id = /\b([0-9a-f]{64})\b/.exec(message)?.[1] ?? '';
  switch (err?.code) {
    case ErrorCode.ChunkNotFound:
      return new ChunkNotFoundError(id, { cause: e });
    case ErrorCode.CorruptChunk:
      return new CorruptChunkError(id, /hashes to ([0-9a-f]{64})/.exec(message)?.[1] ?? 'unknown', { cause: e });
    case ErrorCode.InvalidArgument:
      return new InvalidArgumentError(message, { cause: e });
    case ErrorCode.Io:
    case ErrorCode.Parquet:
    case ErrorCode.Arrow:
      return new WrappedError(err.code, message, { cause: e });
    default:
      return new WrappedError(ErrorCode.Internal, `native: ${message}`, { cause: e });
  }
}

/** `callNative` for a call that returns synchronously. */
export function callNativeSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNativeError(e);
  }
}

/** Runs a native call and converts whatever it throws with `fromNativeError`. */
export async function callNative<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromNativeError(e);
  }
}
