//! Batch chunk I/O: one call stores or fetches many chunks; hashing, writes, fsyncs and reads run
//! in parallel on the addon's rayon pool. Results are always in input order.
//!
//! A batch is either handed over whole (`put_chunks`) or fed one chunk at a time (`PutStream`), so
//! that storing overlaps whatever produces the next chunk (the wasm phases encode Parquet on the JS
//! thread while the pool hashes, writes and fsyncs the chunks before it). Both end the same way.
//!
//! Duplicates inside one batch are written once: the first task to claim an id writes it, the
//! others skip, and `written: true` is then reported on the first occurrence in input order (so the
//! result does not depend on scheduling). Fan-out directories are fsynced once per batch, after all
//! renames, and `objects/` too if the batch created a fan-out directory.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

use napi::bindgen_prelude::{AsyncTask, Buffer, Env, Task};
use napi_derive::napi;
use rayon::prelude::*;

use crate::check::{sum_hex, ReadCheck};
use crate::config;
use crate::error::{guard, ErrorCode, Failure, NativeError, NativeResult};
use crate::hash::{hash_hex, validate_id};
use crate::layout::{sync_dir, Layout};

/// A batch whose chunks total less than this runs on the calling (libuv) thread, unless it is
/// fsynced. Reason: handing work to the pool costs a few µs per task plus waking parked workers,
/// which is more than hashing and writing a few KiB; 1 MiB is ~0.2 ms of BLAKE3 on one core, where
/// a second core starts to pay. An fsynced batch always goes parallel: each fsync waits ~ms on
/// the disk, so overlapping them wins whatever the size.
pub const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Reads of fewer chunks than this run on the calling thread (one read is a few syscalls, so
/// two or three of them do not repay waking the pool).
pub const PARALLEL_MIN_READS: usize = 4;

/// One stored chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    pub id: String,
    /// XXH64 of the bytes, for the manifest entry (see `check.rs`).
    pub sum: String,
    pub written: bool,
    pub bytes: usize,
}

/// Shared state of one batch of puts: dedup claims and the directories to fsync at the end.
pub struct BatchWriter {
    layout: Layout,
    fsync: bool,
    /// Set once `objects/` and `tmp/` exist (made by the first put, off the JS thread).
    dirs_ready: OnceLock<()>,
    claimed: Mutex<HashSet<String>>,
    touched: Mutex<BTreeSet<PathBuf>>,
    /// `objects/` needs a flush too: a fan-out directory was created, or an object was found.
    sync_objects: AtomicBool,
}

impl BatchWriter {
    /// A batch over `root`; touches no file until the first put.
    pub fn new(root: &str, fsync: bool) -> Self {
        BatchWriter {
            layout: Layout::new(root),
            fsync,
            dirs_ready: OnceLock::new(),
            claimed: Mutex::new(HashSet::new()),
            touched: Mutex::new(BTreeSet::new()),
            sync_objects: AtomicBool::new(false),
        }
    }

    /// Hashes `bytes` and stores them (see [`BatchWriter::put`]).
    pub fn store(&self, bytes: &[u8]) -> NativeResult<PutResult> {
        let id = hash_hex(bytes);
        let written = self.put(&id, bytes)?;
        Ok(PutResult { id, sum: sum_hex(bytes), written, bytes: bytes.len() })
    }

    /// Stores `bytes` under `id` unless this batch already claimed it. Returns `written`.
    pub fn put(&self, id: &str, bytes: &[u8]) -> NativeResult<bool> {
        if self.dirs_ready.get().is_none() {
            // Two first puts racing here both create the directories; that is harmless.
            self.layout.ensure_dirs()?;
            let _ = self.dirs_ready.set(());
        }
        if !self.claimed.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_owned()) {
            return Ok(false);
        }
        let outcome = self.layout.put(id, bytes, self.fsync)?;
        if self.fsync {
            // An object found in place may be a concurrent writer's that is renamed in but whose
            // directory is not flushed yet: flushing it here too means that whatever this batch
            // reports is durable before a commit can name it.
            self.touched.lock().unwrap_or_else(|e| e.into_inner()).insert(self.layout.fanout_dir(id));
        }
        if outcome.created_fanout || !outcome.written {
            self.sync_objects.store(true, Ordering::Relaxed);
        }
        Ok(outcome.written)
    }

    /// fsyncs every touched fan-out directory once, then `objects/` if a fan-out was created or an
    /// object was found.
    pub fn finish(&self) -> NativeResult<()> {
        if !self.fsync {
            return Ok(());
        }
        let dirs: Vec<PathBuf> =
            std::mem::take(&mut *self.touched.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect();
        if dirs.len() > 1 {
            dirs.par_iter().try_for_each(|d| sync_dir(d))?;
        } else {
            dirs.iter().try_for_each(|d| sync_dir(d))?;
        }
        if self.sync_objects.load(Ordering::Relaxed) {
            sync_dir(&self.layout.objects_dir())?;
        }
        Ok(())
    }
}

/// Moves `written: true` to the first occurrence of each id (see the module doc).
pub fn settle_duplicates<'a>(ids: impl Iterator<Item = &'a str>, written: &mut [bool]) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.enumerate() {
        match first.get(id) {
            None => {
                first.insert(id, i);
            }
            Some(&f) => {
                written[f] |= written[i];
                written[i] = false;
            }
        }
    }
}

/// Hashes and stores every chunk; results in input order.
pub fn put_chunks(root: &str, chunks: &[&[u8]], fsync: bool) -> NativeResult<Vec<PutResult>> {
    let writer = BatchWriter::new(root, fsync);
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let parallel = chunks.len() > 1 && (fsync || total >= PARALLEL_MIN_BYTES);
    let results: Vec<NativeResult<PutResult>> = if parallel {
        config::install(|| Ok(chunks.par_iter().map(|c| writer.store(c)).collect()))?
    } else {
        chunks.iter().map(|c| writer.store(c)).collect()
    };
    finish_batch(&writer, results)
}

/// Ends a batch once every put has returned: the first failure in input order, else the
/// directories fsynced and `written` settled over duplicates.
fn finish_batch(writer: &BatchWriter, results: Vec<NativeResult<PutResult>>) -> NativeResult<Vec<PutResult>> {
    let mut results = results.into_iter().collect::<NativeResult<Vec<_>>>()?;
    writer.finish()?;
    let mut written: Vec<bool> = results.iter().map(|r| r.written).collect();
    settle_duplicates(results.iter().map(|r| r.id.as_str()), &mut written);
    for (r, w) in results.iter_mut().zip(written) {
        r.written = w;
    }
    Ok(results)
}

/// A batch of puts fed one chunk at a time: `add` starts hashing, writing and fsyncing the chunk
/// on the pool and returns at once; `finish` waits for every chunk and ends the batch exactly as
/// [`put_chunks`] does (same ids, same `written`, same first failure in input order).
///
/// Dropping a stream without `finish` lets the started puts complete in the background: they only
/// create content-addressed objects, which nothing references yet (the next `gc` removes them).
pub struct PutStream {
    writer: Arc<BatchWriter>,
    pending: Vec<mpsc::Receiver<NativeResult<PutResult>>>,
}

impl PutStream {
    pub fn new(root: &str, fsync: bool) -> Self {
        PutStream { writer: Arc::new(BatchWriter::new(root, fsync)), pending: Vec::new() }
    }

    /// Queues `bytes` on the pool; they stay owned by the task until it is done with them.
    pub fn add(&mut self, bytes: impl AsRef<[u8]> + Send + 'static) -> NativeResult<()> {
        let (done, result) = mpsc::sync_channel(1);
        let writer = Arc::clone(&self.writer);
        config::pool()?.spawn(move || {
            // The receiver is gone only if the stream was dropped unfinished; nobody wants it then.
            let _ = done.send(guard(|| writer.store(bytes.as_ref())));
        });
        self.pending.push(result);
        Ok(())
    }

    /// Blocks until every queued put has returned (all of them, even after a failure, so that no
    /// write outlives the call), then ends the batch.
    pub fn finish(self) -> NativeResult<Vec<PutResult>> {
        let lost = || NativeError::Internal("a put task ended without a result".to_owned());
        let results = self.pending.into_iter().map(|r| r.recv().unwrap_or_else(|_| Err(lost()))).collect();
        finish_batch(&self.writer, results)
    }
}

/// Reads every chunk (checking it as `check` says); fails as a whole on the first problem in
/// input order.
pub fn get_chunks(root: &str, ids: &[String], check: &ReadCheck) -> NativeResult<Vec<Vec<u8>>> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    let layout = Layout::new(root);
    let read = |(i, id): (usize, &String)| -> NativeResult<Vec<u8>> {
        let bytes = layout.read(id)?;
        check.check(i, id, &bytes)?;
        Ok(bytes)
    };
    let results: Vec<NativeResult<Vec<u8>>> = if ids.len() >= PARALLEL_MIN_READS {
        config::install(|| Ok(ids.par_iter().enumerate().map(read).collect()))?
    } else {
        ids.iter().enumerate().map(read).collect()
    };
    results.into_iter().collect()
}

/// Reads chunk `i` into the next `sizes[i]` bytes of `target` (the chunks back to back, in input
/// order), verifying hashes if asked. Same failures as [`get_chunks`], and `ARM_CORRUPT_CHUNK` for
/// a file whose length is not its size. Reading into the caller's memory is what makes this faster
/// than `get_chunks`: a fresh buffer costs a page fault per 4 KiB, where a reused one is only copied.
pub fn get_chunks_into(
    root: &str,
    ids: &[String],
    sizes: &[usize],
    target: &mut [u8],
    check: &ReadCheck,
) -> NativeResult<()> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    if sizes.len() != ids.len() {
        return Err(NativeError::InvalidArgument(format!("{} sizes given for {} chunk ids", sizes.len(), ids.len())));
    }
    let total: usize = sizes.iter().sum();
    if total != target.len() {
        return Err(NativeError::InvalidArgument(format!("target holds {} bytes, the chunks {total}", target.len())));
    }
    let mut slots: Vec<&mut [u8]> = Vec::with_capacity(sizes.len());
    let mut rest = target;
    for &size in sizes {
        let (slot, tail) = rest.split_at_mut(size);
        slots.push(slot);
        rest = tail;
    }
    let layout = Layout::new(root);
    let read = |(i, (id, slot)): (usize, (&String, &mut [u8]))| -> NativeResult<()> {
        layout.read_into(id, slot)?;
        check.check(i, id, slot)
    };
    let results: Vec<NativeResult<()>> = if ids.len() >= PARALLEL_MIN_READS {
        config::install(|| Ok(ids.par_iter().zip(slots).enumerate().map(read).collect()))?
    } else {
        ids.iter().zip(slots).enumerate().map(read).collect()
    };
    results.into_iter().collect()
}

// ---- napi glue -------------------------------------------------------------------------------

/// Options of `putChunks`.
#[napi(object)]
pub struct PutOptions {
    /// fsync each new object and its directory before resolving (default true).
    pub fsync: Option<bool>,
}

/// One stored chunk, as returned by `putChunks`.
#[napi(object)]
pub struct PutChunkResult {
    /// BLAKE3-256 hex of the bytes.
    pub id: String,
    /// XXH64 hex of the bytes: what verified reads check when given it (see `sums`).
    pub sum: String,
    /// True if this call created the object; false if it already existed (dedup) or was a
    /// duplicate of an earlier chunk in the same batch.
    pub written: bool,
    /// Length of the chunk in bytes.
    pub bytes: i64,
}

/// Options of `getChunks`.
#[napi(object)]
pub struct GetOptions {
    /// Check every chunk and fail with `ARM_CORRUPT_CHUNK` on a mismatch (default false).
    pub verify: Option<bool>,
    /// With `verify`: per chunk, its XXH64 sum to check instead of re-hashing it to its id (null: the id).
    pub sums: Option<Vec<Option<String>>>,
}

impl GetOptions {
    /// The check these options ask for, over `chunks` chunks.
    pub fn check(options: Option<GetOptions>, chunks: usize) -> NativeResult<ReadCheck> {
        let (verify, sums) = options.map(|o| (o.verify.unwrap_or(false), o.sums)).unwrap_or_default();
        ReadCheck::new(verify, sums, chunks)
    }
}

pub struct PutChunksTask {
    root: String,
    chunks: Vec<Buffer>,
    fsync: bool,
    failure: Failure,
}

/// Runs `putChunks` on the libuv pool; `compute` fans out on the rayon pool.
#[napi]
impl Task for PutChunksTask {
    type Output = Vec<PutResult>;
    type JsValue = Vec<PutChunkResult>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let slices: Vec<&[u8]> = self.chunks.iter().map(|b| b.as_ref()).collect();
        self.failure.run(|| put_chunks(&self.root, &slices, self.fsync))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into_iter().map(PutChunkResult::from).collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Hashes and stores chunks under `root` (`objects/<2 hex>/<62 hex>`, written through `tmp/` and
/// renamed into place), in parallel. Resolves to one result per chunk, in input order.
#[napi(js_name = "putChunks", catch_unwind)]
pub fn put_chunks_js(root: String, chunks: Vec<Buffer>, options: Option<PutOptions>) -> AsyncTask<PutChunksTask> {
    let fsync = options.and_then(|o| o.fsync).unwrap_or(true);
    AsyncTask::new(PutChunksTask { root, chunks, fsync, failure: Failure::default() })
}

/// A batch of puts fed one chunk at a time (`openPutStream`), so that storing overlaps the work
/// that produces the next chunk.
#[napi]
pub struct ChunkPutStream {
    inner: Option<PutStream>,
}

#[napi]
impl ChunkPutStream {
    /// Starts hashing, writing (and fsyncing) `chunk` on the addon's pool and returns at once. The
    /// caller must not change the buffer until `finish` settles.
    #[napi(catch_unwind)]
    pub fn add(&mut self, chunk: Buffer) -> napi::Result<(), ErrorCode> {
        let stream = self.inner.as_mut().ok_or_else(|| finished().into_napi())?;
        stream.add(chunk).map_err(NativeError::into_napi)
    }

    /// Resolves when every added chunk is stored (durable, with fsync): one result per chunk, in
    /// the order added. Rejects with the first failure in that order, once all puts have returned.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<PutChunkResult>>")]
    pub fn finish(&mut self) -> napi::Result<AsyncTask<FinishPutsTask>, ErrorCode> {
        let stream = self.inner.take().ok_or_else(|| finished().into_napi())?;
        Ok(AsyncTask::new(FinishPutsTask { stream: Some(stream), failure: Failure::default() }))
    }
}

fn finished() -> NativeError {
    NativeError::InvalidArgument("put stream: already finished".to_owned())
}

/// Opens a put stream over `root`: the batch of `putChunks`, fed one chunk at a time. Touches no
/// file until the first chunk arrives.
#[napi(js_name = "openPutStream")]
pub fn open_put_stream_js(root: String, options: Option<PutOptions>) -> ChunkPutStream {
    let fsync = options.and_then(|o| o.fsync).unwrap_or(true);
    ChunkPutStream { inner: Some(PutStream::new(&root, fsync)) }
}

pub struct FinishPutsTask {
    stream: Option<PutStream>,
    failure: Failure,
}

/// Waits for a put stream on the libuv pool.
#[napi]
impl Task for FinishPutsTask {
    type Output = Vec<PutResult>;
    type JsValue = Vec<PutChunkResult>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let stream = self.stream.take();
        self.failure.run(|| stream.ok_or_else(finished)?.finish())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into_iter().map(PutChunkResult::from).collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

impl From<PutResult> for PutChunkResult {
    fn from(r: PutResult) -> Self {
        PutChunkResult { id: r.id, sum: r.sum, written: r.written, bytes: r.bytes as i64 }
    }
}

pub struct GetChunksTask {
    root: String,
    ids: Vec<String>,
    options: Option<GetOptions>,
    failure: Failure,
}

/// Runs `getChunks` on the libuv pool; `compute` fans out on the rayon pool.
#[napi]
impl Task for GetChunksTask {
    type Output = Vec<Vec<u8>>;
    type JsValue = Vec<Buffer>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let options = self.options.take();
        self.failure.run(|| get_chunks(&self.root, &self.ids, &GetOptions::check(options, self.ids.len())?))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into_iter().map(Buffer::from).collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Reads chunks by id from `root`, in parallel, in input order. Fails as a whole with
/// `ARM_CHUNK_NOT_FOUND` (naming the id) if any is missing, `ARM_CORRUPT_CHUNK` if `verify` finds
/// bytes that are not what was stored, `ARM_INVALID_ARGUMENT` for a malformed id or sum.
#[napi(js_name = "getChunks", catch_unwind)]
pub fn get_chunks_js(root: String, ids: Vec<String>, options: Option<GetOptions>) -> AsyncTask<GetChunksTask> {
    AsyncTask::new(GetChunksTask { root, ids, options, failure: Failure::default() })
}

pub struct GetChunksIntoTask {
    root: String,
    ids: Vec<String>,
    sizes: Vec<usize>,
    target: Buffer,
    options: Option<GetOptions>,
    failure: Failure,
}

/// Runs `getChunksInto` on the libuv pool; `compute` fans out on the rayon pool.
#[napi]
impl Task for GetChunksIntoTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // `target` holds a reference to the JS Buffer, which the caller leaves alone until the
        // promise settles.
        let options = self.options.take();
        let (root, ids, sizes, target) = (&self.root, &self.ids, &self.sizes, self.target.as_mut());
        self.failure.run(|| get_chunks_into(root, ids, sizes, target, &GetOptions::check(options, ids.len())?))
    }

    fn resolve(&mut self, _env: Env, _output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Reads chunks by id from `root` into `target`, in parallel: chunk `i` fills the next
/// `sizes[i]` bytes, so `target` must hold exactly their sum. Lets a caller reuse one buffer for
/// many reads. The errors of `getChunks`, plus `ARM_CORRUPT_CHUNK` for a stored file whose length
/// is not its size and `ARM_INVALID_ARGUMENT` for sizes that do not fit `target`.
#[napi(js_name = "getChunksInto", catch_unwind)]
pub fn get_chunks_into_js(
    root: String,
    ids: Vec<String>,
    sizes: Vec<u32>,
    target: Buffer,
    options: Option<GetOptions>,
) -> AsyncTask<GetChunksIntoTask> {
    let sizes = sizes.into_iter().map(|s| s as usize).collect();
    AsyncTask::new(GetChunksIntoTask { root, ids, sizes, target, options, failure: Failure::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::test_util::TempDir;

    fn root(dir: &TempDir) -> String {
        dir.path().to_str().unwrap().to_owned()
    }

    #[test]
    fn round_trip_in_order_with_duplicates() {
        let dir = TempDir::new();
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<&[u8]> = vec![b"a", &big, b"b", b"a", b"", &big];
        let results = put_chunks(&root(&dir), &chunks, true).unwrap();
        let written: Vec<bool> = results.iter().map(|r| r.written).collect();
        assert_eq!(written, [true, true, true, false, true, false]);
        assert_eq!(results[0].id, results[3].id);
        assert_eq!(results[1].bytes, big.len());
        let again = put_chunks(&root(&dir), &chunks, false).unwrap();
        assert!(again.iter().all(|r| !r.written), "second batch is fully deduplicated");
        let ids: Vec<String> = results.iter().map(|r| r.id.clone()).collect();
        let back = get_chunks(&root(&dir), &ids, &ReadCheck::from(true)).unwrap();
        let expected: Vec<Vec<u8>> = chunks.iter().map(|c| c.to_vec()).collect();
        assert_eq!(back, expected);
    }

    #[test]
    fn a_batch_flushes_the_directories_of_objects_it_finds_as_well_as_those_it_writes() {
        let dir = TempDir::new();
        put_chunks(&root(&dir), &[b"old".as_slice()], true).unwrap();
        let writer = BatchWriter::new(&root(&dir), true);
        let found = hash_hex(b"old");
        assert!(!writer.put(&found, b"old").unwrap(), "already stored");
        let touched = writer.touched.lock().unwrap().clone();
        assert_eq!(touched.into_iter().collect::<Vec<_>>(), vec![writer.layout.fanout_dir(&found)]);
        assert!(writer.sync_objects.load(Ordering::Relaxed));
        writer.finish().unwrap();
        let quiet = BatchWriter::new(&root(&dir), false);
        quiet.put(&found, b"old").unwrap();
        assert!(quiet.touched.lock().unwrap().is_empty(), "nothing to flush without fsync");
    }

    #[test]
    fn small_batches_stay_sequential_and_work() {
        let dir = TempDir::new();
        let chunks: Vec<&[u8]> = vec![b"x", b"y"];
        let results = put_chunks(&root(&dir), &chunks, false).unwrap();
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.written));
    }

    #[test]
    fn missing_and_corrupt_chunks_fail_the_batch() {
        let dir = TempDir::new();
        let chunks: Vec<&[u8]> = vec![b"one", b"two", b"three", b"four"];
        let results = put_chunks(&root(&dir), &chunks, false).unwrap();
        let mut ids: Vec<String> = results.iter().map(|r| r.id.clone()).collect();
        let missing = "0".repeat(64);
        ids.insert(2, missing.clone());
        let err = get_chunks(&root(&dir), &ids, &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.to_string(), format!("chunk-store: chunk {missing} not found"));

        let victim = &results[1].id;
        let path = Layout::new(root(&dir)).object_path(victim);
        std::fs::write(&path, b"twp").unwrap();
        let ids: Vec<String> = results.iter().map(|r| r.id.clone()).collect();
        assert!(get_chunks(&root(&dir), &ids, &ReadCheck::from(false)).is_ok(), "unverified reads do not hash");
        let err = get_chunks(&root(&dir), &ids, &ReadCheck::from(true)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CorruptChunk);
        assert_eq!(
            err.to_string(),
            format!("chunk-store: chunk {victim} is corrupt (content hashes to {})", hash_hex(b"twp"))
        );
    }

    #[test]
    fn reads_into_one_target_in_order() {
        let dir = TempDir::new();
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        let chunks: Vec<&[u8]> = vec![b"a", &big, b"", b"a", b"tail"];
        let ids: Vec<String> = put_chunks(&root(&dir), &chunks, false).unwrap().into_iter().map(|r| r.id).collect();
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        let mut target = vec![0xAAu8; sizes.iter().sum()];
        get_chunks_into(&root(&dir), &ids, &sizes, &mut target, &ReadCheck::from(true)).unwrap();
        assert_eq!(target, chunks.concat());

        let err = get_chunks_into(&root(&dir), &ids, &sizes[1..], &mut target, &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.to_string(), "4 sizes given for 5 chunk ids");
        let err = get_chunks_into(&root(&dir), &ids, &sizes, &mut target[1..], &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn a_stored_file_of_the_wrong_length_is_corrupt_even_unverified() {
        let dir = TempDir::new();
        let chunks: Vec<&[u8]> = vec![b"one", b"two"];
        let ids: Vec<String> = put_chunks(&root(&dir), &chunks, false).unwrap().into_iter().map(|r| r.id).collect();
        std::fs::write(Layout::new(root(&dir)).object_path(&ids[1]), b"tw").unwrap();
        let mut target = [0u8; 6];
        let err = get_chunks_into(&root(&dir), &ids, &[3, 3], &mut target, &ReadCheck::from(false)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("chunk-store: chunk {} is corrupt (content hashes to {})", ids[1], hash_hex(b"tw"))
        );
        // Intact bytes with a wrong size from the caller are the caller's mistake.
        let mut target = [0u8; 7];
        let err = get_chunks_into(&root(&dir), &ids[..1], &[7], &mut target, &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.to_string(), format!("chunk-store: chunk {} has 3 bytes, not the 7 expected", ids[0]));
        let missing = "0".repeat(64);
        let err = get_chunks_into(&root(&dir), std::slice::from_ref(&missing), &[7], &mut target, &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ChunkNotFound);
    }

    #[test]
    fn invalid_ids_are_rejected_by_name() {
        let err = get_chunks("/nonexistent", &["nope".to_owned()], &ReadCheck::from(false)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.to_string().contains("\"nope\""));
    }

    #[test]
    fn duplicate_flags_settle_on_the_first_occurrence() {
        let mut written = [false, false, true, true];
        settle_duplicates(["a", "b", "a", "c"].into_iter(), &mut written);
        assert_eq!(written, [true, false, false, true]);
    }

    #[test]
    fn two_batches_racing_on_the_same_ids_are_harmless() {
        let dir = TempDir::new();
        let data: Vec<Vec<u8>> = (0..32u8).map(|i| vec![i; 70_000]).collect();
        let chunks: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        let r = root(&dir);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| put_chunks(&r, &chunks, true).unwrap());
            let b = s.spawn(|| put_chunks(&r, &chunks, true).unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(a.iter().map(|x| &x.id).collect::<Vec<_>>(), b.iter().map(|x| &x.id).collect::<Vec<_>>());
        let ids: Vec<String> = a.iter().map(|x| x.id.clone()).collect();
        assert_eq!(get_chunks(&r, &ids, &ReadCheck::from(true)).unwrap(), data);
        assert_eq!(std::fs::read_dir(Layout::new(&r).tmp_dir()).unwrap().count(), 0);
    }

    #[test]
    fn a_stream_ends_exactly_like_the_whole_batch() {
        let (whole, fed) = (TempDir::new(), TempDir::new());
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<Vec<u8>> = vec![b"a".to_vec(), big.clone(), b"b".to_vec(), b"a".to_vec(), Vec::new(), big];
        let slices: Vec<&[u8]> = chunks.iter().map(|c| c.as_slice()).collect();
        let expected = put_chunks(&root(&whole), &slices, true).unwrap();
        let mut stream = PutStream::new(&root(&fed), true);
        for c in &chunks {
            stream.add(c.clone()).unwrap();
        }
        assert_eq!(stream.finish().unwrap(), expected);
        let ids: Vec<String> = expected.iter().map(|r| r.id.clone()).collect();
        assert_eq!(get_chunks(&root(&fed), &ids, &ReadCheck::from(true)).unwrap(), chunks);
    }

    #[test]
    fn a_stream_reports_a_failure_after_every_put_returned() {
        let dir = TempDir::new();
        let not_a_dir = dir.path().join("file");
        std::fs::write(&not_a_dir, b"x").unwrap();
        let mut stream = PutStream::new(not_a_dir.to_str().unwrap(), false);
        stream.add(b"one".to_vec()).unwrap();
        stream.add(b"two".to_vec()).unwrap();
        let err = stream.finish().unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
        assert!(err.to_string().contains("cannot create directory"), "{err}");
        let empty = PutStream::new(&root(&dir), true).finish().unwrap();
        assert!(empty.is_empty());
    }
}
