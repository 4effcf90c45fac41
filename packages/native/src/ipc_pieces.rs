//! An IPC stream handed over in pieces, read without joining them. JS passes a write's input as
//! apache-arrow's stream writer emits it: message headers, then every column buffer as its own
//! piece (a view of the caller's table). Joining the pieces copies the whole table before any
//! encoder starts; for flat columns this module builds the arrays straight on the pieces instead.
//! `bench/ab.mjs base.node new.node write <dataset> 41`, paired medians: seed-narrow 1M -2.31 ms
//! (twice) of ~24, seed-wide 1M -1.55 ms of ~82.

use std::sync::Arc;

use arrow_array::{make_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_buffer::{Buffer, MutableBuffer};
use arrow_data::ArrayData;
use arrow_ipc::convert::fb_to_schema;
use arrow_ipc::{root_as_message, MessageHeader};
use arrow_schema::{DataType, SchemaRef};

use crate::error::NativeResult;
use crate::ipc::{borrowed, gather, with_stream_view, IpcTable};

/// Runs `f` on the IPC stream made of `pieces` (consecutive), decoded without a copy of the
/// column buffers when every column is flat (see [`view_pieces`]); otherwise the pieces are
/// joined and decoded as one stream. Like `with_stream_view`, `f` must not keep Arrow data of the
/// table beyond its return.
pub fn with_pieces_view<R>(pieces: &[&[u8]], f: impl FnOnce(&IpcTable) -> NativeResult<R>) -> NativeResult<R> {
    if let Some(table) = view_pieces(pieces) {
        return f(&table);
    }
    let joined = gather(pieces)?;
    let out = with_stream_view(&joined, f);
    joined.recycle();
    out
}

/// The stream's schema and record batches, with every column buffer that lies within one piece
/// borrowed from it (the rest copied), or `None` when the stream is not one this fast path reads:
/// a column that is not flat (dictionary, list, struct, ...), a dictionary or compressed batch,
/// or anything malformed. The joined path then reads it, or reports the error as usual.
///
/// The batches borrow the pieces without owning them: callers drop them before the pieces (see
/// [`with_pieces_view`]).
fn view_pieces(pieces: &[&[u8]]) -> Option<IpcTable> {
    let mut stream = Cursor { pieces, index: 0, at: 0 };
    let mut schema: Option<SchemaRef> = None;
    let mut batches = Vec::new();
    while let Some(metadata) = stream.next_metadata()? {
        let message = root_as_message(&metadata).ok()?;
        let body = stream.take(usize::try_from(message.bodyLength()).ok()?)?;
        match message.header_type() {
            MessageHeader::Schema => {
                let read = fb_to_schema(message.header_as_schema()?);
                if !read.fields().iter().all(|f| buffer_count(f.data_type()).is_some()) {
                    return None;
                }
                schema = Some(Arc::new(read));
            }
            MessageHeader::RecordBatch => {
                let batch = message.header_as_record_batch()?;
                batches.push(read_batch(schema.as_ref()?, batch, &body)?);
            }
            _ => return None,
        }
    }
    Some(IpcTable { schema: schema?, batches })
}

/// IPC buffers of a flat column (validity first), or `None` for a type this module leaves to
/// arrow-ipc's reader.
fn buffer_count(data_type: &DataType) -> Option<usize> {
    match data_type {
        t if t.is_primitive() => Some(2),
        DataType::Boolean | DataType::FixedSizeBinary(_) => Some(2),
        DataType::Utf8 | DataType::Binary | DataType::LargeUtf8 | DataType::LargeBinary => Some(3),
        _ => None,
    }
}

/// One record batch of flat columns; arrays are built and validated as arrow-ipc's reader does.
fn read_batch(schema: &SchemaRef, batch: arrow_ipc::RecordBatch<'_>, body: &Body<'_>) -> Option<RecordBatch> {
    if batch.compression().is_some() {
        return None;
    }
    let mut nodes = batch.nodes()?.iter();
    let mut buffers = batch.buffers()?.iter();
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let node = nodes.next()?;
            let mut raw = (0..buffer_count(field.data_type())?)
                .map(|_| buffers.next().and_then(|b| body.buffer(b.offset(), b.length())))
                .collect::<Option<Vec<Buffer>>>()?
                .into_iter();
            let nulls = usize::try_from(node.null_count()).ok()?;
            let validity = raw.next()?;
            let data = ArrayData::builder(field.data_type().clone())
                .len(usize::try_from(node.length()).ok()?)
                .null_count(nulls)
                .null_bit_buffer((nulls > 0).then_some(validity))
                .buffers(raw.collect())
                .align_buffers(true)
                .build()
                .ok()?;
            Some(make_array(data))
        })
        .collect::<Option<Vec<ArrayRef>>>()?;
    let rows = usize::try_from(batch.length()).ok()?;
    RecordBatch::try_new_with_options(schema.clone(), columns, &RecordBatchOptions::new().with_row_count(Some(rows)))
        .ok()
}

/// A read position in consecutive pieces.
struct Cursor<'a> {
    pieces: &'a [&'a [u8]],
    index: usize,
    at: usize,
}

impl<'a> Cursor<'a> {
    /// The next `len` bytes as the parts of pieces they span, or `None` past the end.
    fn take(&mut self, mut len: usize) -> Option<Body<'a>> {
        let mut parts = Vec::new();
        while len > 0 {
            let piece = self.pieces.get(self.index)?;
            let part = &piece[self.at..piece.len().min(self.at + len)];
            if !part.is_empty() {
                parts.push(part);
            }
            len -= part.len();
            self.at += part.len();
            if self.at == piece.len() {
                self.index += 1;
                self.at = 0;
            }
        }
        Some(Body { parts })
    }

    /// True when no bytes are left (an end-of-stream marker is optional).
    fn at_end(&self) -> bool {
        self.pieces
            .iter()
            .enumerate()
            .skip(self.index)
            .all(|(i, p)| p.len() == if i == self.index { self.at } else { 0 })
    }

    /// The next message's flatbuffer, copied into aligned memory (flatbuffers reads it in place);
    /// `Some(None)` at the end-of-stream marker or the end of the pieces.
    fn next_metadata(&mut self) -> Option<Option<MutableBuffer>> {
        if self.at_end() {
            return Some(None);
        }
        let mut len = self.take(4)?.u32()?;
        if len == u32::MAX {
            len = self.take(4)?.u32()?; // the continuation marker of the current format
        }
        if len == 0 {
            return Some(None);
        }
        Some(Some(self.take(usize::try_from(len).ok()?)?.copied()))
    }
}

/// Bytes of the stream as the (non-empty) parts of the pieces they span.
struct Body<'a> {
    parts: Vec<&'a [u8]>,
}

impl Body<'_> {
    fn copied(&self) -> MutableBuffer {
        let mut out = MutableBuffer::new(self.parts.iter().map(|p| p.len()).sum());
        self.parts.iter().for_each(|p| out.extend_from_slice(p));
        out
    }

    fn u32(&self) -> Option<u32> {
        Some(u32::from_le_bytes(self.copied().as_slice().try_into().ok()?))
    }

    /// The IPC buffer at `offset` of `len` bytes: borrowed from its piece when it lies in one,
    /// else copied.
    fn buffer(&self, offset: i64, len: i64) -> Option<Buffer> {
        let (mut offset, len) = (usize::try_from(offset).ok()?, usize::try_from(len).ok()?);
        if len == 0 {
            return Some(Buffer::from_vec(Vec::<u8>::new()));
        }
        for (i, part) in self.parts.iter().enumerate() {
            if offset >= part.len() {
                offset -= part.len();
                continue;
            }
            if offset + len <= part.len() {
                // SAFETY: `with_pieces_view` drops every array before the borrow of the pieces ends.
                return unsafe { borrowed(&part[offset..offset + len]) };
            }
            // Spans pieces: copy just its bytes.
            let mut out = MutableBuffer::new(len);
            for p in &self.parts[i..] {
                let take = &p[offset..p.len().min(offset + len - out.len())];
                out.extend_from_slice(take);
                offset = 0;
                if out.len() == len {
                    return Some(out.into());
                }
            }
            return None;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, Decimal128Array, DictionaryArray, Float64Array, Int64Array, LargeStringArray, StringArray,
        TimestampMicrosecondArray,
    };
    use arrow_ipc::writer::StreamWriter;

    fn stream(batches: &[RecordBatch]) -> Vec<u8> {
        let mut writer = StreamWriter::try_new(Vec::new(), &batches[0].schema()).unwrap();
        batches.iter().for_each(|b| writer.write(b).unwrap());
        writer.into_inner().unwrap()
    }

    fn flat() -> RecordBatch {
        let n = 5000;
        RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef),
            ("value", Arc::new(Float64Array::from_iter((0..n).map(|i| (i % 7 != 0).then_some(i as f64 / 3.0))))),
            ("name", Arc::new(StringArray::from_iter((0..n).map(|i| (i % 5 != 0).then(|| format!("user_{i}")))))),
            ("long", Arc::new(LargeStringArray::from_iter_values((0..n).map(|i| "é".repeat(i as usize % 4))))),
            ("flag", Arc::new(BooleanArray::from_iter((0..n).map(|i| (i % 3 != 0).then_some(i % 2 == 0))))),
            ("at", Arc::new(TimestampMicrosecondArray::from_iter_values(0..n).with_timezone("UTC"))),
            (
                "price",
                Arc::new(
                    Decimal128Array::from_iter_values((0..n).map(i128::from)).with_precision_and_scale(20, 2).unwrap(),
                ),
            ),
        ])
        .unwrap()
    }

    /// The stream cut into pieces at `cuts` (offsets), as slices of one copy of it.
    fn cut(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c < bytes.len()));
        bounds.push(bytes.len());
        bounds.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
    }

    fn viewed(pieces: &[Vec<u8>]) -> Option<IpcTable> {
        view_pieces(&pieces.iter().map(|p| p.as_slice()).collect::<Vec<_>>())
    }

    #[test]
    fn flat_columns_in_pieces_read_as_the_joined_stream() {
        let batches = vec![flat(), flat().slice(100, 1234), flat().slice(0, 0)];
        let bytes = stream(&batches);
        let expected = crate::ipc::read_stream(&bytes).unwrap();
        // Whole, cut inside headers and buffers, and one piece per byte for the first 64 bytes.
        let odd: Vec<usize> = (1..64).chain((64..bytes.len()).step_by(4093)).collect();
        for cuts in [vec![], vec![3, 6, 200, 9000, 40_001], odd] {
            let table = viewed(&cut(&bytes, &cuts)).expect("flat columns take the fast path");
            assert_eq!(table.schema, expected.schema);
            assert_eq!(table.batches, expected.batches, "cuts {cuts:?}");
        }
    }

    #[test]
    fn a_buffer_within_one_piece_is_borrowed_not_copied() {
        let batch = flat();
        let bytes = stream(std::slice::from_ref(&batch));
        let pieces = cut(&bytes, &[]);
        let table = viewed(&pieces).unwrap();
        let values = table.batches[0].column(0).to_data().buffers()[0].as_ptr() as usize;
        let piece = pieces[0].as_ptr() as usize..pieces[0].as_ptr() as usize + pieces[0].len();
        assert!(piece.contains(&values));
    }

    #[test]
    fn other_streams_take_the_joined_path_with_the_same_result_or_error() {
        let names: DictionaryArray<arrow_array::types::Int32Type> = ["a", "b", "a"].into_iter().collect();
        let dict = RecordBatch::try_from_iter([("name", Arc::new(names) as ArrayRef)]).unwrap();
        let bytes = stream(std::slice::from_ref(&dict));
        let pieces = cut(&bytes, &[5, 100]);
        assert!(viewed(&pieces).is_none(), "dictionaries are left to arrow-ipc");
        let refs: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
        let rows = with_pieces_view(&refs, |t| Ok(t.batches.clone())).unwrap();
        assert_eq!(rows, vec![dict]);

        let bytes = stream(&[flat()]);
        let truncated = cut(&bytes[..bytes.len() - 100], &[8, 300]);
        assert!(viewed(&truncated).is_none());
        let refs: Vec<&[u8]> = truncated.iter().map(|p| p.as_slice()).collect();
        let err = with_pieces_view(&refs, |_| Ok(())).err().unwrap();
        assert!(err.to_string().starts_with("arrow: cannot read IPC stream: "), "{err}");
    }

    #[test]
    fn invalid_utf8_is_left_to_the_joined_path_which_rejects_it() {
        let batch =
            RecordBatch::try_from_iter([("s", Arc::new(StringArray::from(vec!["ok", "zz"])) as ArrayRef)]).unwrap();
        let mut bytes = stream(std::slice::from_ref(&batch));
        let at = bytes.windows(2).rposition(|w| w == b"zz").unwrap();
        bytes[at] = 0xff;
        assert!(viewed(&cut(&bytes, &[])).is_none());
        let err = with_pieces_view(&[&bytes], |_| Ok(())).err().unwrap();
        assert!(err.to_string().contains("utf-8") || err.to_string().contains("UTF"), "{err}");
    }
}
