/**
 * Parquet has no second unit for timestamps and times. pyarrow writes a timestamp[s] or time32[s]
 * column in milliseconds and records the second unit (and a timestamp's zone) in the Arrow schema it
 * stores; parquet-wasm then decodes the column as milliseconds, in UTC when zoned. arrow-rs instead
 * writes seconds as a bare integer, which other readers take for a number. So imports put the second
 * unit back (`SecondsRestorer`) and .parquet exports write milliseconds (`ParquetReadable`), as
 * pyarrow does; both rescale exactly. (arrow-rs also writes Date64 as bare milliseconds, which
 * pyarrow and DuckDB read as int64; converting to Date32 days would drop the time of day that
 * non-conforming Date64 values carry, so exports keep it as it is.)
 */
import { makeData, Schema, Struct, Time, TimeMillisecond, Timestamp, TimeUnit, Type, type Data, type DataType, type Field } from 'apache-arrow';

type Rescale = (values: BigInt64Array | Int32Array) => BigInt64Array | Int32Array;

/** Re-types the top-level columns of a stream of batches with `rescales[i]` set. */
class ColumnRetyper {
  readonly fields: Field[];

  constructor(fields: readonly Field[], private readonly rescales: (readonly [DataType, Rescale] | undefined)[]) {
    this.fields = fields.map((f, i) => (rescales[i] ? f.clone({ type: rescales[i]![0] }) : f));
  }

  apply(batch: Data<Struct>): Data<Struct> {
    if (!this.rescales.some(Boolean)) return batch;
    const children = batch.children.map((c, i) => {
      const r = this.rescales[i];
      if (!r) return c;
      const data = r[1](c.values as BigInt64Array | Int32Array);
      return makeData({ type: r[0], offset: c.offset, length: c.length, nullCount: c.nullCount, nullBitmap: c.nullBitmap, data } as never) as Data;
    });
    return makeData({ type: new Struct(this.fields), length: batch.length, nullCount: 0, children });
  }
}

/** Decoded columns whose stored Arrow schema (`hint`) says seconds where they decoded as milliseconds. */
export class SecondsRestorer extends ColumnRetyper {
  constructor(hint: Schema | undefined, decoded: Schema) {
    super(
      decoded.fields,
      decoded.fields.map((f, i) => {
        const h = hint?.fields[i];
        if (!h || h.name !== f.name || h.typeId !== f.typeId || (f.typeId !== Type.Timestamp && f.typeId !== Type.Time)) return undefined;
        if ((f.type as Timestamp | Time).unit !== TimeUnit.MILLISECOND || (h.type as Timestamp | Time).unit !== TimeUnit.SECOND) return undefined;
        return [h.type, (v) => (v instanceof BigInt64Array ? v.map((x) => x / 1000n) : v.map((x) => x / 1000))] as const;
      }),
    );
  }
}

/** Columns re-typed for a Parquet export: seconds as milliseconds. */
export class ParquetReadable extends ColumnRetyper {
  readonly schema: Schema;

  constructor(schema: Schema) {
    super(
      schema.fields,
      schema.fields.map((f) => {
        const t = f.type as DataType;
        if (t.typeId === Type.Timestamp && (t as Timestamp).unit === TimeUnit.SECOND) {
          return [new Timestamp(TimeUnit.MILLISECOND, (t as Timestamp).timezone), (v) => (v as BigInt64Array).map((x) => x * 1000n)] as const;
        }
        if (t.typeId === Type.Time && (t as Time).unit === TimeUnit.SECOND) return [new TimeMillisecond(), (v) => (v as Int32Array).map((x) => x * 1000)] as const;
        return undefined;
      }),
    );
    this.schema = new Schema(this.fields, schema.metadata);
  }
}
