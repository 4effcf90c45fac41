//! Zero-copy reads: chunk files are memory-mapped and handed to JS as external Buffers whose
//! finalizer drops the map. A copying path covers runtimes that refuse external buffers (napi-rs
//! copies automatically on `napi_no_external_buffers_allowed`) and callers that ask for copies.

use std::fs::File;

use memmap2::{MmapMut, MmapOptions};
use napi::bindgen_prelude::{AsyncTask, BufferSlice, Env};
use napi::ScopedTask;
use napi_derive::napi;
use rayon::prelude::*;

use crate::batch::{check_hash, PARALLEL_MIN_READS};
use crate::config;
use crate::error::{Failure, NativeError, NativeResult};
use crate::hash::validate_id;
use crate::layout::Layout;

/// The bytes of one mapped chunk. Empty files cannot be mapped (mmap of length 0 is EINVAL).
pub enum Mapped {
    Empty,
    Map(MmapMut),
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        match self {
            Mapped::Empty => &[],
            Mapped::Map(map) => map,
        }
    }
}

/// Maps the whole file `file` (of `len` bytes) for the object `id`.
pub fn map_file(file: &File, len: u64, id: &str) -> NativeResult<Mapped> {
    if len == 0 {
        return Ok(Mapped::Empty);
    }
    let len = usize::try_from(len).map_err(|_| {
        NativeError::InvalidArgument(format!("chunk-store: chunk {id} is too large to map ({len} bytes)"))
    })?;
    // SAFETY: a mapping is sound only while nobody truncates or rewrites the file under it.
    // Chunk files are immutable: each is named by the hash of its bytes, written completely to
    // tmp/ and renamed into place, and never opened for writing, truncated or rewritten in place
    // afterwards (a duplicate put skips, a racing put renames an identical file over the name,
    // which replaces the directory entry, not this inode). GC deletes by unlink, which keeps the
    // inode and so an existing mapping valid until the map is dropped. The map is MAP_PRIVATE
    // (copy-on-write), so a JS write into the returned Buffer touches a private copy of the page:
    // it can neither reach the file nor fault on a read-only page.
    let map = unsafe { MmapOptions::new().len(len).map_copy(file) }
        .map_err(|e| NativeError::io(format!("chunk-store: cannot map chunk {id}"), e))?;
    Ok(Mapped::Map(map))
}

/// Opens and maps the object `id` under `layout`.
pub fn map_object(layout: &Layout, id: &str) -> NativeResult<Mapped> {
    let file = layout.open(id)?;
    let len = file.metadata().map_err(|e| NativeError::io(format!("chunk-store: cannot stat chunk {id}"), e))?.len();
    map_file(&file, len, id)
}

/// Maps every chunk (verifying its hash if asked); fails as a whole on the first problem in input
/// order.
pub fn map_chunks(root: &str, ids: &[String], verify: bool) -> NativeResult<Vec<Mapped>> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    let layout = Layout::new(root);
    let map = |id: &String| -> NativeResult<Mapped> {
        let mapped = map_object(&layout, id)?;
        if verify {
            check_hash(id, mapped.as_ref())?;
        }
        Ok(mapped)
    };
    let results: Vec<NativeResult<Mapped>> = if ids.len() >= PARALLEL_MIN_READS {
        config::install(|| Ok(ids.par_iter().map(map).collect()))?
    } else {
        ids.iter().map(map).collect()
    };
    results.into_iter().collect()
}

/// Wraps a mapped chunk in a JS Buffer: an external view when allowed, else a copy.
fn to_buffer<'env>(env: &'env Env, mapped: Mapped, copy: bool) -> napi::Result<BufferSlice<'env>> {
    match mapped {
        Mapped::Empty => BufferSlice::copy_from(env, &[] as &[u8]),
        Mapped::Map(map) if copy => BufferSlice::copy_from(env, &map[..]),
        Mapped::Map(mut map) => {
            let ptr = map.as_mut_ptr();
            let len = map.len();
            // SAFETY: `ptr`/`len` describe the map, which is moved into the finalizer hint, so the
            // memory stays mapped exactly as long as V8 holds the Buffer and is unmapped when the
            // finalizer drops it. Moving an `MmapMut` does not move the mapping. If the runtime
            // refuses external buffers, napi-rs copies the bytes and runs the finalizer at once.
            unsafe { BufferSlice::from_external(env, ptr, len, map, |_env, map| drop(map)) }
        }
    }
}

// ---- napi glue -------------------------------------------------------------------------------

/// Options of `mapChunks`.
#[napi(object)]
pub struct MapOptions {
    /// Re-hash every chunk and fail with `ARM_CORRUPT_CHUNK` on a mismatch (default false).
    pub verify: Option<bool>,
    /// Copy the bytes into ordinary Buffers instead of handing out views of the maps (default
    /// false). The copying path is also taken automatically where the runtime refuses external
    /// buffers.
    pub copy: Option<bool>,
}

pub struct MapChunksTask {
    root: String,
    ids: Vec<String>,
    verify: bool,
    copy: bool,
    failure: Failure,
}

/// Runs `mapChunks`: maps on the libuv/rayon pools, wraps the maps in Buffers on the JS thread.
#[napi]
impl<'task> ScopedTask<'task> for MapChunksTask {
    type Output = Vec<Mapped>;
    type JsValue = Vec<BufferSlice<'task>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.failure.run(|| map_chunks(&self.root, &self.ids, self.verify))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.into_iter().map(|m| to_buffer(env, m, self.copy)).collect()
    }

    fn reject(&mut self, env: &'task Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(env, err))
    }
}

/// Maps chunks by id from `root` and resolves to Buffers that view the page cache without a copy
/// (in input order). The same errors as `getChunks`. Buffers are copy-on-write views: writing to
/// one never changes the stored chunk. 0-byte chunks come back as empty Buffers.
#[napi(js_name = "mapChunks", catch_unwind)]
pub fn map_chunks_js(root: String, ids: Vec<String>, options: Option<MapOptions>) -> AsyncTask<MapChunksTask> {
    let verify = options.as_ref().and_then(|o| o.verify).unwrap_or(false);
    let copy = options.as_ref().and_then(|o| o.copy).unwrap_or(false);
    AsyncTask::new(MapChunksTask { root, ids, verify, copy, failure: Failure::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::put_chunks;
    use crate::error::ErrorCode;
    use crate::test_util::TempDir;

    #[test]
    fn maps_exactly_the_file_bytes_including_empty_files() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let big: Vec<u8> = (0..(1 << 20) + 3).map(|i| (i * 7 % 256) as u8).collect();
        let chunks: Vec<&[u8]> = vec![b"", b"x", &big, b"abc", b""];
        let ids: Vec<String> = put_chunks(root, &chunks, false).unwrap().into_iter().map(|r| r.id).collect();
        let mapped = map_chunks(root, &ids, true).unwrap();
        assert_eq!(mapped.len(), chunks.len());
        for (m, c) in mapped.iter().zip(&chunks) {
            assert_eq!(m.as_ref().len(), c.len(), "map length is the file length, not the page size");
            assert_eq!(m.as_ref(), *c);
        }
        assert!(matches!(mapped[0], Mapped::Empty));
    }

    #[test]
    fn writes_to_a_map_stay_private() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids: Vec<String> =
            put_chunks(root, &[b"immutable".as_slice()], false).unwrap().into_iter().map(|r| r.id).collect();
        let mut mapped = map_chunks(root, &ids, false).unwrap();
        if let Mapped::Map(map) = &mut mapped[0] {
            map[0] = b'X';
        }
        assert_eq!(Layout::new(root).read(&ids[0]).unwrap(), b"immutable");
    }

    #[test]
    fn a_map_outlives_unlink() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids: Vec<String> =
            put_chunks(root, &[b"still here".as_slice()], false).unwrap().into_iter().map(|r| r.id).collect();
        let mapped = map_chunks(root, &ids, false).unwrap();
        std::fs::remove_file(Layout::new(root).object_path(&ids[0])).unwrap();
        assert_eq!(mapped[0].as_ref(), b"still here");
        let err = map_chunks(root, &ids, false).err().unwrap();
        assert_eq!(err.code(), ErrorCode::ChunkNotFound);
    }

    #[test]
    fn verify_detects_a_flipped_byte() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids: Vec<String> =
            put_chunks(root, &[b"payload".as_slice()], false).unwrap().into_iter().map(|r| r.id).collect();
        std::fs::write(Layout::new(root).object_path(&ids[0]), b"paylaod").unwrap();
        let err = map_chunks(root, &ids, true).err().unwrap();
        assert_eq!(err.code(), ErrorCode::CorruptChunk);
    }
}
