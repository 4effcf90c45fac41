//! glibc malloc settings for the whole process, applied once when the addon loads (Linux with glibc
//! only; elsewhere nothing changes).
//!
//! Why: a read decodes every chunk into fresh Arrow buffers, copies them into the result and frees
//! them. With glibc's defaults, a block of 128 KiB or more starts out as a map of its own, and an
//! arena returns the free memory at its top to the OS once that exceeds the trim threshold; either
//! way the next read faults the same pages in again and the kernel zeroes them. Fixed thresholds keep
//! up to [`TRIM_THRESHOLD`] free at the top of each arena and serve blocks below
//! [`MMAP_THRESHOLD`] (the ceiling glibc's own adaptive threshold grows to) from the arenas.
//! Measured with `bench/loop.mjs` under `perf stat -e page-faults`, one process per setting, three
//! alternations: seed-wide 1M reads 21.6-23.4 ms median and 53-56K page faults per 40 reads, against
//! 33.6-34.0 ms and 241-336K with glibc's defaults; writes the same (README, "Memory").
//!
//! `ARMILLARIA_MALLOC=default` leaves glibc's settings alone.

use std::sync::OnceLock;

/// Env var that opts out of the tuning (value `default`).
pub const MALLOC_ENV: &str = "ARMILLARIA_MALLOC";
/// Blocks below this come from the arenas instead of maps of their own.
pub const MMAP_THRESHOLD: usize = 32 << 20;
/// Free memory an arena keeps at its top instead of returning it to the OS.
pub const TRIM_THRESHOLD: usize = 64 << 20;

/// What `apply` did, for `nativeInfo().malloc`.
fn describe(tuned: bool, opted_out: bool) -> String {
    if tuned {
        format!("glibc, mmap threshold {} MiB, trim threshold {} MiB", MMAP_THRESHOLD >> 20, TRIM_THRESHOLD >> 20)
    } else if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        "the platform's malloc, unchanged".to_owned()
    } else if opted_out {
        format!("glibc defaults ({MALLOC_ENV}=default)")
    } else {
        "glibc defaults (mallopt refused the thresholds)".to_owned()
    }
}

/// Whether the env value opts out of the tuning (`default`).
fn opts_out(env: Option<&str>) -> bool {
    env.map(str::trim) == Some("default")
}

static APPLIED: OnceLock<String> = OnceLock::new();

/// Sets the thresholds unless `ARMILLARIA_MALLOC=default`, once per process.
pub fn apply() {
    APPLIED.get_or_init(|| {
        let opted_out = opts_out(std::env::var(MALLOC_ENV).ok().as_deref());
        describe(!opted_out && set_thresholds(), opted_out)
    });
}

/// What `apply` did in this process (`nativeInfo().malloc`).
pub fn applied() -> String {
    APPLIED.get().cloned().unwrap_or_else(|| "not applied (the addon was not loaded by Node)".to_owned())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_thresholds() -> bool {
    // SAFETY: mallopt only changes allocator parameters; it is safe to call at any time. Setting
    // either threshold also turns off glibc's adaptive mmap threshold, so both are set.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_thresholds() -> bool {
    false
}

/// Returns to the OS the memory the addon keeps for the next operation's speed: the idle maps of
/// large IPC streams (ipc.rs, `result_maps`: marked free, yet counted in RSS until the kernel needs
/// them) and the free memory of glibc's arenas (`malloc_trim(0)`; the thresholds above keep it). A
/// caller that measures peak RSS per operation (the bench, before each dataset) trims first, so that one
/// operation's peak does not carry what the one before freed. True when memory was returned.
#[napi_derive::napi]
pub fn trim_memory() -> bool {
    let unmapped = crate::ipc::release_idle_maps();
    trim() || unmapped > 0
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() -> bool {
    // SAFETY: malloc_trim only returns free memory to the OS; it is safe to call at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_default_opts_out() {
        assert!(!opts_out(None));
        assert!(!opts_out(Some("")));
        assert!(!opts_out(Some("tuned")));
        assert!(opts_out(Some("default")));
        assert!(opts_out(Some(" default ")));
    }

    #[test]
    fn describes_what_was_done() {
        assert_eq!(describe(true, false), "glibc, mmap threshold 32 MiB, trim threshold 64 MiB");
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert_eq!(describe(false, true), "glibc defaults (ARMILLARIA_MALLOC=default)");
            assert_eq!(describe(false, false), "glibc defaults (mallopt refused the thresholds)");
        }
    }
}
