//! The addon's rayon pool, configured once, and the build/runtime facts results record.
//!
//! Thread count precedence: `configure({ threads })` before the first parallel call > env
//! `ARMILLARIA_THREADS` > the machine's available parallelism. The pool is built lazily on first use
//! and never resized: a later `configure` with a different count fails with `ARM_INVALID_ARGUMENT`.
//! Work runs inside `pool().install(..)` so nested rayon calls (BLAKE3's `update_rayon`) share it.

use std::sync::{Mutex, OnceLock};

use napi_derive::napi;

use crate::error::{ErrorCode, NativeError, NativeResult};

/// Env var read for the default thread count.
pub const THREADS_ENV: &str = "ARMILLARIA_THREADS";
/// The exact arrow-rs/parquet release compiled in (must equal parquet-wasm 0.8.0's).
pub const PARQUET_VERSION: &str = "59.3.0";

static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
static REQUESTED: Mutex<Option<usize>> = Mutex::new(None);

/// Parses a thread-count value from the env var.
fn parse_threads(raw: &str) -> NativeResult<usize> {
    match raw.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(NativeError::InvalidArgument(format!(
            "config: {THREADS_ENV} must be a positive integer, got \"{raw}\""
        ))),
    }
}

/// The thread count the pool has, or would get if it were built now.
pub fn resolved_threads() -> NativeResult<usize> {
    if let Some(pool) = POOL.get() {
        return Ok(pool.current_num_threads());
    }
    if let Some(n) = *REQUESTED.lock().unwrap_or_else(|e| e.into_inner()) {
        return Ok(n);
    }
    match std::env::var(THREADS_ENV) {
        Ok(raw) if !raw.trim().is_empty() => parse_threads(&raw),
        _ => Ok(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    }
}

/// The shared pool, built on first use.
pub fn pool() -> NativeResult<&'static rayon::ThreadPool> {
    if let Some(pool) = POOL.get() {
        return Ok(pool);
    }
    let threads = resolved_threads()?;
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("armillaria-{i}"))
        .build()
        .map_err(|e| NativeError::Internal(format!("cannot start the thread pool: {e}")))?;
    // Two first callers may race to build; the loser's pool is dropped.
    Ok(POOL.get_or_init(|| built))
}

/// Runs `f` inside the shared pool.
pub fn install<T: Send>(f: impl FnOnce() -> NativeResult<T> + Send) -> NativeResult<T> {
    pool()?.install(f)
}

/// Sets the thread count; must come before the pool is built (or repeat the same count).
pub fn set_threads(threads: u32) -> NativeResult<()> {
    if threads == 0 {
        return Err(NativeError::InvalidArgument("config: threads must be a positive integer, got 0".to_owned()));
    }
    let threads = threads as usize;
    if let Some(pool) = POOL.get() {
        let current = pool.current_num_threads();
        if current != threads {
            return Err(NativeError::InvalidArgument(format!(
                "config: thread pool already started with {current} threads, cannot change it to {threads}"
            )));
        }
        return Ok(());
    }
    *REQUESTED.lock().unwrap_or_else(|e| e.into_inner()) = Some(threads);
    Ok(())
}

/// Options of `configure`.
#[napi(object)]
pub struct ConfigureOptions {
    /// Worker threads of the addon's pool (default: `ARMILLARIA_THREADS`, else the core count).
    pub threads: Option<u32>,
}

/// Configures the addon. Call before the first parallel call; the pool is never resized, so a later
/// call with a different `threads` throws `ARM_INVALID_ARGUMENT`.
#[napi]
pub fn configure(options: ConfigureOptions) -> napi::Result<(), ErrorCode> {
    if let Some(threads) = options.threads {
        set_threads(threads).map_err(NativeError::into_napi)?;
    }
    Ok(())
}

/// Facts about the loaded addon, for benchmark results.
#[napi(object)]
pub struct NativeInfo {
    /// Version of `@armillaria/native` (the crate version).
    pub version: String,
    /// Threads of the pool (the count it will get if not started yet).
    pub threads: u32,
    /// The parquet/arrow-rs release compiled in.
    pub parquet: String,
    /// The malloc settings the addon applied to the process (see `ARMILLARIA_MALLOC`).
    pub malloc: String,
}

/// Returns the addon's version, thread count, Parquet library version and malloc settings.
#[napi]
pub fn native_info() -> napi::Result<NativeInfo, ErrorCode> {
    let threads = resolved_threads().map_err(NativeError::into_napi)?;
    Ok(NativeInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        threads: threads as u32,
        parquet: PARQUET_VERSION.to_owned(),
        malloc: crate::malloc::applied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_thread_counts() {
        assert_eq!(parse_threads("4").unwrap(), 4);
        assert_eq!(parse_threads(" 2 ").unwrap(), 2);
        let err = parse_threads("zero").unwrap_err();
        assert_eq!(err.to_string(), "config: ARMILLARIA_THREADS must be a positive integer, got \"zero\"");
        assert!(parse_threads("0").is_err());
    }

    #[test]
    fn pool_is_fixed_after_first_use() {
        let n = pool().unwrap().current_num_threads();
        assert!(set_threads(n as u32).is_ok());
        let err = set_threads(n as u32 + 1).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(set_threads(0).is_err());
    }

    #[test]
    fn parquet_version_matches_the_dependency() {
        // Cargo.toml pins parquet to this exact version; keep the constant in sync.
        let created_by = parquet::file::properties::DEFAULT_CREATED_BY;
        assert!(created_by.ends_with(PARQUET_VERSION), "{created_by}");
    }
}
