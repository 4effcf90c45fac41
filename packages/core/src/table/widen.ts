/**
 * Safe type widenings, the changes of a column's type that keep every value exactly: a signed or
 * unsigned integer to a wider integer that holds its range, an integer of up to 32 bits or a float32
 * to float64, and a date (days) to a timestamp without zone (midnight UTC). Schema evolution (ops/evolve.ts)
 * widens a table's column when new rows bring the wider type, and new rows of a narrower type are
 * widened to the table's.
 */
import { DataType, DateUnit, Precision, TimeUnit, makeData, makeVector, type Data, type Float, type Int, type Timestamp, type Vector } from 'apache-arrow';

/** Whether every value of type `from` is exactly a value of type `to` (and the types differ). */
export function widens(from: DataType, to: DataType): boolean {
  if (DataType.isInt(from) && DataType.isInt(to)) {
    const [a, b] = [from as Int, to as Int];
    return b.bitWidth > a.bitWidth && (b.isSigned || !a.isSigned);
  }
  if (DataType.isFloat(to) && (to as Float).precision === Precision.DOUBLE) {
    if (DataType.isInt(from)) return (from as Int).bitWidth <= 32;
    return DataType.isFloat(from) && (from as Float).precision === Precision.SINGLE;
  }
  return DataType.isDate(from) && (from as unknown as { unit: DateUnit }).unit === DateUnit.DAY && DataType.isTimestamp(to) && !(to as Timestamp).timezone;
}

const PER_SECOND: Record<TimeUnit, bigint> = { [TimeUnit.SECOND]: 1n, [TimeUnit.MILLISECOND]: 1000n, [TimeUnit.MICROSECOND]: 1_000_000n, [TimeUnit.NANOSECOND]: 1_000_000_000n };

/** `vector` as type `to`, which `widens` from its type; nulls stay nulls. */
export function widenColumn(vector: Vector, to: DataType): Vector {
  return makeVector(vector.data.map((d) => widenData(d, to)));
}

function widenData(d: Data, to: DataType): Data {
  const n = d.length;
  const from = d.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | BigInt64Array;
  const valid = { nullCount: d.nullCount, ...(d.nullCount > 0 ? { nullBitmap: bitmapFrom(d) } : {}) };
  const source = from.subarray(0, n);
  let data: ArrayBufferView;
  if (DataType.isDate(d.type) || DataType.isTimestamp(to)) {
    // Days since the epoch (date32), to the timestamp's unit.
    const unit = 86_400n * PER_SECOND[(to as Timestamp).unit];
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(source[i]!) * unit;
    data = out;
  } else if (DataType.isFloat(to)) {
    data = Float64Array.from(source as Float32Array);
  } else if ((to as Int).bitWidth === 64) {
    // Two 32-bit words per value, no BigInt per row: the low word, then the sign.
    const out = (to as Int).isSigned ? new BigInt64Array(n) : new BigUint64Array(n);
    const words = new Int32Array(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = source[i] as number;
      words[2 * i] = v | 0;
      words[2 * i + 1] = v < 0 ? -1 : 0;
    }
    data = out;
  } else {
    const Array = { 16: Int16Array, 32: Int32Array } as const;
    const Unsigned = { 16: Uint16Array, 32: Uint32Array } as const;
    const width = (to as Int).bitWidth as 16 | 32;
    data = ((to as Int).isSigned ? Array[width] : Unsigned[width]).from(source as Int32Array);
  }
  return makeData({ type: to, length: n, ...valid, data } as never);
}

/** The validity bits of `d` starting at bit 0 (its own may start at its offset). */
function bitmapFrom(d: Data): Uint8Array {
  const bits = d.nullBitmap!;
  if (d.offset === 0) return bits;
  const out = new Uint8Array((d.length + 7) >> 3);
  for (let i = 0; i < d.length; i++) if ((bits[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  return out;
}
