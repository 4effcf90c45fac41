//! Arrow crosses the JS boundary only as IPC stream bytes: read a stream into record batches, cut
//! batches into row slices, write batches back as one stream. Large streams in either direction
//! live in memory the addon reuses (`result_maps`).

use std::mem::MaybeUninit;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamEncoder;
use arrow_schema::{ArrowError, SchemaRef};
use memmap2::MmapMut;
use napi::bindgen_prelude::{BufferSlice, Env};
use rayon::prelude::*;

use crate::config;
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
    // SAFETY: the view lives in `table`, which is dropped at the end of this function, while
    // `bytes` is borrowed for the whole call; `f` only gets a reference and by contract keeps no
    // Arrow data of it.
    let Some(buffer) = (unsafe { borrowed(bytes) }) else {
        return f(&read_stream(bytes)?);
    };
    let table = decode_stream(buffer)?;
    f(&table)
}

/// An arrow `Buffer` over `bytes` that does not own them (its owner is a unit placeholder), or
/// `None` for a null pointer (an empty slice may have one). Nothing writes through it: arrow
/// buffers are immutable.
///
/// # Safety
/// The buffer, and every buffer or array sliced from it, must be dropped before `bytes` is.
pub unsafe fn borrowed(bytes: &[u8]) -> Option<Buffer> {
    let ptr = std::ptr::NonNull::new(bytes.as_ptr() as *mut u8)?;
    // SAFETY: `ptr` and `bytes.len()` describe live memory for as long as the caller's contract
    // keeps `bytes` borrowed.
    Some(unsafe { Buffer::from_custom_allocation(ptr, bytes.len(), Arc::new(())) })
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

/// The IPC stream of `batches` as consecutive pieces: message headers and padding, and the
/// batches' own column buffers, referenced rather than copied (arrow-ipc's `StreamEncoder`).
fn stream_pieces(schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<Vec<Buffer>> {
    let context = "cannot write IPC stream";
    let mut encoder = StreamEncoder::try_new(schema).map_err(|e| NativeError::arrow(context, e))?;
    let mut pieces = Vec::new();
    for batch in batches {
        pieces.extend(encoder.encode(batch).map_err(|e| NativeError::arrow(context, e))?);
    }
    pieces.extend(encoder.finish().map_err(|e| NativeError::arrow(context, e))?);
    Ok(pieces)
}

/// Writes `batches` as one Arrow IPC stream with `schema`.
#[cfg(test)]
pub fn write_stream(schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<Vec<u8>> {
    Ok(stream_pieces(schema, batches)?.iter().map(|p| p.as_slice()).collect::<Vec<_>>().concat())
}

/// Buffers at least this large are pooled anonymous maps (`gather`): glibc's malloc serves
/// anything larger by a fresh mmap anyway (32 MiB is its largest mmap threshold on 64-bit), while
/// a smaller buffer may come from its heap, where pages freed by an earlier read are reused
/// without faulting. seed-narrow 1M (16 MB results) read as fast from the heap as from the pool of
/// maps (9.4 and 9.3 ms), so they stay on the heap.
pub const MAPPED_STREAM_MIN_BYTES: usize = 32 << 20;

/// Copies of at least this many bytes run on the rayon pool; smaller ones stay on the calling
/// thread, where waking the pool would cost more than it saves.
const PARALLEL_COPY_MIN_BYTES: usize = 4 << 20;

/// Pieces are copied in parts of at most this size, so that the threads share even one huge piece.
const COPY_PART_BYTES: usize = 1 << 20;

/// An IPC stream on its way to JS.
pub enum IpcBytes {
    Heap(Vec<u8>),
    /// The first `len` bytes of a pooled anonymous mapping; the untouched rest costs address space,
    /// not memory.
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

/// `write_stream` for a result JS will own: the stream's pieces `gather`ed into one buffer, so the
/// column data is copied once, in parallel, into memory that earlier results already faulted in.
/// One `StreamWriter` into a Vec copied it on one thread (perf: 14% of a seed-narrow read loop's
/// samples), and a large result on the heap is a fresh mmap whose pages fault in one by one and
/// are unmapped again when freed. `pnpm bench --cases read --phases native-parquet,delta
/// --datasets seed-wide-1m --runs 5` (44 MB results), one run each: 54.9 ms from the heap, 42.9 ms
/// from new maps advised for huge pages, 31.7 ms with released maps reused (Delta 46-49 ms).
pub fn write_stream_for_js(schema: &SchemaRef, batches: &[RecordBatch]) -> NativeResult<IpcBytes> {
    let pieces = stream_pieces(schema, batches)?;
    gather(&pieces.iter().map(|p| p.as_slice()).collect::<Vec<_>>())
}

/// Copies `pieces` back to back into one buffer: a pooled map when large (see
/// `MAPPED_STREAM_MIN_BYTES`), else a heap buffer. Used for read results and for a write's input,
/// which JS hands over in pieces (message headers and views of the column buffers, as
/// apache-arrow's writer emits them) and `with_stream_view` needs in one piece. Give the result
/// back with `IpcBytes::recycle`.
pub fn gather(pieces: &[&[u8]]) -> NativeResult<IpcBytes> {
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    if len >= MAPPED_STREAM_MIN_BYTES {
        if let Some(mut map) = result_maps::take(len) {
            // SAFETY: u8 and MaybeUninit<u8> have the same layout, and `copy_pieces` only writes.
            let out = unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<MaybeUninit<u8>>(), len) };
            copy_pieces(pieces, out)?;
            return Ok(IpcBytes::Mapped { map, len });
        }
    }
    let mut heap = Vec::with_capacity(len);
    copy_pieces(pieces, &mut heap.spare_capacity_mut()[..len])?;
    // SAFETY: `copy_pieces` returned Ok, so it initialised all `len` bytes.
    unsafe { heap.set_len(len) };
    Ok(IpcBytes::Heap(heap))
}

/// Copies `pieces` back to back into `out`, which is exactly as long as they are together.
fn copy_pieces(pieces: &[&[u8]], out: &mut [MaybeUninit<u8>]) -> NativeResult<()> {
    let parallel = out.len() >= PARALLEL_COPY_MIN_BYTES;
    let mut parts = Vec::with_capacity(pieces.len());
    let mut rest = out;
    for source in pieces.iter().flat_map(|p| p.chunks(COPY_PART_BYTES)) {
        let (target, tail) = std::mem::take(&mut rest).split_at_mut(source.len());
        parts.push((target, source));
        rest = tail;
    }
    assert!(rest.is_empty(), "copy_pieces: the target is longer than the pieces");
    let copy = |(target, source): (&mut [MaybeUninit<u8>], &[u8])| {
        // SAFETY: both are `source.len()` long, and they cannot overlap: `target` is borrowed
        // mutably while `source` is borrowed shared.
        unsafe { std::ptr::copy_nonoverlapping(source.as_ptr(), target.as_mut_ptr().cast::<u8>(), source.len()) }
    };
    if parallel {
        config::install(|| {
            parts.into_par_iter().for_each(copy);
            Ok(())
        })
    } else {
        parts.into_iter().for_each(copy);
        Ok(())
    }
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

    /// Unmaps every idle map (`trimMemory`): their pages count in RSS until the kernel takes them.
    pub fn release_idle() -> usize {
        let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = idle.iter().map(|m| m.len()).sum();
        idle.clear();
        bytes
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

/// Unmaps the large-stream maps kept for reuse (see `result_maps`); returns their bytes.
pub fn release_idle_maps() -> usize {
    result_maps::release_idle()
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
        // `trimMemory` unmaps what waits in the pool.
        let IpcBytes::Mapped { map, .. } = again else { unreachable!("checked above") };
        let len = map.len();
        result_maps::give_back(map);
        assert_eq!(release_idle_maps(), len);
        assert_eq!(release_idle_maps(), 0);
    }

    #[test]
    fn streams_equal_arrows_stream_writer_for_sliced_nullable_and_dictionary_columns() {
        use arrow_array::{types::Int32Type, DictionaryArray, StringArray};
        use arrow_ipc::writer::StreamWriter;
        let names: DictionaryArray<Int32Type> = ["a", "b", "a", "c"].into_iter().collect();
        let text = StringArray::from(vec![Some("x"), None, Some("zz"), Some("")]);
        let full = RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(4)])) as ArrayRef),
            ("name", Arc::new(names) as ArrayRef),
            ("text", Arc::new(text) as ArrayRef),
        ])
        .unwrap();
        let batches = vec![full.slice(1, 3), full.clone(), full.slice(0, 0)];
        let mut writer = StreamWriter::try_new(Vec::new(), &full.schema()).unwrap();
        batches.iter().for_each(|b| writer.write(b).unwrap());
        let expected = writer.into_inner().unwrap();
        assert_eq!(&write_stream_for_js(&full.schema(), &batches).unwrap()[..], &expected[..]);
        assert_eq!(write_stream(&full.schema(), &batches).unwrap(), expected);
    }

    #[test]
    fn gather_joins_pieces_in_order_in_parallel_and_alone() {
        let big: Vec<u8> = (0..(PARALLEL_COPY_MIN_BYTES + 3 * COPY_PART_BYTES / 2)).map(|i| (i % 251) as u8).collect();
        for pieces in [vec![&b"ab"[..], &b""[..], &b"c"[..]], vec![&big[..7], &b"xyz"[..], &big[7..]], vec![]] {
            assert_eq!(&gather(&pieces).unwrap()[..], &pieces.concat()[..]);
        }
    }

    #[test]
    fn garbage_is_an_arrow_error() {
        let err = read_stream(b"not arrow").err().unwrap();
        assert_eq!(err.code(), crate::error::ErrorCode::Arrow);
        assert!(err.to_string().starts_with("arrow: cannot read IPC stream: "), "{err}");
    }
}
