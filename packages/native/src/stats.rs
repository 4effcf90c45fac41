//! Per-chunk column statistics for manifests, as a JSON object string. The TS side computes the
//! same for the pure-JS path, so the rules below are a contract:
//!
//! `{ "<column>": { "nulls": n, "min"?: v, "max"?: v } }` for every top-level column, in schema
//! order. `min`/`max` appear only if the column has at least one non-null value (floats: non-null
//! and non-NaN; NaN is ignored).
//!
//! | Arrow type | min/max as |
//! | --- | --- |
//! | Int8/16/32, UInt8/16/32, Float16/32/64, Date32, Time32 | JSON number (±Infinity → `null`, as `JSON.stringify` does) |
//! | Int64, UInt64, Date64, Timestamp (raw stored integer, any unit/tz), Time64, Duration | decimal string |
//! | Boolean | JSON boolean |
//! | Utf8, LargeUtf8, Utf8View | string, ordered by UTF-8 bytes |
//! | anything else (decimal, binary, dictionary, list, struct, map, ...) | only `nulls` |
//!
//! A chunk just encoded takes its min/max from its own Parquet footer where that is the contract's
//! value by construction (`footer_min_max`; the same rule as core's `parquet-stats.ts`): arrow-rs
//! computes column-chunk statistics while it encodes, and computing them again here was 11% of the
//! CPU of a seed-wide write (`perf record` of `writeTable` on seed-wide 1M, 30 calls, a build with
//! symbols). The kernels below cover the rest.

use std::collections::HashMap;

use ::parquet::file::metadata::ParquetMetaData;
use ::parquet::file::statistics::{Statistics, ValueStatistics};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use serde_json::Value;

/// Min/max of a primitive column over all pieces, skipping nulls and NaN.
fn primitive_min_max<T: ArrowPrimitiveType>(columns: &[&ArrayRef]) -> Option<(T::Native, T::Native)>
where
    T::Native: PartialOrd,
{
    let mut acc: Option<(T::Native, T::Native)> = None;
    let mut visit = |v: T::Native| {
        // partial_cmp with itself is None only for NaN (always Some for integers).
        if v.partial_cmp(&v).is_none() {
            return;
        }
        acc = Some(match acc {
            None => (v, v),
            Some((lo, hi)) => (if v < lo { v } else { lo }, if v > hi { v } else { hi }),
        });
    };
    for column in columns {
        let array = column.as_primitive::<T>();
        if array.null_count() == 0 {
            array.values().iter().for_each(|v| visit(*v));
        } else {
            array.iter().flatten().for_each(&mut visit);
        }
    }
    acc
}

/// Min/max of a string column in UTF-8 byte order.
///
/// Each value is compared by an 8-byte prefix key first (see `Keyed`), and in full only when its
/// key ties with the min's or the max's and one of the two is longer than eight bytes. Two full
/// comparisons per value (two `memcmp` calls) were most of the statistics' cost on short strings:
/// seed-wide's `name` and `category` as 1M-row arrays, 10.4 -> 5.5 ms (medians of 21, the two
/// versions interleaved in one run).
fn string_min_max<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Option<(String, String)> {
    let mut acc: Option<(Keyed, Keyed)> = None;
    for v in values.flatten() {
        let v = Keyed::new(v);
        acc = Some(match acc {
            None => (v, v),
            Some((lo, hi)) => (if v < lo { v } else { lo }, if v > hi { v } else { hi }),
        });
    }
    acc.map(|(lo, hi)| (lo.text.to_owned(), hi.text.to_owned()))
}

/// A string with its first eight bytes as a big-endian number, zero-padded. Different keys order
/// like their strings: where the keys first differ, either the strings differ too, or the shorter
/// string has ended (its padding is 0) and, being a prefix of the other, is the smaller. Equal keys
/// of strings of at most eight bytes leave only the length to decide ("ab" < "ab\0").
#[derive(Clone, Copy, PartialEq, Eq)]
struct Keyed<'a> {
    key: u64,
    text: &'a str,
}

impl<'a> Keyed<'a> {
    #[inline]
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let key = match bytes.first_chunk::<8>() {
            Some(head) => u64::from_be_bytes(*head),
            None => bytes.iter().enumerate().fold(0, |k, (i, &b)| k | (u64::from(b) << (56 - 8 * i))),
        };
        Keyed { key, text }
    }
}

impl Ord for Keyed<'_> {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key).then_with(|| {
            if self.text.len() <= 8 && other.text.len() <= 8 {
                self.text.len().cmp(&other.text.len())
            } else {
                self.text.cmp(other.text)
            }
        })
    }
}

impl PartialOrd for Keyed<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A JSON string literal (same escaping as `JSON.stringify` for valid UTF-8).
fn json_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn large_or_small_utf8<O: OffsetSizeTrait>(columns: &[&ArrayRef]) -> Option<(String, String)> {
    let mut iters = columns.iter().flat_map(|c| c.as_string::<O>().iter());
    string_min_max(&mut iters)
}

fn number<T: ArrowPrimitiveType>(
    columns: &[&ArrayRef],
    to_json: impl Fn(T::Native) -> String,
) -> Option<(String, String)>
where
    T::Native: PartialOrd,
{
    primitive_min_max::<T>(columns).map(|(lo, hi)| (to_json(lo), to_json(hi)))
}

fn integer<T: ArrowPrimitiveType>(columns: &[&ArrayRef]) -> Option<(String, String)>
where
    T::Native: PartialOrd + ToString,
{
    number::<T>(columns, |v| v.to_string())
}

fn decimal_string<T: ArrowPrimitiveType>(columns: &[&ArrayRef]) -> Option<(String, String)>
where
    T::Native: PartialOrd + ToString,
{
    number::<T>(columns, |v| format!("\"{}\"", v.to_string()))
}

fn float<T: ArrowPrimitiveType>(columns: &[&ArrayRef], to_f64: impl Fn(T::Native) -> f64) -> Option<(String, String)>
where
    T::Native: PartialOrd,
{
    number::<T>(columns, |v| js_number(to_f64(v)))
}

/// Formats `x` exactly as JavaScript's `JSON.stringify` does: shortest round-trip digits, fixed
/// notation for 1e-7 <= |x| < 1e21, else `d.ddde+N`; `-0` as `0`; non-finite as `null`.
pub fn js_number(x: f64) -> String {
    if !x.is_finite() {
        return "null".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    // `{:e}` prints the shortest digits that round-trip, e.g. "4.9995e3".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().expect("integer exponent") + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let rest = if k > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        let sign = if n > 0 { '+' } else { '-' };
        format!("{}{rest}e{sign}{}", &digits[..1], (n - 1).abs())
    };
    if x < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// min/max of one top-level column over all pieces, per the table in the module doc.
/// Returns JSON texts.
pub fn min_max(data_type: &DataType, columns: &[&ArrayRef]) -> Option<(String, String)> {
    use DataType as D;
    match data_type {
        D::Int8 => integer::<Int8Type>(columns),
        D::Int16 => integer::<Int16Type>(columns),
        D::Int32 => integer::<Int32Type>(columns),
        D::UInt8 => integer::<UInt8Type>(columns),
        D::UInt16 => integer::<UInt16Type>(columns),
        D::UInt32 => integer::<UInt32Type>(columns),
        D::Float16 => float::<Float16Type>(columns, |v| v.to_f64()),
        D::Float32 => float::<Float32Type>(columns, f64::from),
        D::Float64 => float::<Float64Type>(columns, |v| v),
        D::Date32 => integer::<Date32Type>(columns),
        D::Time32(TimeUnit::Second) => integer::<Time32SecondType>(columns),
        D::Time32(_) => integer::<Time32MillisecondType>(columns),
        D::Int64 => decimal_string::<Int64Type>(columns),
        D::UInt64 => decimal_string::<UInt64Type>(columns),
        D::Date64 => decimal_string::<Date64Type>(columns),
        D::Timestamp(TimeUnit::Second, _) => decimal_string::<TimestampSecondType>(columns),
        D::Timestamp(TimeUnit::Millisecond, _) => decimal_string::<TimestampMillisecondType>(columns),
        D::Timestamp(TimeUnit::Microsecond, _) => decimal_string::<TimestampMicrosecondType>(columns),
        D::Timestamp(TimeUnit::Nanosecond, _) => decimal_string::<TimestampNanosecondType>(columns),
        D::Time64(TimeUnit::Microsecond) => decimal_string::<Time64MicrosecondType>(columns),
        D::Time64(_) => decimal_string::<Time64NanosecondType>(columns),
        D::Duration(TimeUnit::Second) => decimal_string::<DurationSecondType>(columns),
        D::Duration(TimeUnit::Millisecond) => decimal_string::<DurationMillisecondType>(columns),
        D::Duration(TimeUnit::Microsecond) => decimal_string::<DurationMicrosecondType>(columns),
        D::Duration(TimeUnit::Nanosecond) => decimal_string::<DurationNanosecondType>(columns),
        D::Boolean => {
            let (mut any_false, mut any_true) = (false, false);
            for column in columns {
                for v in column.as_boolean().iter().flatten() {
                    if v {
                        any_true = true
                    } else {
                        any_false = true
                    }
                }
            }
            match (any_false, any_true) {
                (false, false) => None,
                (f, t) => Some(((!f).to_string(), t.to_string())),
            }
        }
        D::Utf8 => large_or_small_utf8::<i32>(columns).map(|(a, b)| (json_string(&a), json_string(&b))),
        D::LargeUtf8 => large_or_small_utf8::<i64>(columns).map(|(a, b)| (json_string(&a), json_string(&b))),
        D::Utf8View => {
            let mut iters = columns.iter().flat_map(|c| c.as_string_view().iter());
            string_min_max(&mut iters).map(|(a, b)| (json_string(&a), json_string(&b)))
        }
        _ => None,
    }
}

/// The stats JSON of the rows in `pieces` (all with `schema`). With `footer`, the metadata of
/// the Parquet file they were just encoded into, min/max come from there where `footer_min_max`
/// allows; the kernels compute the rest.
pub fn chunk_stats(schema: &Schema, pieces: &[RecordBatch], footer: Option<&ParquetMetaData>) -> String {
    let leaves = footer.map(top_level_statistics).unwrap_or_default();
    let mut out = String::from("{");
    for (i, field) in schema.fields().iter().enumerate() {
        let refs: Vec<&ArrayRef> = pieces.iter().map(|p| p.column(i)).collect();
        let nulls: usize = refs.iter().map(|c| c.logical_null_count()).sum();
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json_string(field.name()));
        out.push_str(&format!(":{{\"nulls\":{nulls}"));
        let from_footer = leaves.get(field.name().as_str()).copied().flatten();
        let range = from_footer
            .and_then(|stats| footer_min_max(field.data_type(), stats))
            .or_else(|| min_max(field.data_type(), &refs));
        if let Some((min, max)) = range {
            out.push_str(&format!(",\"min\":{min},\"max\":{max}"));
        }
        out.push('}');
    }
    out.push('}');
    out
}

/// Statistics of each top-level primitive column of the file's one row group, by name; a name
/// seen twice maps to `None`.
fn top_level_statistics(footer: &ParquetMetaData) -> HashMap<&str, Option<&Statistics>> {
    let mut by_name = HashMap::new();
    for column in footer.row_groups().first().map(|g| g.columns()).unwrap_or_default() {
        if let [name] = column.column_path().parts() {
            let seen = by_name.contains_key(name.as_str());
            by_name.insert(name.as_str(), if seen { None } else { column.statistics() });
        }
    }
    by_name
}

/// The footer's min/max as the contract's JSON, when they are its values by construction: both
/// bounds present and flagged exact (arrow-rs truncates strings over 64 bytes and says so), and
/// the physical statistics the Arrow type is written as. arrow-rs orders signed and unsigned
/// integers, floats without NaN, booleans and UTF-8 bytes as the contract does, and writes every
/// integer-like type (Date64, Time, Duration, Timestamp in any unit) as its raw value. Float16 and
/// Utf8View are left to the kernels.
fn footer_min_max(data_type: &DataType, stats: &Statistics) -> Option<(String, String)> {
    use DataType as D;
    use Statistics as S;
    fn bounds<T>(s: &ValueStatistics<T>, json: impl Fn(&T) -> Option<String>) -> Option<(String, String)> {
        if !(s.min_is_exact() && s.max_is_exact()) {
            return None;
        }
        Some((json(s.min_opt()?)?, json(s.max_opt()?)?))
    }
    match (data_type, stats) {
        (D::Int8 | D::Int16 | D::Int32 | D::Date32 | D::Time32(_), S::Int32(s)) => bounds(s, |v| Some(v.to_string())),
        (D::UInt8 | D::UInt16 | D::UInt32, S::Int32(s)) => bounds(s, |v| Some((*v as u32).to_string())),
        (D::Float32, S::Float(s)) => bounds(s, |v| Some(js_number(f64::from(*v)))),
        (D::Float64, S::Double(s)) => bounds(s, |v| Some(js_number(*v))),
        (D::Int64 | D::Date64 | D::Time64(_) | D::Timestamp(_, _) | D::Duration(_), S::Int64(s)) => {
            bounds(s, |v| Some(format!("\"{v}\"")))
        }
        (D::UInt64, S::Int64(s)) => bounds(s, |v| Some(format!("\"{}\"", *v as u64))),
        (D::Boolean, S::Boolean(s)) => bounds(s, |v| Some(v.to_string())),
        (D::Utf8 | D::LargeUtf8, S::ByteArray(s)) => bounds(s, |v| v.as_utf8().ok().map(json_string)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::*;
    use arrow_array::*;
    use arrow_schema::Field;
    use serde_json::json;
    use std::sync::Arc;

    /// A Float16 array from raw IEEE half bits (keeps the `half` crate out of dev-dependencies,
    /// which would change its features and rebuild all of arrow for tests).
    fn float16(bits: &[u16]) -> ArrayRef {
        let values = arrow_buffer::ScalarBuffer::new(arrow_buffer::Buffer::from_slice_ref(bits), 0, bits.len());
        Arc::new(Float16Array::new(values, None))
    }

    /// Stats of each column, computed as a one-column table each (so lengths may differ).
    fn stats_of(columns: Vec<(&str, ArrayRef)>) -> Value {
        let mut all = serde_json::Map::new();
        for (name, array) in columns {
            let batch = RecordBatch::try_from_iter([(name, array)]).unwrap();
            let one: Value = serde_json::from_str(&chunk_stats(&batch.schema(), &[batch], None)).unwrap();
            all.insert(name.to_owned(), one[name].clone());
        }
        Value::Object(all)
    }

    #[test]
    fn numbers_strings_and_booleans() {
        let s = stats_of(vec![
            ("i8", Arc::new(Int8Array::from(vec![Some(-3), None, Some(7)])) as ArrayRef),
            ("u32", Arc::new(UInt32Array::from(vec![4_000_000_000u32, 1]))),
            ("i64", Arc::new(Int64Array::from(vec![i64::MIN, 5]))),
            ("u64", Arc::new(UInt64Array::from(vec![u64::MAX, 0]))),
            ("b", Arc::new(BooleanArray::from(vec![Some(true), None]))),
            ("s", Arc::new(StringArray::from(vec![Some("b"), Some("é"), None, Some("B")]))),
            ("ls", Arc::new(LargeStringArray::from(vec!["x", "a"]))),
            ("sv", Arc::new(StringViewArray::from(vec!["a much longer string view value", "z"]))),
        ]);
        assert_eq!(
            s,
            json!({
                "i8": { "nulls": 1, "min": -3, "max": 7 },
                "u32": { "nulls": 0, "min": 1, "max": 4_000_000_000u32 },
                "i64": { "nulls": 0, "min": "-9223372036854775808", "max": "5" },
                "u64": { "nulls": 0, "min": "0", "max": "18446744073709551615" },
                "b": { "nulls": 1, "min": true, "max": true },
                "s": { "nulls": 1, "min": "B", "max": "é" },
                "ls": { "nulls": 0, "min": "a", "max": "x" },
                "sv": { "nulls": 0, "min": "a much longer string view value", "max": "z" },
            })
        );
    }

    #[test]
    fn string_min_max_agrees_with_full_comparison_where_prefixes_tie() {
        // Ties in the first eight bytes, embedded NULs, prefixes of each other, multi-byte UTF-8.
        let mut values: Vec<String> =
            ["", "\0", "ab", "ab\0", "ab\0\0", "user_123", "user_1234", "user_12", "user_123\0"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let mut x = 7u32;
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (x >> 8) as usize % 12;
            values.push((0..len).map(|k| ['a', 'b', '\0', 'é', '日'][((x >> (k % 24)) as usize + k) % 5]).collect());
        }
        let of = |v: &[&str]| string_min_max(v.iter().map(|s| Some(*s)));
        let owned = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(of(&["ab\0", "ab", "ab\0\0"]), owned("ab", "ab\0\0"));
        assert_eq!(of(&["user_1234", "user_123\0", "user_123", "user_12345"]), owned("user_123", "user_12345"));
        for start in [0, 3, 9, 500] {
            let slice = &values[start..];
            let expected = (slice.iter().min().unwrap().clone(), slice.iter().max().unwrap().clone());
            assert_eq!(string_min_max(slice.iter().map(|s| Some(s.as_str()))), Some(expected), "from {start}");
        }
    }

    #[test]
    fn floats_ignore_nan_and_all_null_columns_have_no_min_max() {
        let s = stats_of(vec![
            ("f64", Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(1.5), None, Some(-2.25)])) as ArrayRef),
            ("f32", Arc::new(Float32Array::from(vec![0.1f32]))),
            ("f16", float16(&[0x3800, 0x7e00, 0xbc00])), // 0.5, NaN, -1.0
            ("nan", Arc::new(Float64Array::from(vec![f64::NAN, f64::NAN]))),
            ("inf", Arc::new(Float64Array::from(vec![f64::NEG_INFINITY, 1.0]))),
            ("nulls", Arc::new(Int32Array::from(vec![None, None]))),
            ("null", Arc::new(NullArray::new(3))),
        ]);
        assert_eq!(s["f64"], json!({ "nulls": 1, "min": -2.25, "max": 1.5 }));
        assert_eq!(s["f32"], json!({ "nulls": 0, "min": 0.1f32 as f64, "max": 0.1f32 as f64 }));
        assert_eq!(s["f16"], json!({ "nulls": 0, "min": -1, "max": 0.5 }));
        assert_eq!(s["nan"], json!({ "nulls": 0 }));
        assert_eq!(s["inf"], json!({ "nulls": 0, "min": null, "max": 1 }));
        assert_eq!(s["nulls"], json!({ "nulls": 2 }));
        assert_eq!(s["null"], json!({ "nulls": 3 }));
    }

    #[test]
    fn temporal_types_use_the_raw_integer() {
        let s = stats_of(vec![
            ("d32", Arc::new(Date32Array::from(vec![19000, -5])) as ArrayRef),
            ("d64", Arc::new(Date64Array::from(vec![1_700_000_000_000]))),
            ("t32", Arc::new(Time32MillisecondArray::from(vec![1000, 5]))),
            ("t32s", Arc::new(Time32SecondArray::from(vec![7]))),
            ("t64", Arc::new(Time64MicrosecondArray::from(vec![86_399_999_999]))),
            ("ts", Arc::new(TimestampMillisecondArray::from(vec![3, 1]).with_timezone("Europe/Paris"))),
            ("tsn", Arc::new(TimestampNanosecondArray::from(vec![Some(9), None]))),
            ("dur", Arc::new(DurationSecondArray::from(vec![-4, 4]))),
        ]);
        assert_eq!(s["d32"], json!({ "nulls": 0, "min": -5, "max": 19000 }));
        assert_eq!(s["d64"], json!({ "nulls": 0, "min": "1700000000000", "max": "1700000000000" }));
        assert_eq!(s["t32"], json!({ "nulls": 0, "min": 5, "max": 1000 }));
        assert_eq!(s["t32s"], json!({ "nulls": 0, "min": 7, "max": 7 }));
        assert_eq!(s["t64"], json!({ "nulls": 0, "min": "86399999999", "max": "86399999999" }));
        assert_eq!(s["ts"], json!({ "nulls": 0, "min": "1", "max": "3" }));
        assert_eq!(s["tsn"], json!({ "nulls": 1, "min": "9", "max": "9" }));
        assert_eq!(s["dur"], json!({ "nulls": 0, "min": "-4", "max": "4" }));
    }

    #[test]
    fn other_types_only_count_nulls() {
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        dict.append_value("a");
        dict.append_null();
        let mut list = ListBuilder::new(Int32Builder::new());
        list.append_value([Some(1)]);
        list.append_null();
        let s = stats_of(vec![
            (
                "dec",
                Arc::new(Decimal128Array::from(vec![Some(1), None]).with_precision_and_scale(10, 2).unwrap())
                    as ArrayRef,
            ),
            ("bin", Arc::new(BinaryArray::from_vec(vec![b"a", b"b"]))),
            ("dict", Arc::new(dict.finish())),
            ("list", Arc::new(list.finish())),
        ]);
        assert_eq!(
            s,
            json!({ "dec": { "nulls": 1 }, "bin": { "nulls": 0 }, "dict": { "nulls": 1 }, "list": { "nulls": 1 } })
        );
    }

    #[test]
    fn floats_print_like_json_stringify() {
        let cases = [
            (4000.0, "4000"),
            (4999.5, "4999.5"),
            (0.1, "0.1"),
            (-2.25, "-2.25"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (1e-6, "0.000001"),
            (123.456e-5, "0.00123456"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "null"),
            (0.1f32 as f64, "0.10000000149011612"),
            (2f64.powi(53), "9007199254740992"),
        ];
        for (x, expected) in cases {
            assert_eq!(js_number(x), expected, "{x:e}");
        }
    }

    /// A one-batch table of `columns` and its stats JSON from the kernels and from its own footer.
    fn kernel_and_footer_stats(columns: Vec<(&str, ArrayRef)>) -> (String, String) {
        use crate::parquet::{encode_pieces, Compression, EncodeSettings};
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let settings = EncodeSettings::new(batch.num_rows() as u32, Compression::Snappy).unwrap();
        let (_, from_footer) = encode_pieces(&batch.schema(), std::slice::from_ref(&batch), &settings, 0, false).unwrap();
        (chunk_stats(&batch.schema(), &[batch], None), from_footer)
    }

    #[test]
    fn footer_statistics_equal_the_kernels_for_every_type_and_edge_case() {
        let long = |c: &str| format!("{}{c}", "é".repeat(40)); // 81 bytes: arrow-rs truncates at 64
        let (kernels, footer) = kernel_and_footer_stats(vec![
            ("i8", Arc::new(Int8Array::from(vec![Some(-128), None, Some(127)])) as ArrayRef),
            ("u32", Arc::new(UInt32Array::from(vec![Some(4_000_000_000u32), Some(1), None]))),
            ("u64", Arc::new(UInt64Array::from(vec![Some(u64::MAX), Some(1 << 63), None]))),
            ("i64", Arc::new(Int64Array::from(vec![Some(i64::MIN), None, Some(5)]))),
            ("f16", float16(&[0x3800, 0x7e00, 0xbc00])),
            ("f32", Arc::new(Float32Array::from(vec![f32::INFINITY, 0.1, f32::NEG_INFINITY]))),
            ("f64", Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(-0.0), Some(0.0)]))),
            ("nan", Arc::new(Float64Array::from(vec![Some(f64::NAN), None, Some(f64::NAN)]))),
            ("b", Arc::new(BooleanArray::from(vec![Some(false), None, Some(false)]))),
            ("s", Arc::new(StringArray::from(vec![Some("b"), Some("é"), Some("")]))),
            ("long", Arc::new(StringArray::from(vec![long("a"), long("c"), long("b")]))),
            ("ls", Arc::new(LargeStringArray::from(vec![Some("x"), None, Some("日本")]))),
            ("sv", Arc::new(StringViewArray::from(vec!["a much longer string view value", "z", "q"]))),
            ("d64", Arc::new(Date64Array::from(vec![Some(-86_400_000), None, Some(1)]))),
            ("t32s", Arc::new(Time32SecondArray::from(vec![7, 3, 86_399]))),
            ("t64", Arc::new(Time64NanosecondArray::from(vec![1, 86_399_999_999_999, 2]))),
            ("ts", Arc::new(TimestampSecondArray::from(vec![3, -1, 2]).with_timezone("Europe/Paris"))),
            ("dur", Arc::new(DurationMicrosecondArray::from(vec![-4, 4, 0]))),
            ("nulls", Arc::new(Int32Array::from(vec![None, None, None]))),
            (
                "dec",
                Arc::new(Decimal128Array::from(vec![Some(1), None, Some(3)]).with_precision_and_scale(10, 2).unwrap()),
            ),
        ]);
        // -0 and 0 are one number in the JSON both print ("0"), so the texts compare whole.
        assert_eq!(footer, kernels);
    }

    #[test]
    fn footer_bounds_are_taken_where_exact_and_the_rest_computed() {
        use crate::parquet::{writer_properties, Compression, EncodeSettings};
        let long = |c: &str| format!("{}{c}", "x".repeat(70));
        let table = |ids: [i64; 2], names: [String; 2], halves: [u16; 2]| {
            RecordBatch::try_from_iter([
                ("id", Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef),
                ("name", Arc::new(StringArray::from(names.to_vec()))),
                ("half", float16(&halves)),
            ])
            .unwrap()
        };
        let footer_of = table([10, 20], [long("a"), long("b")], [0x3800, 0x3c00]); // 0.5, 1.0
        let values = table([1, 2], [long("c"), long("d")], [0x4000, 0x4200]); // 2.0, 3.0
        let schema = footer_of.schema();
        let mut writer = ::parquet::arrow::ArrowWriter::try_new(
            Vec::new(),
            schema.clone(),
            Some(writer_properties(
                &schema,
                &EncodeSettings::new(2, Compression::Snappy).unwrap(),
                std::slice::from_ref(&footer_of),
            )),
        )
        .unwrap();
        writer.write(&footer_of).unwrap();
        let footer = writer.finish().unwrap();
        // Stats of `values` against another chunk's footer show where each column came from: `id`
        // from the footer; `name` (truncated there) and `half` (Float16) from the values.
        let s: Value = serde_json::from_str(&chunk_stats(&schema, &[values], Some(&footer))).unwrap();
        assert_eq!(
            s,
            json!({
                "id": { "nulls": 0, "min": "10", "max": "20" },
                "name": { "nulls": 0, "min": long("c"), "max": long("d") },
                "half": { "nulls": 0, "min": 2, "max": 3 },
            })
        );
    }

    #[test]
    fn stats_span_pieces_and_keep_schema_order() {
        let schema =
            Arc::new(Schema::new(vec![Field::new("z", DataType::Int32, true), Field::new("a", DataType::Utf8, true)]));
        let p1 = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int32Array::from(vec![5])), Arc::new(StringArray::from(vec![None::<&str>]))],
        )
        .unwrap();
        let p2 = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int32Array::from(vec![Some(-1), None])), Arc::new(StringArray::from(vec!["q", "c"]))],
        )
        .unwrap();
        assert_eq!(
            chunk_stats(&schema, &[p1, p2], None),
            r#"{"z":{"nulls":1,"min":-1,"max":5},"a":{"nulls":1,"min":"c","max":"q"}}"#
        );
    }
}
