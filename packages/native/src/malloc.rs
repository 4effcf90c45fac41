//! glibc malloc settings for the whole process, applied once when the addon loads (Linux with glibc
//! only; elsewhere nothing changes).
//!
//! Why: a read decodes every chunk into fresh Arrow buffers, copies them into the result and frees
//! them. With glibc's defaults, a block of 128 KiB or more starts out as a map of its own, and an
//! arena returns the free memory at its top to the OS once that exceeds the trim threshold; either
//! way the next read faults the same pages in again and the kernel zeroes them. Fixed thresholds keep
//! up to [`TRIM_THRESHOLD`] free at the top of each arena and serve blocks below
//! [`MMAP_THRESHOLD`] (the ceiling glibc's own adaptive threshold grows to) from the arenas. Arrow's
//! runtimes do the same with their own pools (pyarrow's jemalloc or mimalloc keep freed memory too).
//! Measured with `bench/read-loop.mjs` (40 seed-wide 1M reads, a GC before each) under
//! `perf stat -e page-faults`, each setting in its own process, three alternations: 220-283K page
//! faults and 26.1-32.6 ms median per read with glibc's defaults, 54-56K and 19.3-21.0 ms with
//! these; native writes the same or faster.
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
pub fn describe(tuned: bool, opted_out: bool) -> String {
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

/// `nativeInfo().malloc`: what `apply` did in this process.
pub fn current() -> String {
    describe(tuned(), !wanted(std::env::var(MALLOC_ENV).ok().as_deref()))
}

/// Whether the env value asks for the tuning (anything but `default`).
pub fn wanted(env: Option<&str>) -> bool {
    env.map(str::trim) != Some("default")
}

static TUNED: OnceLock<bool> = OnceLock::new();

/// Sets the thresholds unless `ARMILLARIA_MALLOC=default`, once per process.
pub fn apply() {
    TUNED.get_or_init(|| wanted(std::env::var(MALLOC_ENV).ok().as_deref()) && set_thresholds());
}

/// Whether `apply` set the thresholds.
pub fn tuned() -> bool {
    TUNED.get().copied().unwrap_or(false)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_default_opts_out() {
        assert!(wanted(None));
        assert!(wanted(Some("")));
        assert!(wanted(Some("tuned")));
        assert!(!wanted(Some("default")));
        assert!(!wanted(Some(" default ")));
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
