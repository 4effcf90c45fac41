//! Which columns of a chunk are written without a Parquet dictionary: a contract with core's
//! `table/dictionary-policy.ts`, because the writer settings decide the chunk bytes and hence their
//! ids. The rules and the measurements behind them are written down there:
//! - top-level floating-point columns;
//! - top-level integer-like and string columns (Int8-64, UInt8-64, Date, Time, Timestamp, Duration,
//!   Utf8, LargeUtf8) whose first [`DISTINCT_HEAD_ROWS`] rows are all valid and pairwise distinct
//!   (by their stored bytes); a chunk with fewer rows keeps the dictionary.

use std::collections::HashSet;

use arrow_array::RecordBatch;
use arrow_data::ArrayData;
use arrow_schema::{DataType, SchemaRef};

/// Rows looked at to tell that a dictionary cannot help a column.
pub const DISTINCT_HEAD_ROWS: usize = 1024;

/// Names of the top-level columns of the chunk made of `pieces` to write without a dictionary.
pub fn columns_without_dictionary(schema: &SchemaRef, pieces: &[RecordBatch]) -> Vec<String> {
    let skip = |(col, data_type): (usize, &DataType)| match data_type {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => true,
        t if has_row_key(t) => distinct_head(pieces, col),
        _ => false,
    };
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(col, field)| skip((*col, field.data_type())))
        .map(|(_, field)| field.name().clone())
        .collect()
}

fn has_row_key(t: &DataType) -> bool {
    t.is_integer()
        || matches!(
            t,
            DataType::Date32
                | DataType::Date64
                | DataType::Time32(_)
                | DataType::Time64(_)
                | DataType::Timestamp(_, _)
                | DataType::Duration(_)
                | DataType::Utf8
                | DataType::LargeUtf8
        )
}

/// True when the column's first `DISTINCT_HEAD_ROWS` rows exist, are valid and pairwise distinct.
fn distinct_head(pieces: &[RecordBatch], col: usize) -> bool {
    if pieces.iter().map(|p| p.num_rows()).sum::<usize>() < DISTINCT_HEAD_ROWS {
        return false;
    }
    let columns: Vec<ArrayData> = pieces.iter().map(|p| p.column(col).to_data()).collect();
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(DISTINCT_HEAD_ROWS);
    for data in &columns {
        for i in 0..data.len() {
            if seen.len() == DISTINCT_HEAD_ROWS {
                return true;
            }
            if data.is_null(i) || !seen.insert(row_bytes(data, i)) {
                return false;
            }
        }
    }
    seen.len() == DISTINCT_HEAD_ROWS
}

/// The stored bytes of row `i` (of a type `has_row_key` accepts).
fn row_bytes(data: &ArrayData, i: usize) -> &[u8] {
    let values = |buffer: usize| data.buffers()[buffer].as_slice();
    match data.data_type() {
        DataType::Utf8 => {
            let offsets = data.buffer::<i32>(0);
            &values(1)[offsets[i] as usize..offsets[i + 1] as usize]
        }
        DataType::LargeUtf8 => {
            let offsets = data.buffer::<i64>(0);
            &values(1)[offsets[i] as usize..offsets[i + 1] as usize]
        }
        t => {
            let width = t.primitive_width().expect("integer-like types are fixed-width");
            &values(0)[(data.offset() + i) * width..][..width]
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int32Array, Int64Array, StringArray, TimestampNanosecondArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap()
    }

    #[test]
    fn unique_heads_and_floats_lose_the_dictionary_repeats_and_nulls_keep_it() {
        let n = 5000;
        let b = batch(vec![
            ("id", Arc::new(Int64Array::from_iter_values(0..n as i64))),
            ("value", Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64)))),
            ("code", Arc::new(Int32Array::from_iter_values((0..n as i32).map(|i| i % 1000)))),
            ("cycle", Arc::new(Int32Array::from_iter_values((0..n as i32).map(|i| i % 1500)))),
            ("name", Arc::new(StringArray::from_iter_values((0..n).map(|i| format!("user_{i}"))))),
            ("tag", Arc::new(StringArray::from_iter_values((0..n).map(|i| ["a", "b"][i % 2])))),
            ("ts", Arc::new(TimestampNanosecondArray::from_iter((0..n as i64).map(|i| (i != 7).then_some(i))))),
        ]);
        let expected = ["id", "value", "cycle", "name"];
        assert_eq!(columns_without_dictionary(&b.schema(), std::slice::from_ref(&b)), expected);
        // The head spans pieces; a repeat after it (`cycle` at row 1500) does not count.
        assert_eq!(columns_without_dictionary(&b.schema(), &[b.slice(0, 600), b.slice(600, 600)]), expected);
        // Too few rows to judge: floats only.
        assert_eq!(columns_without_dictionary(&b.schema(), &[b.slice(0, 1023)]), ["value"]);
    }

    #[test]
    fn rows_are_read_from_the_piece_offset() {
        let ints = (0..3000i64).map(|i| if i < 1000 { 0 } else { i });
        let names = (0..3000).map(|i| if i < 1000 { "x".to_owned() } else { format!("n{i}") });
        let b = batch(vec![
            ("id", Arc::new(Int64Array::from_iter_values(ints))),
            ("name", Arc::new(StringArray::from_iter_values(names))),
        ]);
        assert!(columns_without_dictionary(&b.schema(), std::slice::from_ref(&b)).is_empty());
        assert_eq!(columns_without_dictionary(&b.schema(), &[b.slice(1000, 1500)]), ["id", "name"]);
    }
}
