//! Zero-copy reads: chunk files are memory-mapped and handed to JS as external Buffers whose
//! finalizer drops the map. A copying path covers runtimes that refuse external buffers (napi-rs
//! copies automatically on `napi_no_external_buffers_allowed`) and callers that ask for copies.
//! A map region lets a reader map read after read into one window of address space that JS views
//! through a single Buffer (see [`MapRegion`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::{Mutex, MutexGuard};

use memmap2::{MmapMut, MmapOptions};
use napi::bindgen_prelude::{AsyncTask, Buffer, BufferSlice, Env};
use napi::{ScopedTask, Task};
use napi_derive::napi;
use rayon::prelude::*;

use crate::batch::PARALLEL_MIN_READS;
use crate::check::ReadCheck;
use crate::config;
use crate::error::{ErrorCode, Failure, NativeError, NativeResult};
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

/// Maps every chunk (checking it as `check` says); fails as a whole on the first problem in input
/// order.
pub fn map_chunks(root: &str, ids: &[String], check: &ReadCheck) -> NativeResult<Vec<Mapped>> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    let layout = Layout::new(root);
    let map = |(i, id): (usize, &String)| -> NativeResult<Mapped> {
        let mapped = map_object(&layout, id)?;
        check.check(i, id, mapped.as_ref())?;
        Ok(mapped)
    };
    let results: Vec<NativeResult<Mapped>> = if ids.len() >= PARALLEL_MIN_READS {
        config::install(|| Ok(ids.par_iter().enumerate().map(map).collect()))?
    } else {
        ids.iter().enumerate().map(map).collect()
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

// ---- map regions -----------------------------------------------------------------------------

/// Start address -> length of every live [`MapRegion`]. Maps are placed only inside one of these,
/// so no caller can make the addon map a file over memory it does not own (a JS heap buffer, say).
static REGIONS: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

fn regions() -> MutexGuard<'static, BTreeMap<usize, usize>> {
    REGIONS.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// `len` rounded up to whole pages.
fn whole_pages(len: usize) -> usize {
    let page = page_size();
    len.div_ceil(page) * page
}

/// Where chunks of `sizes` bytes go in a region: back to back, each from a page boundary (a file
/// can be mapped nowhere else). Returns each chunk's offset and the bytes the region must span.
pub fn region_layout(sizes: &[usize]) -> (Vec<usize>, usize) {
    let mut end = 0;
    let offsets = sizes
        .iter()
        .map(|&size| {
            let at = end;
            end += whole_pages(size);
            at
        })
        .collect();
    (offsets, end)
}

/// A window of address space that one reader maps its chunk files into, read after read.
///
/// Mapping every read anew and handing each map out as its own external Buffer adds the chunks'
/// size to V8's ArrayBuffer memory on every read, on top of the decoded columns; on seed-narrow 1M
/// (8.4 MB of chunks, 16 MB of columns) that growth started incremental marking inside more than
/// half of the reads after a collection, costing those reads ~3 ms (medians 11.5 against 8.2 ms).
/// A region is one Buffer for the reader's lifetime: each read maps its files over the previous
/// read's (MAP_FIXED), and JS takes views of the one Buffer.
///
/// The region is an anonymous private read-write mapping, so any byte of it can be read or written
/// from JS at any time without a fault: a page holds a chunk's file, a file's zero-filled tail, or
/// anonymous memory. Dropping the region unmaps the whole range, file maps included.
pub struct MapRegion {
    map: MmapMut,
}

impl MapRegion {
    /// A region of at least `len` bytes (whole pages).
    pub fn new(len: usize) -> NativeResult<Self> {
        let len = whole_pages(len.max(1));
        let mut map = MmapOptions::new()
            .len(len)
            .map_anon()
            .map_err(|e| NativeError::io(format!("chunk-store: cannot reserve a map region of {len} bytes"), e))?;
        regions().insert(map.as_mut_ptr() as usize, len);
        Ok(Self { map })
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.map
    }
}

impl Drop for MapRegion {
    fn drop(&mut self) {
        // Unregistered before `map` unmaps the range, so nothing can map into it afterwards.
        regions().remove(&(self.map.as_ptr() as usize));
    }
}

/// The `need` bytes from `window`'s start, if `window` starts a live region that long.
fn region_start(window: &mut [u8], need: usize) -> NativeResult<*mut u8> {
    let start = window.as_mut_ptr();
    match regions().get(&(start as usize)) {
        Some(&len) if need <= len && need <= window.len() => Ok(start),
        Some(&len) => Err(NativeError::InvalidArgument(format!(
            "chunk-store: the chunks need a map region of {need} bytes; this one has {}",
            len.min(window.len())
        ))),
        None => Err(NativeError::InvalidArgument(
            "chunk-store: the target is not a map region (make one with reserveMapRegion)".to_owned(),
        )),
    }
}

/// Maps chunk `i` (`sizes[i]` bytes) at `offsets[i]` of `window` by [`region_layout`], checking
/// them as `check` says, and returns the offsets. `window` must be a whole [`MapRegion`] that no one
/// reads while this runs; the previous maps in it are replaced. The failures of `get_chunks_into`.
pub fn map_chunks_into(
    root: &str,
    ids: &[String],
    sizes: &[usize],
    window: &mut [u8],
    check: &ReadCheck,
) -> NativeResult<Vec<usize>> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    if sizes.len() != ids.len() {
        return Err(NativeError::InvalidArgument(format!("{} sizes given for {} chunk ids", sizes.len(), ids.len())));
    }
    let (offsets, need) = region_layout(sizes);
    let base = region_start(window, need)? as usize;
    let layout = Layout::new(root);
    let map = |(i, ((id, &size), &offset)): (usize, ((&String, &usize), &usize))| -> NativeResult<()> {
        let file = layout.open(id)?;
        let len =
            file.metadata().map_err(|e| NativeError::io(format!("chunk-store: cannot stat chunk {id}"), e))?.len();
        layout.expect_len(id, len, size)?;
        if size == 0 {
            return Ok(());
        }
        let at = (base + offset) as *mut libc::c_void;
        // SAFETY: [at, at + size) lies in a live region (checked above) that the caller keeps alive
        // and unread while this runs, in pages of this chunk alone (region_layout), so replacing
        // them affects no other Rust or JS object. The file map is sound for the reasons at
        // `map_file`: chunk files are immutable and renamed into place, and the map is private.
        let got = unsafe {
            libc::mmap(
                at,
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                0,
            )
        };
        if got != at {
            let e = std::io::Error::last_os_error();
            return Err(NativeError::io(format!("chunk-store: cannot map chunk {id}"), e));
        }
        // SAFETY: the `size` bytes at `at` were just mapped to the chunk's file.
        check.check(i, id, unsafe { std::slice::from_raw_parts(at as *const u8, size) })
    };
    let work = ids.iter().zip(sizes).zip(&offsets).enumerate();
    let results: Vec<NativeResult<()>> = if ids.len() >= PARALLEL_MIN_READS {
        let work: Vec<_> = work.collect();
        config::install(|| Ok(work.into_par_iter().map(map).collect()))?
    } else {
        work.map(map).collect()
    };
    results.into_iter().collect::<NativeResult<()>>()?;
    Ok(offsets)
}

/// Replaces every map in the region `window` with anonymous memory: the chunk files are no longer
/// mapped (a deleted one frees its disk space), and the region stays as usable as before.
pub fn unmap_chunks(window: &mut [u8]) -> NativeResult<()> {
    let len = window.len();
    let start = region_start(window, len)?;
    // SAFETY: the whole of a live region (checked above) that the caller no longer reads from.
    let got = unsafe {
        libc::mmap(
            start.cast(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    if got != start.cast() {
        return Err(NativeError::io("chunk-store: cannot unmap a map region", std::io::Error::last_os_error()));
    }
    Ok(())
}

// ---- napi glue -------------------------------------------------------------------------------

/// Options of `mapChunks`.
#[napi(object)]
pub struct MapOptions {
    /// Check every chunk and fail with `ARM_CORRUPT_CHUNK` on a mismatch (default false).
    pub verify: Option<bool>,
    /// With `verify`: per chunk, its XXH64 sum to check instead of re-hashing it to its id (null: the id).
    pub sums: Option<Vec<Option<String>>>,
    /// Copy the bytes into ordinary Buffers instead of handing out views of the maps (default
    /// false). The copying path is also taken automatically where the runtime refuses external
    /// buffers.
    pub copy: Option<bool>,
}

pub struct MapChunksTask {
    root: String,
    ids: Vec<String>,
    verify: bool,
    sums: Option<Vec<Option<String>>>,
    copy: bool,
    failure: Failure,
}

/// Runs `mapChunks`: maps on the libuv/rayon pools, wraps the maps in Buffers on the JS thread.
#[napi]
impl<'task> ScopedTask<'task> for MapChunksTask {
    type Output = Vec<Mapped>;
    type JsValue = Vec<BufferSlice<'task>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let sums = self.sums.take();
        self.failure.run(|| map_chunks(&self.root, &self.ids, &ReadCheck::new(self.verify, sums, self.ids.len())?))
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
    let (verify, sums, copy) = options.map(|o| (o.verify.unwrap_or(false), o.sums, o.copy.unwrap_or(false))).unwrap_or_default();
    AsyncTask::new(MapChunksTask { root, ids, verify, sums, copy, failure: Failure::default() })
}

/// Reserves a map region of at least `bytes` bytes for `mapChunksInto`, as a Buffer (whole pages)
/// that views it for as long as V8 holds it; null where the runtime refuses external buffers (there,
/// `mapChunks` copies instead).
#[napi(js_name = "reserveMapRegion", catch_unwind)]
pub fn reserve_map_region_js(env: &Env, bytes: f64) -> napi::Result<Option<BufferSlice<'_>>, ErrorCode> {
    if !(bytes.is_finite() && bytes >= 0.0 && bytes <= u32::MAX as f64) {
        return Err(NativeError::InvalidArgument(format!("reserveMapRegion: invalid size {bytes}")).into_napi());
    }
    let mut region = MapRegion::new(bytes as usize).map_err(NativeError::into_napi)?;
    let slice = region.as_mut_slice();
    let (ptr, len) = (slice.as_mut_ptr(), slice.len());
    // SAFETY: `ptr`/`len` describe the region, which moves into the finalizer hint, so it stays
    // mapped exactly as long as V8 holds the Buffer. Moving a `MapRegion` does not move the mapping.
    let buffer = unsafe { BufferSlice::from_external(env, ptr, len, region, |_env, region| drop(region)) }
        .map_err(|e| NativeError::Internal(format!("reserveMapRegion: {e}")).into_napi())?;
    // Where the runtime refuses external buffers, napi-rs hands out a copy and drops the region.
    Ok((buffer.as_ptr() == ptr.cast_const()).then_some(buffer))
}

/// The bytes a map region must span to hold chunks of `sizes` bytes (each starts on a page).
#[napi(js_name = "mapRegionBytes")]
pub fn map_region_bytes_js(sizes: Vec<u32>) -> f64 {
    region_layout(&sizes.into_iter().map(|s| s as usize).collect::<Vec<_>>()).1 as f64
}

pub struct MapChunksIntoTask {
    root: String,
    ids: Vec<String>,
    sizes: Vec<usize>,
    region: Buffer,
    options: Option<MapIntoOptions>,
    failure: Failure,
}

/// Runs `mapChunksInto` on the libuv pool; `compute` fans out on the rayon pool.
#[napi]
impl Task for MapChunksIntoTask {
    type Output = Vec<usize>;
    type JsValue = Vec<f64>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // `region` holds a reference to the JS Buffer, which the caller leaves alone until the
        // promise settles.
        let (verify, sums) = self.options.take().map(|o| (o.verify.unwrap_or(false), o.sums)).unwrap_or_default();
        let (root, ids, sizes, region) = (&self.root, &self.ids, &self.sizes, self.region.as_mut());
        self.failure.run(|| map_chunks_into(root, ids, sizes, region, &ReadCheck::new(verify, sums, ids.len())?))
    }

    fn resolve(&mut self, _env: Env, offsets: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(offsets.into_iter().map(|o| o as f64).collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Maps chunks by id from `root` into `region` (from `reserveMapRegion`, spanning at least
/// `mapRegionBytes(sizes)`), replacing the maps of the previous call, and resolves to each chunk's
/// offset in `region` (in input order; chunk `i` has `sizes[i]` bytes). The views are copy-on-write:
/// writing to one never changes the stored chunk. Leave `region` alone until the promise settles.
/// The errors of `getChunksInto`.
#[napi(js_name = "mapChunksInto", catch_unwind)]
pub fn map_chunks_into_js(
    root: String,
    ids: Vec<String>,
    sizes: Vec<u32>,
    region: Buffer,
    options: Option<MapIntoOptions>,
) -> AsyncTask<MapChunksIntoTask> {
    let sizes = sizes.into_iter().map(|s| s as usize).collect();
    AsyncTask::new(MapChunksIntoTask { root, ids, sizes, region, options, failure: Failure::default() })
}

/// Options of `mapChunksInto`.
#[napi(object)]
pub struct MapIntoOptions {
    /// Check every chunk and fail with `ARM_CORRUPT_CHUNK` on a mismatch (default false).
    pub verify: Option<bool>,
    /// With `verify`: per chunk, its XXH64 sum to check instead of re-hashing it to its id (null: the id).
    pub sums: Option<Vec<Option<String>>>,
}

pub struct UnmapChunksTask {
    region: Buffer,
    failure: Failure,
}

/// Runs `unmapChunks` on the libuv pool: tearing down the page tables of a read's maps takes ~0.2
/// ms for 8 MB, which the JS thread need not wait for.
#[napi]
impl Task for UnmapChunksTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.failure.run(|| unmap_chunks(self.region.as_mut()))
    }

    fn resolve(&mut self, _env: Env, _output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Unmaps the chunk files mapped into `region` (which stays usable), so that a chunk deleted
/// later frees its disk space at once. Leave `region` alone until the promise settles.
#[napi(js_name = "unmapChunks", catch_unwind)]
pub fn unmap_chunks_js(region: Buffer) -> AsyncTask<UnmapChunksTask> {
    AsyncTask::new(UnmapChunksTask { region, failure: Failure::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::put_chunks;
    use crate::error::ErrorCode;
    use crate::test_util::TempDir;

    /// Puts `chunks` under `root` and returns their ids.
    fn stored(root: &str, chunks: &[&[u8]]) -> Vec<String> {
        put_chunks(root, chunks, false).unwrap().into_iter().map(|r| r.id).collect()
    }

    #[test]
    fn maps_exactly_the_file_bytes_including_empty_files() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let big: Vec<u8> = (0..(1 << 20) + 3).map(|i| (i * 7 % 256) as u8).collect();
        let chunks: Vec<&[u8]> = vec![b"", b"x", &big, b"abc", b""];
        let ids = stored(root, &chunks);
        let mapped = map_chunks(root, &ids, &ReadCheck::from(true)).unwrap();
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
        let ids = stored(root, &[b"immutable".as_slice()]);
        let mut mapped = map_chunks(root, &ids, &ReadCheck::from(false)).unwrap();
        if let Mapped::Map(map) = &mut mapped[0] {
            map[0] = b'X';
        }
        assert_eq!(Layout::new(root).read(&ids[0]).unwrap(), b"immutable");
    }

    #[test]
    fn a_map_outlives_unlink() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids = stored(root, &[b"still here".as_slice()]);
        let mapped = map_chunks(root, &ids, &ReadCheck::from(false)).unwrap();
        std::fs::remove_file(Layout::new(root).object_path(&ids[0])).unwrap();
        assert_eq!(mapped[0].as_ref(), b"still here");
        let err = map_chunks(root, &ids, &ReadCheck::from(false)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::ChunkNotFound);
    }

    #[test]
    fn verify_detects_a_flipped_byte() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids = stored(root, &[b"payload".as_slice()]);
        std::fs::write(Layout::new(root).object_path(&ids[0]), b"paylaod").unwrap();
        let err = map_chunks(root, &ids, &ReadCheck::from(true)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::CorruptChunk);
    }

    #[test]
    fn a_region_maps_chunks_on_pages_and_replaces_them_read_after_read() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let big: Vec<u8> = (0..(1 << 20) + 3).map(|i| (i * 7 % 256) as u8).collect();
        let first: Vec<&[u8]> = vec![b"abc", b"", &big, b"x"];
        let ids = stored(root, &first);
        let sizes: Vec<usize> = first.iter().map(|c| c.len()).collect();
        let (_, need) = region_layout(&sizes);
        let page = page_size();
        assert_eq!(need, page + 0 + ((1 << 20) + 3usize).div_ceil(page) * page + page);
        let mut region = MapRegion::new(need).unwrap();
        let offsets = map_chunks_into(root, &ids, &sizes, region.as_mut_slice(), &ReadCheck::from(true)).unwrap();
        let window = region.as_mut_slice();
        for ((c, &at), &size) in first.iter().zip(&offsets).zip(&sizes) {
            assert_eq!(at % page, 0);
            assert_eq!(&window[at..at + size], *c);
        }
        // A file's last page reads as zeros past its end, and writes stay private.
        assert_eq!(window[3..page], vec![0u8; page - 3][..]);
        window[0] = b'X';
        assert_eq!(Layout::new(root).read(&ids[0]).unwrap(), b"abc");

        let second = [b"second read".as_slice()];
        let again = stored(root, &second);
        let offsets = map_chunks_into(root, &again, &[11], region.as_mut_slice(), &ReadCheck::from(false)).unwrap();
        assert_eq!(offsets, vec![0]);
        assert_eq!(&region.as_mut_slice()[..11], b"second read");

        unmap_chunks(region.as_mut_slice()).unwrap();
        assert!(region.as_mut_slice()[..page].iter().all(|&b| b == 0), "anonymous memory again");
    }

    #[test]
    fn only_a_live_region_large_enough_is_mapped_into() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids = stored(root, &[b"payload".as_slice()]);
        let mut heap = vec![0u8; 1 << 16];
        let err = map_chunks_into(root, &ids, &[7], &mut heap, &ReadCheck::from(false)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.to_string().contains("not a map region"), "{err}");
        let mut region = MapRegion::new(1).unwrap();
        let two = vec![ids[0].clone(), ids[0].clone()];
        let err = map_chunks_into(root, &two, &[7, 7], region.as_mut_slice(), &ReadCheck::from(false)).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "chunk-store: the chunks need a map region of {} bytes; this one has {}",
                2 * page_size(),
                page_size()
            )
        );
        let err = map_chunks_into(root, &ids, &[8], region.as_mut_slice(), &ReadCheck::from(false)).err().unwrap();
        assert_eq!(err.to_string(), format!("chunk-store: chunk {} has 7 bytes, not the 8 expected", ids[0]));
        let ptr = region.as_mut_slice().as_ptr() as usize;
        drop(region);
        assert!(!regions().contains_key(&ptr), "a dropped region is unregistered");
    }

    #[test]
    fn a_region_read_fails_on_missing_and_corrupt_chunks() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ids = stored(root, &[b"payload".as_slice()]);
        std::fs::write(Layout::new(root).object_path(&ids[0]), b"paylaod").unwrap();
        let mut region = MapRegion::new(1).unwrap();
        let err = map_chunks_into(root, &ids, &[7], region.as_mut_slice(), &ReadCheck::from(true)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::CorruptChunk);
        std::fs::remove_file(Layout::new(root).object_path(&ids[0])).unwrap();
        let err = map_chunks_into(root, &ids, &[7], region.as_mut_slice(), &ReadCheck::from(false)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::ChunkNotFound);
    }
}
