/**
 * Arrow schemas as Delta Lake schemas (PROTOCOL.md, "Schema Serialization Format"), and the protocol
 * a table of that schema needs. Only types every Delta reader (delta-rs, Spark) reads from our
 * chunk files as they are: the chunks are published unchanged, so a type is refused, by column, when
 * its Parquet form is not what Delta specifies for it.
 */
import { DateUnit, Precision, TimeUnit, Type, type DataType, type Field, type Schema } from 'apache-arrow';

import { InvalidNameError, UnsupportedTypeError } from '../errors.js';

export type DeltaType = string | { type: 'array'; elementType: DeltaType; containsNull: boolean } | DeltaStruct | { type: 'map'; keyType: DeltaType; valueType: DeltaType; valueContainsNull: boolean };
export interface DeltaStruct {
  type: 'struct';
  fields: { name: string; type: DeltaType; nullable: boolean; metadata: Record<string, unknown> }[];
}

export interface DeltaProtocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

/** Characters Delta forbids in column names unless column mapping is on (which renames Parquet columns). */
const FORBIDDEN = /[ ,;{}()\n\t=]/;
const FORMAT = 'Delta Lake';

/** The Delta schema of `schema`. @throws {UnsupportedTypeError} @throws {InvalidNameError} naming the column */
export function deltaSchema(schema: Schema): DeltaStruct {
  return { type: 'struct', fields: schema.fields.map((f) => deltaField(f, f.name)) };
}

/**
 * The protocol a table of `schema` needs. Timestamps without a zone are a table feature (reader 3,
 * writer 7); with table features, nothing is implied, so a NOT NULL column (an invariant to Delta,
 * which writer version 2 implies) must list `invariants` too, or Spark refuses the table.
 */
export function deltaProtocol(schema: DeltaStruct): DeltaProtocol {
  const text = JSON.stringify(schema);
  if (!text.includes('"timestamp_ntz"')) return { minReaderVersion: 1, minWriterVersion: 2 };
  const writerFeatures = text.includes('"nullable":false') ? ['timestampNtz', 'invariants'] : ['timestampNtz'];
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures };
}

function deltaField(field: Field, path: string): DeltaStruct['fields'][number] {
  if (FORBIDDEN.test(field.name)) {
    throw new InvalidNameError('Delta Lake column', path, 'Delta allows none of " ,;{}()\\n\\t=" in names without column mapping');
  }
  return { name: field.name, type: deltaType(field.type, path), nullable: field.nullable, metadata: {} };
}

function deltaType(type: DataType, path: string): DeltaType {
  const refuse = (why: string): never => {
    throw new UnsupportedTypeError(FORMAT, path, String(type), why);
  };
  const t = type as DataType & Record<string, unknown>;
  switch (type.typeId) {
    case Type.Bool:
      return 'boolean';
    case Type.Int: {
      if (!t.isSigned) return refuse('it has no unsigned integers');
      return ({ 8: 'byte', 16: 'short', 32: 'integer', 64: 'long' } as Record<number, string>)[t.bitWidth as number]!;
    }
    case Type.Float:
      if (t.precision === Precision.HALF) return refuse('it has no 16-bit floats');
      return t.precision === Precision.SINGLE ? 'float' : 'double';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return 'binary';
    case Type.Decimal:
      if ((t.bitWidth as number) > 128 || (t.precision as number) > 38) return refuse('its decimals hold at most 38 digits');
      return `decimal(${t.precision as number},${t.scale as number})`;
    case Type.Date:
      if (t.unit !== DateUnit.DAY) return refuse('a date is a day number; cast date64 to date32');
      return 'date';
    case Type.Timestamp:
      // Parquet keeps milli- and microseconds as Delta specifies; nanoseconds are not readable by Spark,
      // and seconds are not a Parquet unit.
      if (t.unit !== TimeUnit.MICROSECOND && t.unit !== TimeUnit.MILLISECOND) return refuse('timestamps have micro- or millisecond units; cast to microseconds');
      return t.timezone ? 'timestamp' : 'timestamp_ntz';
    case Type.Dictionary:
      return deltaType(t.dictionary as DataType, path);
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = type.children[0]!;
      return { type: 'array', elementType: deltaType(child.type, `${path}[]`), containsNull: child.nullable };
    }
    case Type.Struct:
      return { type: 'struct', fields: type.children.map((c) => deltaField(c, `${path}.${c.name}`)) };
    case Type.Map: {
      const [key, value] = (type.children[0]!.type as DataType).children as [Field, Field];
      return { type: 'map', keyType: deltaType(key.type, `${path}.key`), valueType: deltaType(value.type, `${path}.value`), valueContainsNull: value.nullable };
    }
    default:
      return refuse('it has no such type');
  }
}
