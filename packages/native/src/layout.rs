//! The on-disk object layout shared with `core/src/chunk-store/layout.ts` (fixed; do not change one
//! side alone).
//!
//! ```text
//! <root>/objects/<id[0..2]>/<id[2..64]>      immutable chunk, named by the BLAKE3 of its bytes
//! <root>/tmp/<id>.<pid>.<random>.tmp         in-flight write (same file system, so rename is atomic)
//! ```
//!
//! Put protocol: if the object exists, refresh its modification time and skip the write (dedup).
//! Else write the whole temp file, fsync it, rename it onto the object path, and later (once per
//! batch per directory) fsync the fan-out directory. A reader sees either no object or the complete
//! one; a crash leaves at most an orphan temp file. Two writers racing on one id both rename
//! complete, identical files: harmless.
//!
//! The refresh is the port's rule for every backend (`core/src/backend/backend.ts`): a put that
//! finds its object may be about to name an old, unreferenced one in a commit, and gc's grace
//! period counts from the modification time, so the object must look as young as a new one.

use std::collections::hash_map::RandomState;
use std::fs::{self, File, FileTimes, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::error::{NativeError, NativeResult};
use crate::hash::hash_hex;

/// Sub-directory holding the objects.
pub const OBJECTS_DIR: &str = "objects";
/// Sub-directory holding in-flight temp files.
pub const TMP_DIR: &str = "tmp";

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What a single put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOutcome {
    /// True if this call renamed a new object into place; false if it already existed.
    pub written: bool,
    /// True if this call created the fan-out directory (so `objects/` needs an fsync too).
    pub created_fanout: bool,
}

/// Paths of one store root.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// A layout over `root` (nothing is touched on disk).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
    }

    /// `<root>/objects`.
    pub fn objects_dir(&self) -> PathBuf {
        self.root.join(OBJECTS_DIR)
    }

    /// `<root>/tmp`.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join(TMP_DIR)
    }

    /// `<root>/objects/<id[0..2]>`; `id` must be valid (see `hash::validate_id`).
    pub fn fanout_dir(&self, id: &str) -> PathBuf {
        self.objects_dir().join(&id[..2])
    }

    /// `<root>/objects/<id[0..2]>/<id[2..]>`; `id` must be valid.
    pub fn object_path(&self, id: &str) -> PathBuf {
        self.fanout_dir(id).join(&id[2..])
    }

    /// A fresh temp path for `id`: `tmp/<id>.<pid>.<random>.tmp`.
    pub fn tmp_path(&self, id: &str) -> PathBuf {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(TMP_COUNTER.fetch_add(1, Ordering::Relaxed));
        let random = hasher.finish();
        self.tmp_dir().join(format!("{id}.{}.{random:016x}.tmp", std::process::id()))
    }

    /// Creates `objects/` and `tmp/` (and the root) if missing.
    pub fn ensure_dirs(&self) -> NativeResult<()> {
        for dir in [self.objects_dir(), self.tmp_dir()] {
            fs::create_dir_all(&dir)
                .map_err(|e| NativeError::io(format!("chunk-store: cannot create directory {}", dir.display()), e))?;
        }
        Ok(())
    }

    /// Marks the object `id` as just written (its modification time becomes now) and says whether
    /// it exists. See the module doc for why a deduplicated put must do this.
    pub fn refresh(&self, id: &str) -> NativeResult<bool> {
        let path = self.object_path(id);
        let now = SystemTime::now();
        match File::open(&path).and_then(|f| f.set_times(FileTimes::new().set_accessed(now).set_modified(now))) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(NativeError::io(format!("chunk-store: cannot refresh {}", path.display()), e)),
        }
    }

    /// Stores `bytes` under `id` (the caller computed `id` from `bytes`); an object already in
    /// place is refreshed instead. Does not fsync the fan-out directory: the batch does that once
    /// per directory (see [`sync_dir`]).
    pub fn put(&self, id: &str, bytes: &[u8], fsync: bool) -> NativeResult<PutOutcome> {
        if self.refresh(id)? {
            return Ok(PutOutcome { written: false, created_fanout: false });
        }
        let fanout = self.fanout_dir(id);
        let created_fanout = match fs::create_dir(&fanout) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) => {
                return Err(NativeError::io(format!("chunk-store: cannot create directory {}", fanout.display()), e))
            }
        };
        let tmp = self.tmp_path(id);
        if let Err(err) = write_file(&tmp, bytes, fsync) {
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
        let dest = self.object_path(id);
        // rename(2) replaces atomically: if a racing writer got there first, its file and ours
        // have the same bytes (same hash), so either one is the object.
        if let Err(e) = fs::rename(&tmp, &dest) {
            let _ = fs::remove_file(&tmp);
            return Err(NativeError::io(
                format!("chunk-store: cannot rename {} to {}", tmp.display(), dest.display()),
                e,
            ));
        }
        Ok(PutOutcome { written: true, created_fanout })
    }

    /// Reads the object `id`; a missing file is `ARM_CHUNK_NOT_FOUND`.
    pub fn read(&self, id: &str) -> NativeResult<Vec<u8>> {
        let path = self.object_path(id);
        fs::read(&path).map_err(|e| self.read_error(id, &path, e))
    }

    /// Reads the object `id` into `buf`, which must be exactly its size (the caller knows it from
    /// the manifest). A file of any other length no longer holds the bytes its id names, so it is
    /// `ARM_CORRUPT_CHUNK`; if its bytes do hash to `id`, the caller's size was wrong.
    pub fn read_into(&self, id: &str, buf: &mut [u8]) -> NativeResult<()> {
        let path = self.object_path(id);
        let io = |e| self.read_error(id, &path, e);
        let mut file = File::open(&path).map_err(io)?;
        self.expect_len(id, file.metadata().map_err(io)?.len(), buf.len())?;
        file.read_exact(buf).map_err(io)
    }

    /// Fails unless the stored object `id`, of `len` bytes, has the `expected` size: when its bytes
    /// still hash to its id the caller's size is wrong (`ARM_INVALID_ARGUMENT`), else the object is
    /// corrupt.
    pub fn expect_len(&self, id: &str, len: u64, expected: usize) -> NativeResult<()> {
        if len == expected as u64 {
            return Ok(());
        }
        let actual = hash_hex(&self.read(id)?);
        Err(if actual == id {
            NativeError::InvalidArgument(format!(
                "chunk-store: chunk {id} has {len} bytes, not the {expected} expected"
            ))
        } else {
            NativeError::CorruptChunk { id: id.to_owned(), actual }
        })
    }

    /// Opens the object `id` for reading; a missing file is `ARM_CHUNK_NOT_FOUND`.
    pub fn open(&self, id: &str) -> NativeResult<File> {
        let path = self.object_path(id);
        File::open(&path).map_err(|e| self.read_error(id, &path, e))
    }

    fn read_error(&self, id: &str, path: &Path, e: std::io::Error) -> NativeError {
        if e.kind() == ErrorKind::NotFound {
            NativeError::ChunkNotFound { id: id.to_owned() }
        } else {
            NativeError::io(format!("chunk-store: cannot read {}", path.display()), e)
        }
    }
}

/// Writes all of `bytes` to a new file at `path`, fsyncing it if asked.
fn write_file(path: &Path, bytes: &[u8], fsync: bool) -> NativeResult<()> {
    let context = || format!("chunk-store: cannot write {}", path.display());
    let mut file =
        OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| NativeError::io(context(), e))?;
    file.write_all(bytes).map_err(|e| NativeError::io(context(), e))?;
    if fsync {
        file.sync_all().map_err(|e| NativeError::io(context(), e))?;
    }
    Ok(())
}

/// fsyncs a directory so that renames into it (or entries created in it) are durable.
pub fn sync_dir(dir: &Path) -> NativeResult<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| NativeError::io(format!("chunk-store: cannot sync directory {}", dir.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::hash::hash_hex;
    use crate::test_util::TempDir;

    #[test]
    fn paths_follow_the_fixed_layout() {
        let layout = Layout::new("/s");
        let id = format!("3f2a{}", "0".repeat(60));
        assert_eq!(layout.object_path(&id), PathBuf::from(format!("/s/objects/3f/2a{}", "0".repeat(60))));
        let tmp = layout.tmp_path(&id);
        let name = tmp.file_name().unwrap().to_str().unwrap();
        assert!(tmp.starts_with("/s/tmp"));
        assert!(name.starts_with(&format!("{id}.{}.", std::process::id())));
        assert!(name.ends_with(".tmp"));
        assert_ne!(layout.tmp_path(&id), tmp, "temp names are unique");
    }

    #[test]
    fn put_then_read_then_dedup() {
        let dir = TempDir::new();
        let layout = Layout::new(dir.path());
        layout.ensure_dirs().unwrap();
        let bytes = b"hello".to_vec();
        let id = hash_hex(&bytes);
        let first = layout.put(&id, &bytes, true).unwrap();
        assert_eq!(first, PutOutcome { written: true, created_fanout: true });
        assert!(!layout.put(&id, &bytes, true).unwrap().written);
        assert_eq!(layout.read(&id).unwrap(), bytes);
        assert!(!layout.refresh(&"cd".repeat(32)).unwrap(), "a missing object is not refreshed");
        assert_eq!(fs::read_dir(layout.tmp_dir()).unwrap().count(), 0, "no temp file left");
        sync_dir(&layout.fanout_dir(&id)).unwrap();
    }

    #[test]
    fn a_put_that_finds_its_object_refreshes_it() {
        // Regression: a deduplicated put returned early, so gc could delete an old unreferenced
        // object that the write was about to name in its commit.
        let dir = TempDir::new();
        let layout = Layout::new(dir.path());
        layout.ensure_dirs().unwrap();
        let bytes = b"old and unreferenced".to_vec();
        let id = hash_hex(&bytes);
        layout.put(&id, &bytes, false).unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(7200);
        File::open(layout.object_path(&id)).unwrap().set_modified(old).unwrap();
        assert!(!layout.put(&id, &bytes, false).unwrap().written);
        let mtime = fs::metadata(layout.object_path(&id)).unwrap().modified().unwrap();
        assert!(mtime > SystemTime::now() - std::time::Duration::from_secs(60), "mtime refreshed");
    }

    #[test]
    fn missing_object_is_not_found() {
        let dir = TempDir::new();
        let layout = Layout::new(dir.path());
        let id = "ab".repeat(32);
        let err = layout.read(&id).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ChunkNotFound);
        assert_eq!(err.to_string(), format!("chunk-store: chunk {id} not found"));
    }

    #[test]
    fn racing_writers_on_one_id_are_harmless() {
        let dir = TempDir::new();
        let layout = Layout::new(dir.path());
        layout.ensure_dirs().unwrap();
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 7) as u8).collect();
        let id = hash_hex(&bytes);
        // Threads bypass the refresh check by racing; every rename lands a complete file.
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| layout.put(&id, &bytes, false).unwrap());
            }
        });
        assert_eq!(layout.read(&id).unwrap(), bytes);
        assert_eq!(fs::read_dir(layout.tmp_dir()).unwrap().count(), 0);
    }
}
