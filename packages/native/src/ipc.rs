//! Arrow crosses the JS boundary only as IPC stream bytes: read a stream into record batches, cut
//! batches into row slices, write batches back as one stream. Large streams in either direction
//! live in memory the addon reuses (`result_maps`).

use std::io::{Cursor, Write};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_data::ArrayData;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, SchemaRef};
use memmap2::MmapMut;
use napi::bindgen_prelude::{BufferSlice, Env};

use crate::error::{NativeError, NativeResult};

/// A decoded IPC stream.
pub struct IpcTable {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl IpcTable {
    /// Total rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// Reads an Arrow IPC *stream* (not the file format) into batches that own a copy of `bytes`.
pub fn read_stream(bytes: &[u8]) -> NativeResult<IpcTable> {
    decode_stream(Buffer::from(bytes))
}

/// Runs `f` on the IPC stream `bytes` decoded *without a copy*: the batches' buffers point into
/// `bytes` (where their alignment allows; arrow copies a misaligned buffer). For large inputs from
/// JS this saves a single-threaded copy of the whole table into freshly faulted pages before any
/// parallel work starts. `f` must not keep any Arrow data of the table beyond its return.
pub fn with_stream_view<R>(bytes: &[u8], f: impl FnOnce(&IpcTable) -> NativeResult<R>) -> NativeResult<R> {
    let Some(ptr) = std::ptr::NonNull::new(bytes.as_ptr() as *mut u8) else {
        return f(&read_stream(bytes)?);
    };
    // SAFETY: the buffer borrows `bytes` without owning it (the owner is a unit placeholder), so it
    // must not outlive `bytes`. It lives in `table`, which is dropped at the end of this function,
    // while `bytes` is borrowed for the whole call; `f` only gets a reference and by contract keeps
    // no Arrow data of it. Nothing writes through the pointer: arrow buffers are immutable.
    let buffer = unsafe { Buffer::from_custom_allocation(ptr, bytes.len(), Arc::new(())) };
    let table = decode_stream(buffer)?;
    f(&table)
}

fn decode_stream(mut buffer: Buffer) -> NativeResult<IpcTable> {
    let context = "cannot read IPC stream";
    let mut decoder = StreamDecoder::new();
    let mut batches = Vec::new();
    while !buffer.is_empty() {
        if let Some(batch) = decoder.decode(&mut buffer).map_err(|e| NativeError::arrow(context, e))? {
            batches.push(batch);
        }
    }
    decoder.finish().map_err(|e| NativeError::arrow(context, e))?;
    let schema = decoder.schema().ok_or_else(|| {
        NativeError::arrow(context, ArrowError::IpcError("the stream has no schema message".to_owned()))
    })?;
    Ok(IpcTable { schema, batches })
}

/// Writes `batches` as one Arrow IPC stream with `schema`.
pub fn write_stream(schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<Vec<u8>> {
    write_stream_to(Vec::with_capacity(stream_size_bound(schema, batches)), schema, batches)
}

fn write_stream_to<W: Write>(sink: W, schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<W> {
    let context = "cannot write IPC stream";
    let mut writer = StreamWriter::try_new(sink, schema).map_err(|e| NativeError::arrow(context, e))?;
    for batch in batches {
        writer.write(batch).map_err(|e| NativeError::arrow(context, e))?;
    }
    writer.into_inner().map_err(|e| NativeError::arrow(context, e))
}

/// An upper bound of the stream's size: the batches' buffers, plus for every array its validity
/// bitmap (the writer emits one even for an array without nulls), the 64-byte padding of each
/// buffer and generous room for its header entries, plus a header per message and the schema.
fn stream_size_bound(schema: &SchemaRef, batches: &[RecordBatch]) -> usize {
    fn extra(data: &ArrayData) -> usize {
        256 + data.len().div_ceil(8)
            + 64 * (data.buffers().len() + 1)
            + data.child_data().iter().map(extra).sum::<usize>()
    }
    let batch_bound = |b: &RecordBatch| {
        4096 + b.get_array_memory_size() + b.columns().iter().map(|c| extra(&c.to_data())).sum::<usize>()
    };
    4096 + 256 * schema.flattened_fields().len() + batches.iter().map(batch_bound).sum::<usize>()
}

/// Streams at least this large are written into an anonymous mapping (`write_stream_for_js`):
/// glibc's malloc serves anything larger by a fresh mmap anyway (32 MiB is its largest mmap
/// threshold on 64-bit), while a smaller buffer may come from its heap, where pages freed by an
/// earlier read are reused without faulting. seed-narrow 1M (16 MB results) read as fast from the
/// heap as from the pool of maps (9.4 and 9.3 ms), so they stay on the heap.
pub const MAPPED_STREAM_MIN_BYTES: usize = 32 << 20;

/// An IPC stream on its way to JS.
pub enum IpcBytes {
    Heap(Vec<u8>),
    /// The first `len` bytes of an anonymous mapping sized by `stream_size_bound`; the untouched
    /// rest costs address space, not memory.
    Mapped {
        map: MmapMut,
        len: usize,
    },
}

impl IpcBytes {
    /// Returns a mapped buffer to the pool of `result_maps` (a heap buffer is just freed).
    pub fn recycle(self) {
        if let IpcBytes::Mapped { map, .. } = self {
            result_maps::give_back(map);
        }
    }
}

impl std::ops::Deref for IpcBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            IpcBytes::Heap(v) => v,
            IpcBytes::Mapped { map, len } => &map[..*len],
        }
    }
}

/// `write_stream` for a result JS will own. A large stream goes into a map from `result_maps`: a
/// heap buffer of that size is a fresh mmap whose 4 KiB pages fault in one by one on the single
/// thread writing the stream, and freeing it unmaps them again, so every read paid for faulting
/// and zeroing its whole result. `pnpm bench --cases read --phases native-parquet,delta --datasets
/// seed-wide-1m --runs 5` (44 MB results), one run each: 54.9 ms from the heap, 42.9 ms from new
/// maps advised for huge pages, 31.7 ms with released maps reused (Delta 46-49 ms).
pub fn write_stream_for_js(schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<IpcBytes> {
    let bound = stream_size_bound(schema, batches);
    if bound < MAPPED_STREAM_MIN_BYTES {
        return write_stream(schema, batches).map(IpcBytes::Heap);
    }
    let Some(mut map) = result_maps::take(bound) else {
        return write_stream(schema, batches).map(IpcBytes::Heap);
    };
    match write_stream_to(Cursor::new(&mut map[..]), schema, batches) {
        Ok(cursor) => {
            let len = cursor.position() as usize;
            Ok(IpcBytes::Mapped { map, len })
        }
        // Only a bound that was too small fails here; the heap path then writes it, or reports
        // the stream's real error.
        Err(_) => write_stream(schema, batches).map(IpcBytes::Heap),
    }
}

/// Joins an IPC stream that JS hands over in pieces (message headers and views of the column
/// buffers, as apache-arrow's writer emits them) into one buffer for `with_stream_view`. Joining
/// here rather than in JS writes into memory that earlier calls already faulted in (a pooled map
/// for large streams, as in `write_stream_for_js`), instead of a fresh JS buffer on the JS thread.
/// Give the result back with `IpcBytes::recycle`.
pub fn join_pieces(pieces: &[&[u8]]) -> IpcBytes {
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    if len >= MAPPED_STREAM_MIN_BYTES {
        if let Some(mut map) = result_maps::take(len) {
            let mut at = 0;
            for piece in pieces {
                map[at..at + piece.len()].copy_from_slice(piece);
                at += piece.len();
            }
            return IpcBytes::Mapped { map, len };
        }
    }
    IpcBytes::Heap(pieces.concat())
}

/// The rows `[start, start + len)` of the table as zero-copy slices of the input batches. Batch
/// boundaries inside the range are kept (like apache-arrow's `Table.slice`), so an encoder fed
/// these pieces sees the same write calls as one fed by the JS slice.
pub fn slice_rows(batches: &[RecordBatch], start: usize, len: usize) -> Vec<RecordBatch> {
    let end = start + len;
    let mut pieces = Vec::new();
    let mut offset = 0;
    for batch in batches {
        let (lo, hi) = (offset, offset + batch.num_rows());
        offset = hi;
        if hi <= start || batch.num_rows() == 0 {
            continue;
        }
        if lo >= end {
            break;
        }
        let from = start.max(lo) - lo;
        let to = end.min(hi) - lo;
        pieces.push(batch.slice(from, to - from));
    }
    pieces
}

/// Row ranges `(start, len)` of consecutive slices of at most `chunk_rows` rows.
pub fn chunk_ranges(total_rows: usize, chunk_rows: usize) -> Vec<(usize, usize)> {
    assert!(chunk_rows > 0, "chunk_rows must be positive");
    (0..total_rows).step_by(chunk_rows).map(|start| (start, chunk_rows.min(total_rows - start))).collect()
}

/// Maps for large streams: read results, and write inputs joined from pieces. JS releases a result
/// when it garbage-collects its Buffer, a write gives its input back when done; the map then waits
/// here for the next large stream, which is written into pages that are still mapped: no page
/// faults and no zeroing, where a new map pays both for every page (perf: clear_page was 31% of a
/// seed-wide read loop's samples before this pool). At most `KEPT` maps wait, the largest ones,
/// and none over `KEPT_MAX_BYTES` (a rare huge result is not worth holding on to); on Linux they
/// are marked MADV_FREE, so under memory pressure the kernel takes their pages back instead of
/// swapping (a later write then faults a zero page, as a new map would).
mod result_maps {
    use std::sync::Mutex;

    use memmap2::MmapMut;

    const KEPT: usize = 2;
    const KEPT_MAX_BYTES: usize = 256 << 20;
    static IDLE: Mutex<Vec<MmapMut>> = Mutex::new(Vec::new());

    /// An idle map of at least `len` bytes (the smallest that fits), else a new one.
    pub fn take(len: usize) -> Option<MmapMut> {
        let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        let fits = idle.iter().enumerate().filter(|(_, m)| m.len() >= len).min_by_key(|(_, m)| m.len());
        if let Some((i, _)) = fits {
            return Some(idle.swap_remove(i));
        }
        drop(idle);
        let map = MmapMut::map_anon(len).ok()?;
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::HugePage); // advice only: plain pages work too
        Some(map)
    }

    /// Takes back a map nothing references any more; keeps the `KEPT` largest, unmaps the rest.
    pub fn give_back(map: MmapMut) {
        if map.len() > KEPT_MAX_BYTES {
            return;
        }
        // SAFETY: MADV_FREE lets the kernel discard the pages' contents. Nothing reads them again
        // before a later result overwrites them: a result exposes only the bytes it wrote.
        #[cfg(target_os = "linux")]
        if unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::Free) }.is_err() {
            return;
        }
        let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        idle.push(map);
        if idle.len() > KEPT {
            let smallest = (0..idle.len()).min_by_key(|&i| idle[i].len()).unwrap_or(0);
            idle.swap_remove(smallest);
        }
    }
}

// ---- napi glue -------------------------------------------------------------------------------

/// Hands an IPC stream to JS without a copy: a heap stream as a Buffer that owns the Vec, a mapped
/// one as an external Buffer whose finalizer gives the map back to `result_maps`.
pub fn ipc_to_js(env: &Env, bytes: IpcBytes) -> napi::Result<BufferSlice<'_>> {
    match bytes {
        IpcBytes::Heap(v) => BufferSlice::from_data(env, v),
        IpcBytes::Mapped { mut map, len } => {
            let ptr = map.as_mut_ptr();
            // SAFETY: `ptr` and `len` (at most the map's length) describe the anonymous map, which is
            // moved into the finalizer hint, so the memory stays mapped exactly as long as V8 holds
            // the Buffer; only then does the map go back to the pool. Moving an `MmapMut` does not
            // move the mapping. If the runtime refuses external buffers, napi-rs copies the bytes
            // and runs the finalizer at once.
            unsafe { BufferSlice::from_external(env, ptr, len, map, |_env, map| result_maps::give_back(map)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array};
    use std::sync::Arc;

    fn batch(values: std::ops::Range<i64>) -> RecordBatch {
        let array: ArrayRef = Arc::new(Int64Array::from_iter_values(values));
        RecordBatch::try_from_iter([("id", array)]).unwrap()
    }

    fn ids(pieces: &[RecordBatch]) -> Vec<Vec<i64>> {
        pieces.iter().map(|b| b.column(0).as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec()).collect()
    }

    #[test]
    fn slices_keep_batch_boundaries() {
        let batches = vec![batch(0..3), batch(3..3), batch(3..8), batch(8..10)];
        assert_eq!(ids(&slice_rows(&batches, 0, 4)), vec![vec![0, 1, 2], vec![3]]);
        assert_eq!(ids(&slice_rows(&batches, 4, 4)), vec![vec![4, 5, 6, 7]]);
        assert_eq!(ids(&slice_rows(&batches, 8, 4)), vec![vec![8, 9]]);
        assert!(slice_rows(&batches, 10, 4).is_empty());
    }

    #[test]
    fn chunk_ranges_cover_the_table() {
        assert_eq!(chunk_ranges(10, 4), vec![(0, 4), (4, 4), (8, 2)]);
        assert_eq!(chunk_ranges(8, 4), vec![(0, 4), (4, 4)]);
        assert!(chunk_ranges(0, 4).is_empty());
    }

    #[test]
    fn stream_round_trip() {
        let batches = vec![batch(0..3), batch(3..5)];
        let schema = batches[0].schema();
        let bytes = write_stream(&schema, &batches).unwrap();
        let table = read_stream(&bytes).unwrap();
        assert_eq!(table.schema, schema);
        assert_eq!(table.num_rows(), 5);
        assert_eq!(ids(&table.batches), vec![vec![0, 1, 2], vec![3, 4]]);
    }

    #[test]
    fn stream_view_borrows_aligned_buffers_and_copies_misaligned_ones() {
        let batches = vec![batch(0..1000), batch(1000..1500)];
        let bytes = write_stream(&batches[0].schema(), &batches).unwrap();
        let inside = |table: &IpcTable, bytes: &[u8]| {
            let values = table.batches[0].column(0).to_data().buffers()[0].as_ptr() as usize;
            (bytes.as_ptr() as usize..bytes.as_ptr() as usize + bytes.len()).contains(&values)
        };
        let aligned = Buffer::from(bytes.as_slice()); // 64-byte aligned, as IPC bodies are 8-aligned within
        with_stream_view(&aligned, |table| {
            assert_eq!(ids(&table.batches), ids(&batches));
            assert!(inside(table, &aligned), "an aligned column is viewed, not copied");
            Ok(())
        })
        .unwrap();
        let mut shifted = vec![0u8; bytes.len() + 1];
        shifted[1..].copy_from_slice(&bytes);
        with_stream_view(&shifted[1..], |table| {
            assert_eq!(ids(&table.batches), ids(&batches));
            assert!(!inside(table, &shifted[1..]), "a misaligned column is copied");
            Ok(())
        })
        .unwrap();
        let err = with_stream_view(&bytes[..bytes.len() - 9], |_| Ok(())).err().unwrap();
        assert!(err.to_string().starts_with("arrow: cannot read IPC stream: "), "{err}");
    }

    #[test]
    fn streams_for_js_are_mapped_when_large_equal_the_plain_stream_and_reuse_released_maps() {
        let small = vec![batch(0..10)];
        let large = vec![batch(0..3_000_000), batch(3_000_000..5_000_000)]; // 40 MB of values
        let mut released = None;
        for (batches, mapped) in [(small, false), (large.clone(), true)] {
            let schema = batches[0].schema();
            let bytes = write_stream_for_js(&schema, &batches).unwrap();
            assert_eq!(&bytes[..], &write_stream(&schema, &batches).unwrap()[..]);
            assert!(bytes.len() <= stream_size_bound(&schema, &batches));
            match bytes {
                IpcBytes::Mapped { map, .. } => released = Some(map),
                IpcBytes::Heap(_) => assert!(!mapped),
            }
        }
        // The only test that maps: the pool holds just what this one gives back.
        let map = released.expect("the large stream is mapped");
        let at = map.as_ptr();
        result_maps::give_back(map);
        let shorter = vec![batch(7..4_500_000)];
        let again = write_stream_for_js(&shorter[0].schema(), &shorter).unwrap();
        assert!(matches!(&again, IpcBytes::Mapped { map, .. } if map.as_ptr() == at), "the released map is reused");
        assert_eq!(&again[..], &write_stream(&shorter[0].schema(), &shorter).unwrap()[..]);
    }

    #[test]
    fn garbage_is_an_arrow_error() {
        let err = read_stream(b"not arrow").err().unwrap();
        assert_eq!(err.code(), crate::error::ErrorCode::Arrow);
        assert!(err.to_string().starts_with("arrow: cannot read IPC stream: "), "{err}");
    }
}
