//! Errors of the addon: one enum, one stable code per variant.
//!
//! The code crosses to JS as `err.code` (the napi error status *is* the code string) and the source
//! chain crosses as `err.cause`. The code strings are shared with `core/src/errors.ts`; `errorCodes()`
//! exports the list so a TS test can check that every code maps to a class.
//!
//! Async tasks cannot return a custom status from `compute` (napi-rs fixes it to `Status`), so a task
//! keeps the typed error in a [`Failure`] slot and rebuilds the JS error in `reject`, on the JS thread.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{Env, JsError, Status};
use napi_derive::napi;

/// Stable error codes, surfaced to JS as `err.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ChunkNotFound,
    CorruptChunk,
    Io,
    Parquet,
    Arrow,
    InvalidArgument,
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::ChunkNotFound,
        ErrorCode::CorruptChunk,
        ErrorCode::Io,
        ErrorCode::Parquet,
        ErrorCode::Arrow,
        ErrorCode::InvalidArgument,
        ErrorCode::Internal,
    ];

    /// The code string (identical in `core/src/errors.ts`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ChunkNotFound => "ARM_CHUNK_NOT_FOUND",
            ErrorCode::CorruptChunk => "ARM_CORRUPT_CHUNK",
            ErrorCode::Io => "ARM_IO",
            ErrorCode::Parquet => "ARM_PARQUET",
            ErrorCode::Arrow => "ARM_ARROW",
            ErrorCode::InvalidArgument => "ARM_INVALID_ARGUMENT",
            ErrorCode::Internal => "ARM_INTERNAL",
        }
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Everything that can go wrong inside the addon. Messages follow the project style: lower-case
/// subsystem prefix, the offending value, no trailing period.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// A chunk id was requested that the store does not hold.
    #[error("chunk-store: chunk {id} not found")]
    ChunkNotFound { id: String },
    /// Stored bytes no longer hash to their id.
    #[error("chunk-store: chunk {id} is corrupt (content hashes to {actual})")]
    CorruptChunk { id: String, actual: String },
    /// A file-system operation failed; `context` names the operation and the path.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The Parquet encoder or decoder failed.
    #[error("parquet: {context}: {source}")]
    Parquet {
        context: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Arrow (IPC read/write, slicing, schema) failed.
    #[error("arrow: {context}: {source}")]
    Arrow {
        context: String,
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// The caller passed a value the addon cannot accept; the message names it.
    #[error("{0}")]
    InvalidArgument(String),
    /// A bug: a panic or a broken invariant inside the addon.
    #[error("internal: {0}")]
    Internal(String),
}

/// Result alias used by every plain (non-napi) function of the crate.
pub type NativeResult<T> = std::result::Result<T, NativeError>;

impl NativeError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            NativeError::ChunkNotFound { .. } => ErrorCode::ChunkNotFound,
            NativeError::CorruptChunk { .. } => ErrorCode::CorruptChunk,
            NativeError::Io { .. } => ErrorCode::Io,
            NativeError::Parquet { .. } => ErrorCode::Parquet,
            NativeError::Arrow { .. } => ErrorCode::Arrow,
            NativeError::InvalidArgument(_) => ErrorCode::InvalidArgument,
            NativeError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// `Io` with a context such as `chunk-store: cannot write /s/tmp/x.tmp`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        NativeError::Io { context: context.into(), source }
    }

    /// `Parquet` with a context such as `cannot encode chunk 3`.
    pub fn parquet(context: impl Into<String>, source: parquet::errors::ParquetError) -> Self {
        NativeError::Parquet { context: context.into(), source }
    }

    /// `Arrow` with a context such as `cannot read IPC stream`.
    pub fn arrow(context: impl Into<String>, source: arrow_schema::ArrowError) -> Self {
        NativeError::Arrow { context: context.into(), source }
    }

    /// Converts into a napi error whose status is the code, with the source chain as `cause`.
    pub fn into_napi(self) -> napi::Error<ErrorCode> {
        let cause = cause_chain(std::error::Error::source(&self));
        let mut err = napi::Error::new(self.code(), self.to_string());
        if let Some(cause) = cause {
            err.set_cause(cause);
        }
        err
    }
}

/// Builds `cause` → `cause.cause` → … from a std error chain.
fn cause_chain(source: Option<&(dyn std::error::Error + 'static)>) -> Option<napi::Error> {
    let source = source?;
    let mut err = napi::Error::new(Status::GenericFailure, source.to_string());
    if let Some(inner) = cause_chain(source.source()) {
        err.set_cause(inner);
    }
    Some(err)
}

/// Turns a panic payload into `ARM_INTERNAL`.
fn panic_to_error(payload: Box<dyn std::any::Any + Send>) -> NativeError {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    NativeError::Internal(format!("panic: {text}"))
}

/// Runs `f`, turning a panic into `ARM_INTERNAL` (third-party code such as the Parquet encoder runs
/// inside; a panic must reject the promise, not abort the process).
pub fn guard<T>(f: impl FnOnce() -> NativeResult<T>) -> NativeResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_to_error(payload)))
}

/// Holds a task's typed error between `compute` (libuv thread) and `reject` (JS thread).
#[derive(Default)]
pub struct Failure(Option<NativeError>);

impl Failure {
    /// Runs `f` under [`guard`]; on error keeps the typed error and returns a placeholder for napi.
    pub fn run<T>(&mut self, f: impl FnOnce() -> NativeResult<T>) -> napi::Result<T> {
        guard(f).map_err(|err| {
            let placeholder = napi::Error::new(Status::GenericFailure, err.to_string());
            self.0 = Some(err);
            placeholder
        })
    }

    /// Called from `Task::reject`: rebuilds the JS error with `code` and `cause`.
    pub fn reject(&mut self, env: &Env, fallback: napi::Error) -> napi::Error {
        match self.0.take() {
            // The JS error object is created here, on the JS thread; napi-rs rejects the promise
            // with that very object (it keeps a reference to it), so `code` survives.
            Some(err) => napi::Error::from(JsError::from(err.into_napi()).into_unknown(*env)),
            None => fallback,
        }
    }
}

/// Returns every error code the addon can emit (`ARM_…`), in a stable order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        let codes = error_codes();
        assert_eq!(codes.len(), 7);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        assert!(codes.iter().all(|c| c.starts_with("ARM_")));
    }

    #[test]
    fn messages_follow_the_style() {
        let id = "ab".repeat(32);
        let err = NativeError::ChunkNotFound { id: id.clone() };
        assert_eq!(err.to_string(), format!("chunk-store: chunk {id} not found"));
        assert_eq!(err.code().as_str(), "ARM_CHUNK_NOT_FOUND");
        let err = NativeError::CorruptChunk { id: id.clone(), actual: "cd".repeat(32) };
        assert_eq!(
            err.to_string(),
            format!("chunk-store: chunk {id} is corrupt (content hashes to {})", "cd".repeat(32))
        );
    }

    #[test]
    fn napi_error_keeps_code_and_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = NativeError::io("chunk-store: cannot write /x", io).into_napi();
        assert_eq!(err.status.as_str(), "ARM_IO");
        assert_eq!(err.reason, "chunk-store: cannot write /x: denied");
        assert_eq!(err.cause.as_ref().map(|c| c.reason.as_str()), Some("denied"));
    }

    #[test]
    fn guard_turns_a_panic_into_internal() {
        let err = guard::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal);
        assert_eq!(err.to_string(), "internal: panic: boom");
    }
}
