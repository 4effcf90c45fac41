//! The native-parquet phase: Arrow crosses once (IPC bytes) and everything else is native.
//! `writeTable` = split + encode + stats + hash + write + fsync; `readTable` = map + verify +
//! decode + one IPC stream. Both run one rayon task per chunk (whose columns are tasks of their
//! own, parquet.rs), so a call holds at most about 2 × `threads` encoded chunks in flight besides
//! its input and output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use napi::bindgen_prelude::{AsyncTask, Buffer, BufferSlice, Either, Env, Task, Uint32Array};
use napi::ScopedTask;
use napi_derive::napi;
use rayon::prelude::*;

use crate::batch::{settle_duplicates, BatchWriter};
use crate::check::{sum_hex, ReadCheck};
use crate::config;
use crate::error::{Failure, NativeError, NativeResult};
use crate::hash::{hash_hex, validate_id};
use crate::ipc::{ipc_to_js, with_stream_view, IpcBytes, IpcTable};
use crate::ipc_pieces::with_pieces_view;
use crate::layout::Layout;
use crate::mmap::map_object;
use crate::parquet::{
    chunks_to_ipc, columns_in_parallel, decode_chunk, encode_pieces, for_each_slice, Compression, DecodedChunk, EncodeSettings,
};

/// One chunk stored by `write_table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    pub id: String,
    /// XXH64 of the bytes (see `check.rs`).
    pub sum: String,
    pub rows: usize,
    pub bytes: usize,
    pub written: bool,
    pub stats: String,
}

/// Threads that write encoded chunks (temp file, fsync, rename). They mostly wait on the disk, so
/// there are more of them than cores: fsyncs of different files overlap (ext4 commits them in one
/// journal transaction). 8 files of 1 MB written and fsynced here: 15.5 ms by one thread, 11.6 by
/// two, 10.0 by four, 9.2 by eight (medians of 15).
const IO_THREADS: usize = 4;

/// Encodes the IPC table into chunks and stores them under `root`; results in row order.
///
/// Encoding runs on the rayon pool; writes run on [`IO_THREADS`] dedicated threads fed through a
/// bounded queue, so a worker never sits in fsync while there is encoding left to do. The queue
/// bounds memory: at most `threads` encoded chunks wait for the disk, plus one per I/O thread.
pub fn write_table(root: &str, ipc: &[u8], settings: &EncodeSettings, fsync: bool) -> NativeResult<Vec<StoredChunk>> {
    with_stream_view(ipc, |table| store_table(root, table, settings, fsync))
}

fn store_table(root: &str, table: &IpcTable, settings: &EncodeSettings, fsync: bool) -> NativeResult<Vec<StoredChunk>> {
    let writer = BatchWriter::new(root, fsync);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, String, Vec<u8>)>(config::resolved_threads()?);
    // Shared by the I/O threads and dropped with the last of them: then encoders stop at their next send.
    let rx = Arc::new(Mutex::new(rx));
    let failed = AtomicBool::new(false);
    let (encoded, stored) = std::thread::scope(|scope| {
        let io: Vec<_> = (0..IO_THREADS)
            .map(|_| {
                let rx = Arc::clone(&rx);
                let (writer, failed) = (&writer, &failed);
                scope.spawn(move || -> NativeResult<Vec<(usize, bool)>> {
                    let mut done = Vec::new();
                    loop {
                        // The lock is held only to take the next chunk, not while writing it.
                        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((index, id, data)) = next else { return Ok(done) };
                        if failed.load(Ordering::Relaxed) {
                            return Ok(done);
                        }
                        match writer.put(&id, &data) {
                            Ok(written) => done.push((index, written)),
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                return Err(e);
                            }
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        let encoded = for_each_slice(table, settings.chunk_rows, |index, pieces, rows, columns| {
            let (data, stats) = encode_pieces(&table.schema, pieces, settings, index, columns)?;
            let chunk = StoredChunk { id: hash_hex(&data), sum: sum_hex(&data), rows, bytes: data.len(), written: false, stats };
            tx.send((index, chunk.id.clone(), data))
                .map_err(|_| NativeError::Internal("write-table: the I/O threads stopped".to_owned()))?;
            Ok(chunk)
        });
        drop(tx);
        let stored = io.into_iter().try_fold(Vec::new(), |mut all, thread| {
            let part = thread
                .join()
                .unwrap_or_else(|_| Err(NativeError::Internal("write-table: an I/O thread panicked".to_owned())))?;
            all.extend(part);
            Ok::<_, NativeError>(all)
        });
        (encoded, stored)
    });
    // An I/O failure explains an encoder's failed send, so it wins.
    let stored = stored?;
    let mut chunks = encoded?;
    writer.finish()?;
    for (index, written) in stored {
        chunks[index].written = written;
    }
    let mut written: Vec<bool> = chunks.iter().map(|c| c.written).collect();
    settle_duplicates(chunks.iter().map(|c| c.id.as_str()), &mut written);
    for (c, w) in chunks.iter_mut().zip(written) {
        c.written = w;
    }
    Ok(chunks)
}

/// Maps, checks as `check` says, and decodes the chunks `ids` from `root` into one IPC stream, one
/// batch per chunk: all its rows, or with `rows`, the rows `rows[i]` of chunk `i` (see `decode_chunk`).
pub fn read_table(
    root: &str,
    ids: &[String],
    columns: Option<&[String]>,
    rows: Option<&[Vec<u32>]>,
    check: &ReadCheck,
) -> NativeResult<IpcBytes> {
    ids.iter().try_for_each(|id| validate_id(id))?;
    if let Some(rows) = rows.filter(|r| r.len() != ids.len()) {
        return Err(NativeError::InvalidArgument(format!(
            "readTable: {} row selections for {} chunks",
            rows.len(),
            ids.len()
        )));
    }
    let layout = Layout::new(root);
    let parallel = columns_in_parallel(ids.len());
    let decode = |(index, id): (usize, &String)| -> NativeResult<DecodedChunk> {
        let mapped = map_object(&layout, id)?;
        check.check(index, id, mapped.as_ref())?;
        // Zero-copy: the decoder reads straight from the map, which drops with the last `Bytes`.
        decode_chunk(Bytes::from_owner(mapped), columns, rows.map(|r| r[index].as_slice()), index, parallel)
    };
    let decoded: Vec<NativeResult<DecodedChunk>> = config::install(|| Ok(ids.par_iter().enumerate().map(decode).collect()))?;
    chunks_to_ipc(decoded.into_iter().collect::<NativeResult<Vec<_>>>()?)
}

// ---- napi glue -------------------------------------------------------------------------------

/// Options of `writeTable`.
#[napi(object)]
pub struct WriteTableOptions {
    /// Rows per chunk (the last chunk may be shorter); also the Parquet row-group size.
    pub chunk_rows: u32,
    /// Parquet compression codec.
    #[napi(ts_type = "Compression")]
    pub compression: String,
    /// fsync each new object and its directory before resolving (default true).
    pub fsync: Option<bool>,
}

/// One chunk stored by `writeTable`.
#[napi(object)]
pub struct StoredChunkResult {
    /// BLAKE3-256 hex of the Parquet bytes.
    pub id: String,
    /// XXH64 hex of the Parquet bytes: what verified reads check when given it (see `sums`).
    pub sum: String,
    /// Rows in this chunk.
    pub rows: u32,
    /// Size of the Parquet file in bytes.
    pub bytes: i64,
    /// True if this call created the object; false if it already existed or repeats an earlier chunk.
    pub written: bool,
    /// Column statistics JSON, as in `encodeChunks`.
    pub stats: String,
}

/// Options of `readTable`.
#[napi(object)]
pub struct ReadTableOptions {
    /// Top-level columns to read (returned in schema order); all when omitted.
    pub columns: Option<Vec<String>>,
    /// Check every chunk before decoding (default false).
    pub verify: Option<bool>,
    /// With `verify`: per chunk, its XXH64 sum to check instead of re-hashing it to its id (null: the id).
    pub sums: Option<Vec<Option<String>>>,
    /// Per chunk, the rows to decode (ascending row numbers, at least one); all rows when omitted.
    pub rows: Option<Vec<Uint32Array>>,
}

pub struct WriteTableTask {
    root: String,
    ipc: Either<Buffer, Vec<Buffer>>,
    chunk_rows: u32,
    compression: String,
    fsync: bool,
    failure: Failure,
}

/// Runs `writeTable` on the libuv pool; encoders on rayon, writes on the I/O threads.
#[napi]
impl Task for WriteTableTask {
    type Output = Vec<StoredChunk>;
    type JsValue = Vec<StoredChunkResult>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.failure.run(|| {
            let settings = EncodeSettings::new(self.chunk_rows, Compression::parse(&self.compression)?)?;
            match &self.ipc {
                Either::A(stream) => write_table(&self.root, stream, &settings, self.fsync),
                Either::B(pieces) => {
                    let pieces: Vec<&[u8]> = pieces.iter().map(|p| &p[..]).collect();
                    with_pieces_view(&pieces, |table| store_table(&self.root, table, &settings, self.fsync))
                }
            }
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output
            .into_iter()
            .map(|c| StoredChunkResult {
                id: c.id,
                sum: c.sum,
                rows: c.rows as u32,
                bytes: c.bytes as i64,
                written: c.written,
                stats: c.stats,
            })
            .collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Writes an Arrow table (IPC stream bytes, whole or as consecutive pieces) to the chunk store at
/// `root`: splits it into chunks of `chunkRows` rows, encodes each as Parquet, computes stats,
/// hashes, writes and fsyncs, all native and in parallel. Resolves to one result per chunk, in row
/// order. Pieces (as apache-arrow's stream writer emits them) spare JS joining the stream.
#[napi(js_name = "writeTable", catch_unwind)]
pub fn write_table_js(
    root: String,
    ipc_stream: Either<Buffer, Vec<Buffer>>,
    options: WriteTableOptions,
) -> AsyncTask<WriteTableTask> {
    AsyncTask::new(WriteTableTask {
        root,
        ipc: ipc_stream,
        chunk_rows: options.chunk_rows,
        compression: options.compression,
        fsync: options.fsync.unwrap_or(true),
        failure: Failure::default(),
    })
}

pub struct ReadTableTask {
    root: String,
    ids: Vec<String>,
    columns: Option<Vec<String>>,
    rows: Option<Vec<Vec<u32>>>,
    verify: bool,
    sums: Option<Vec<Option<String>>>,
    failure: Failure,
}

/// Runs `readTable` on the libuv pool; one rayon task per chunk, and per column within it.
#[napi]
impl<'task> ScopedTask<'task> for ReadTableTask {
    type Output = IpcBytes;
    type JsValue = BufferSlice<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let sums = self.sums.take();
        self.failure.run(|| {
            let check = ReadCheck::new(self.verify, sums, self.ids.len())?;
            read_table(&self.root, &self.ids, self.columns.as_deref(), self.rows.as_deref(), &check)
        })
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        ipc_to_js(env, output)
    }

    fn reject(&mut self, env: &'task Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(env, err))
    }
}

/// Reads the chunks `ids` from `root` (memory-mapped, decoded in parallel) and resolves to ONE
/// Arrow IPC stream, like `decodeChunks`. Errors as `getChunks` plus `ARM_INVALID_ARGUMENT` for an
/// unknown column.
#[napi(js_name = "readTable", catch_unwind)]
pub fn read_table_js(root: String, ids: Vec<String>, options: Option<ReadTableOptions>) -> AsyncTask<ReadTableTask> {
    let (columns, rows, verify, sums) = match options {
        // Copied out of the JS arrays now: the task runs on another thread.
        Some(o) => (o.columns, o.rows.map(|r| r.iter().map(|a| a.to_vec()).collect()), o.verify.unwrap_or(false), o.sums),
        None => (None, None, false, None),
    };
    AsyncTask::new(ReadTableTask { root, ids, columns, rows, verify, sums, failure: Failure::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::ipc::{read_stream, write_stream};
    use crate::parquet::{encode_table, fixtures::narrow_ipc};
    use crate::test_util::TempDir;

    #[test]
    fn write_then_read_matches_encode_and_the_input() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let ipc = narrow_ipc(10_000, 4_096);
        let settings = EncodeSettings::new(3_000, Compression::Snappy).unwrap();
        let stored = write_table(root, &ipc, &settings, true).unwrap();
        let encoded = encode_table(&ipc, &settings).unwrap();
        assert_eq!(stored.len(), 4);
        for (s, e) in stored.iter().zip(&encoded) {
            assert_eq!(s.id, hash_hex(&e.data), "same bytes as encodeChunks");
            assert_eq!((s.rows, s.bytes, &s.stats), (e.rows, e.data.len(), &e.stats));
            assert!(s.written);
        }
        let ids: Vec<String> = stored.iter().map(|s| s.id.clone()).collect();
        let back = read_stream(&read_table(root, &ids, None, None, &ReadCheck::from(true)).unwrap()).unwrap();
        let input = read_stream(&ipc).unwrap();
        let all = arrow_select::concat::concat_batches(&back.schema, &back.batches).unwrap();
        let expected = arrow_select::concat::concat_batches(&input.schema, &input.batches).unwrap();
        assert_eq!(all, expected);
        assert!(write_table(root, &ipc, &settings, true).unwrap().iter().all(|s| !s.written), "dedup");
    }

    #[test]
    fn read_table_decodes_only_the_selected_rows() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let stored = write_table(
            root,
            &narrow_ipc(10_000, 1_000),
            &EncodeSettings::new(3_000, Compression::Snappy).unwrap(),
            false,
        )
        .unwrap();
        let ids: Vec<String> = stored.iter().map(|s| s.id.clone()).collect();
        let rows = vec![vec![0, 1, 2, 2_999], vec![5], vec![0, 1_500, 1_501, 2_000], vec![999]];
        let columns = ["value".to_owned()];
        let back = read_stream(&read_table(root, &ids, Some(&columns), Some(&rows), &ReadCheck::from(true)).unwrap()).unwrap();
        assert_eq!(back.batches.len(), 4, "one batch per chunk");
        for (k, (batch, picked)) in back.batches.iter().zip(&rows).enumerate() {
            assert_eq!(batch.num_columns(), 1);
            let values = batch.column(0).as_any().downcast_ref::<arrow_array::Float64Array>().unwrap();
            let expected: Vec<f64> = picked.iter().map(|&r| (k * 3_000 + r as usize) as f64 * 0.5).collect();
            assert_eq!(values.values().to_vec(), expected, "chunk {k}");
        }
        let bad = |rows: Vec<Vec<u32>>| {
            read_table(root, &ids[..rows.len().min(4)], None, Some(&rows), &ReadCheck::from(false)).err().unwrap().to_string()
        };
        assert_eq!(
            bad(vec![vec![3, 1]]),
            "parquet: selected row 1 of chunk 0 is not ascending or not below its 3000 rows"
        );
        assert_eq!(
            bad(vec![vec![0], vec![3_000]]),
            "parquet: selected row 3000 of chunk 1 is not ascending or not below its 3000 rows"
        );
        assert_eq!(bad(vec![vec![]]), "parquet: no rows selected of chunk 0");
        let err = read_table(root, &ids, None, Some(&[vec![0]]), &ReadCheck::from(false)).err().unwrap();
        assert_eq!(
            (err.code(), err.to_string()),
            (ErrorCode::InvalidArgument, "readTable: 1 row selections for 4 chunks".to_owned())
        );
    }

    #[test]
    fn identical_slices_are_stored_once() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let table = read_stream(&narrow_ipc(100, 100)).unwrap();
        let twice = write_stream(&table.schema, &[table.batches[0].clone(), table.batches[0].clone()]).unwrap();
        let stored = write_table(root, &twice, &EncodeSettings::new(100, Compression::Zstd).unwrap(), false).unwrap();
        assert_eq!(stored[0].id, stored[1].id);
        assert_eq!((stored[0].written, stored[1].written), (true, false));
    }

    #[test]
    fn a_write_failure_stops_the_table_without_hanging() {
        // Far more chunks than the queue and the I/O threads hold: encoders must not block on a
        // full queue once the writers gave up.
        let dir = TempDir::new();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let settings = EncodeSettings::new(10, Compression::Snappy).unwrap();
        let err = write_table(file.to_str().unwrap(), &narrow_ipc(2000, 100), &settings, true).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
        assert!(err.to_string().starts_with("chunk-store: cannot create directory"), "{err}");
    }

    #[test]
    fn read_table_reports_missing_and_corrupt_chunks() {
        let dir = TempDir::new();
        let root = dir.path().to_str().unwrap();
        let stored =
            write_table(root, &narrow_ipc(100, 100), &EncodeSettings::new(50, Compression::Snappy).unwrap(), false)
                .unwrap();
        let mut ids: Vec<String> = stored.iter().map(|s| s.id.clone()).collect();
        let path = Layout::new(root).object_path(&ids[1]);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[10] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_table(root, &ids, None, None, &ReadCheck::from(true)).err().unwrap().code(), ErrorCode::CorruptChunk);
        ids.push("f".repeat(64));
        let err = read_table(root, &ids[2..], None, None, &ReadCheck::from(false)).err().unwrap();
        assert_eq!(err.to_string(), format!("chunk-store: chunk {} not found", "f".repeat(64)));
    }
}
