/**
 * Arrow schemas as Iceberg format-v2 schemas (format/spec.md of apache/iceberg, "Schemas and Data
 * Types", Appendix C), with the field ids Iceberg reads columns by.
 *
 * Our chunk files carry no Iceberg field ids, so ids are kept per column path (a column, a struct
 * field, a list's element, a map's key and value): a path seen before keeps its id in every later
 * schema, a new path gets the next id. The table's name mapping (`schema.name-mapping.default`) maps
 * every path ever published to its id, which is how readers find the columns of files without ids.
 * A type is refused, by column, when Iceberg v2 has no type for it or when readers do not read our
 * Parquet form of it as that type.
 */
import { DateUnit, Precision, TimeUnit, Type, type DataType, type Field, type Schema } from 'apache-arrow';

import { UnsupportedTypeError } from '../errors.js';

export type IcebergType = string | IcebergStruct | IcebergList | IcebergMap;
export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
}
export interface IcebergStruct {
  type: 'struct';
  fields: IcebergField[];
}
export interface IcebergList {
  type: 'list';
  'element-id': number;
  'element-required': boolean;
  element: IcebergType;
}
export interface IcebergMap {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  'value-required': boolean;
  value: IcebergType;
}
export interface IcebergSchema extends IcebergStruct {
  'schema-id': number;
}

/** One entry of a name mapping (spec Appendix C, "Name Mapping Serialization"). */
export interface MappedField {
  'field-id': number;
  names: string[];
  fields?: MappedField[];
}

const FORMAT = 'Iceberg';

/**
 * Field ids by path: the ids of earlier schemas are kept, new paths take the next id.
 * A path is a list of names, with `element`, `key` and `value` for the parts of lists and maps.
 */
export class FieldIds {
  private readonly byPath = new Map<string, number>();
  private last = 0;

  /** Ids of `schemas` (an earlier publish's), so their paths keep them. */
  static from(schemas: readonly IcebergStruct[]): FieldIds {
    const ids = new FieldIds();
    const walk = (type: IcebergType, path: string[]): void => {
      if (typeof type === 'string') return;
      if (type.type === 'struct') {
        for (const f of type.fields) {
          ids.remember([...path, f.name], f.id);
          walk(f.type, [...path, f.name]);
        }
      } else if (type.type === 'list') {
        ids.remember([...path, 'element'], type['element-id']);
        walk(type.element, [...path, 'element']);
      } else {
        ids.remember([...path, 'key'], type['key-id']);
        ids.remember([...path, 'value'], type['value-id']);
        walk(type.key, [...path, 'key']);
        walk(type.value, [...path, 'value']);
      }
    };
    for (const s of schemas) walk(s, []);
    return ids;
  }

  /** The highest id given so far (the table's `last-column-id`). */
  get lastId(): number {
    return this.last;
  }

  id(path: readonly string[]): number {
    const key = JSON.stringify(path);
    let id = this.byPath.get(key);
    if (id === undefined) {
      id = ++this.last;
      this.byPath.set(key, id);
    }
    return id;
  }

  private remember(path: readonly string[], id: number): void {
    this.byPath.set(JSON.stringify(path), id);
    this.last = Math.max(this.last, id);
  }
}

/**
 * The Iceberg schema of `schema`, with ids from `ids` (new paths get new ids).
 * @throws {UnsupportedTypeError} naming the first column whose type Iceberg v2 cannot hold
 */
export function icebergSchema(schema: Schema, ids: FieldIds): IcebergStruct {
  return { type: 'struct', fields: schema.fields.map((f) => icebergField(f, [f.name], ids)) };
}

/** Checks every column of `schema` without giving ids. @throws {UnsupportedTypeError} */
export function checkIcebergSchema(schema: Schema): void {
  icebergSchema(schema, new FieldIds());
}

/**
 * The name mapping of `schemas`: every path of any of them with its id, so readers map the columns
 * of any published file (written under any of the schemas) by name.
 */
export function nameMapping(schemas: readonly IcebergStruct[]): MappedField[] {
  const root: MappedField[] = [];
  const merge = (into: MappedField[], name: string, id: number, type: IcebergType): void => {
    let m = into.find((x) => x['field-id'] === id);
    if (!m) {
      m = { 'field-id': id, names: [name] };
      into.push(m);
    } else if (!m.names.includes(name)) m.names.push(name);
    if (typeof type === 'string') return;
    const children = (m.fields ??= []);
    if (type.type === 'struct') for (const f of type.fields) merge(children, f.name, f.id, f.type);
    else if (type.type === 'list') merge(children, 'element', type['element-id'], type.element);
    else {
      merge(children, 'key', type['key-id'], type.key);
      merge(children, 'value', type['value-id'], type.value);
    }
  };
  for (const s of schemas) for (const f of s.fields) merge(root, f.name, f.id, f.type);
  return root;
}

function icebergField(field: Field, path: string[], ids: FieldIds): IcebergField {
  return { id: ids.id(path), name: field.name, required: !field.nullable, type: icebergType(field.type, path, ids) };
}

function icebergType(type: DataType, path: string[], ids: FieldIds): IcebergType {
  const refuse = (why: string): never => {
    throw new UnsupportedTypeError(FORMAT, columnName(path), String(type), why);
  };
  const t = type as DataType & Record<string, unknown>;
  switch (type.typeId) {
    case Type.Bool:
      return 'boolean';
    case Type.Int:
      if (!t.isSigned) return refuse('it has no unsigned integers');
      return (t.bitWidth as number) === 64 ? 'long' : 'int'; // 8- and 16-bit ints are read as int
    case Type.Float:
      if (t.precision === Precision.HALF) return refuse('it has no 16-bit floats');
      return t.precision === Precision.SINGLE ? 'float' : 'double';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Binary:
    case Type.LargeBinary:
      return 'binary';
    case Type.FixedSizeBinary:
      return `fixed[${t.byteWidth as number}]`;
    case Type.Decimal:
      if ((t.bitWidth as number) > 128 || (t.precision as number) > 38) return refuse('its decimals hold at most 38 digits');
      if ((t.scale as number) < 0) return refuse('a decimal scale is not negative');
      return `decimal(${t.precision as number},${t.scale as number})`;
    case Type.Date:
      if (t.unit !== DateUnit.DAY) return refuse('a date is a day number; cast date64 to date32');
      return 'date';
    case Type.Time:
      if (t.unit !== TimeUnit.MICROSECOND) return refuse('a time of day is in microseconds; cast to time64[us]');
      return 'time';
    case Type.Timestamp:
      // Milliseconds are read as microseconds (exactly); nanoseconds are a format-v3 type, and seconds
      // are not a Parquet unit.
      if (t.unit !== TimeUnit.MICROSECOND && t.unit !== TimeUnit.MILLISECOND) return refuse('format v2 timestamps have micro- or millisecond units; cast to microseconds');
      if (t.timezone && !UTC.has(t.timezone as string)) return refuse('timestamptz values are UTC instants, and pyiceberg refuses data files whose Arrow schema names another zone; cast to zone "UTC"');
      return t.timezone ? 'timestamptz' : 'timestamp';
    case Type.Dictionary:
      return icebergType(t.dictionary as DataType, path, ids);
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = type.children[0]!;
      const at = [...path, 'element'];
      return { type: 'list', 'element-id': ids.id(at), 'element-required': !child.nullable, element: icebergType(child.type, at, ids) };
    }
    case Type.Struct:
      return { type: 'struct', fields: type.children.map((c) => icebergField(c, [...path, c.name], ids)) };
    case Type.Map: {
      const [key, value] = (type.children[0]!.type as DataType).children as [Field, Field];
      const k = [...path, 'key'];
      const v = [...path, 'value'];
      return { type: 'map', 'key-id': ids.id(k), key: icebergType(key.type, k, ids), 'value-id': ids.id(v), 'value-required': !value.nullable, value: icebergType(value.type, v, ids) };
    }
    case Type.Null:
      return refuse('its "unknown" type for columns of nulls is a format-v3 type');
    default:
      return refuse('it has no such type');
  }
}

/** The zone names pyiceberg reads as UTC (its UTC_ALIASES). */
const UTC = new Set(['UTC', '+00:00', 'Etc/UTC', 'Z']);

/** `obj.a`, `list[]`, `m.key` — as the Delta Lake view names nested columns in its errors. */
function columnName(path: readonly string[]): string {
  let out = path[0]!;
  for (const part of path.slice(1)) out += part === 'element' ? '[]' : `.${part}`;
  return out;
}
