/**
 * Arrow objects from another copy of apache-arrow: another version, or the CommonJS build of this
 * one (Node loads `Arrow.node.js` and `Arrow.node.mjs` as two modules with two sets of classes).
 *
 * Core cannot use them as they are: apache-arrow dispatches on its own classes internally (visitors
 * test `node instanceof DataType`, `Table` compares schemas by constructor), so a foreign table
 * fails deep inside a write. So they are rebuilt here, structurally, as this copy's objects: every
 * DataType, Field and Schema is constructed anew from its plain properties, and every `Data` anew
 * over the *same* buffers. Zero-copy, so the cost does not grow with rows: seed-narrow 1M from the
 * CommonJS copy converts in 0.27 ms, where an IPC round trip (their writer, our reader) takes 5.5 ms
 * and copies every buffer (`scripts/views-cost.mjs`, medians of 21). Nor could core do that
 * round trip itself: writing IPC needs the other copy's writer, which its objects do not carry.
 *
 * Recognition is by shape and `Symbol.toStringTag` (which apache-arrow sets on the Table and
 * RecordBatch classes, and on Schema, Field and DataType instances), never `instanceof` against the
 * other copy's classes. Type ids are the Arrow
 * format's (the flatbuffers `Type` enum), the same in every version. This copy's own objects are
 * recognised by their real prototype chain: apache-arrow 21.2's `instanceof` also answers true for
 * objects of another copy (by a `Symbol.for` brand), which is exactly what must not pass unconverted.
 */
import {
  Binary, Bool, Data, Date_, Decimal, Dictionary, Duration, Field, FixedSizeBinary, FixedSizeList, Float, Int, Interval, LargeBinary,
  LargeUtf8, List, Map_, Null, RecordBatch, Schema, Struct, Table, Time, Timestamp, Type, Union, Utf8, Vector, type DataType,
} from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { since } from './arrow-compat.js';

const hasOwnPrototype = Function.prototype[Symbol.hasInstance];

/** True when `x` was made by this copy of apache-arrow's `cls` (its prototype chain, no brand). */
export function isOwn<T>(cls: abstract new (...args: never[]) => T, x: unknown): x is T {
  return hasOwnPrototype.call(cls, x);
}

/** The `Symbol.toStringTag` of `x` (`Uint8Array`, `Schema`, `AsyncGenerator`, …); undefined for non-objects. */
export function tagOf(x: unknown): string | undefined {
  return typeof x === 'object' && x !== null ? Object.prototype.toString.call(x).slice(8, -1) : undefined;
}

/** The tag apache-arrow puts on the class of a Table or RecordBatch (not on the instance). */
function classTag(x: unknown): unknown {
  return typeof x === 'object' && x !== null ? (x.constructor as { [Symbol.toStringTag]?: unknown } | undefined)?.[Symbol.toStringTag] : undefined;
}

/** A schema of any copy: an object whose `fields` all have a name and a type with a numeric id. */
export function isSchemaLike(x: unknown): x is ForeignSchema {
  const fields = (x as ForeignSchema | undefined)?.fields;
  return Array.isArray(fields) && fields.every((f) => typeof f?.name === 'string' && typeof f?.type?.typeId === 'number');
}

export function isTableLike(x: unknown): x is ForeignTable {
  return classTag(x) === 'Table' && isSchemaLike((x as ForeignTable).schema) && Array.isArray((x as ForeignTable).batches);
}

export function isRecordBatchLike(x: unknown): x is ForeignBatch {
  const b = x as ForeignBatch;
  return classTag(x) === 'RecordBatch' && isSchemaLike(b.schema) && typeof b.data?.type?.typeId === 'number';
}

/** A RecordBatchReader of any copy (no tag of its own): the methods every version has. */
export function isReaderLike(x: unknown): x is ForeignReader {
  const r = x as ForeignReader;
  return typeof x === 'object' && x !== null && ['isSync', 'isAsync', 'isStream', 'isFile', 'open'].every((m) => typeof (r as never)[m] === 'function');
}

/**
 * Rebuilds foreign Arrow objects as this copy's. One converter per input: it remembers what it
 * made, so a dictionary (or type, or schema) shared by several batches of a stream stays one object,
 * as core's dictionary handling and apache-arrow's writer expect.
 */
export class ArrowConverter {
  private readonly made = new WeakMap<object, unknown>();

  /** `t` as this copy's Table; `t` itself when it already is one. */
  table(t: Table | ForeignTable): Table {
    if (isOwn(Table, t) && isOwn(Schema, t.schema) && t.batches.every((b) => isOwn(RecordBatch, b))) return t;
    const f = t as ForeignTable;
    return this.once(f, () => new Table(this.schema(f.schema), f.batches.map((b) => this.batch(b))));
  }

  batch(b: RecordBatch | ForeignBatch): RecordBatch {
    if (isOwn(RecordBatch, b) && isOwn(Schema, b.schema)) return b;
    const f = b as ForeignBatch;
    // Batch metadata (and the constructor's third argument) are new in apache-arrow 21.2.
    const metadata = f.metadata instanceof Map && f.metadata.size > 0 ? new Map(f.metadata) : undefined;
    return this.once(f, () => {
      const [schema, data] = [this.schema(f.schema), this.data(f.data) as Data<Struct>];
      return metadata ? new RecordBatch(schema, data, metadata) : new RecordBatch(schema, data);
    });
  }

  schema(s: Schema | ForeignSchema): Schema {
    if (isOwn(Schema, s)) return s;
    const f = s as ForeignSchema;
    return this.once(f, () => new Schema(f.fields.map((x) => this.field(x)), copyMap(f.metadata), undefined, f.metadataVersion));
  }

  private field(f: ForeignField): Field {
    return this.once(f, () => new Field(f.name, this.type(f.type), f.nullable, copyMap(f.metadata)));
  }

  private type(t: ForeignType): DataType {
    return this.once(t, () => this.newType(t));
  }

  private newType(t: ForeignType): DataType {
    const child = (i = 0) => this.field(t.children![i]!);
    switch (t.typeId) {
      case Type.Null: return new Null();
      case Type.Int: return new Int(t.isSigned as never, t.bitWidth as never);
      case Type.Float: return new Float(t.precision as never);
      case Type.Binary: return new Binary();
      case Type.LargeBinary: return new LargeBinary();
      case Type.BinaryView: return new (since('BinaryView'))();
      case Type.Utf8: return new Utf8();
      case Type.LargeUtf8: return new LargeUtf8();
      case Type.Utf8View: return new (since('Utf8View'))();
      case Type.Bool: return new Bool();
      case Type.Decimal: return new Decimal(t.scale as number, t.precision as number, (t.bitWidth as number | undefined) ?? 128);
      case Type.Date: return new Date_(t.unit as never);
      case Type.Time: return new Time(t.unit as never, t.bitWidth as never);
      case Type.Timestamp: return new Timestamp(t.unit as never, t.timezone as string | null | undefined); // undefined and null both kept, as given
      case Type.Interval: return new Interval(t.unit as never);
      case Type.Duration: return new Duration(t.unit as never);
      case Type.FixedSizeBinary: return new FixedSizeBinary(t.byteWidth as number);
      case Type.List: return new List(child());
      case Type.LargeList: return new (since('LargeList'))(child());
      case Type.FixedSizeList: return new FixedSizeList(t.listSize as number, child());
      case Type.Struct: return new Struct(t.children!.map((f) => this.field(f)));
      case Type.Map: return new Map_(child() as Field<Struct>, t.keysSorted as boolean);
      case Type.Union: return new Union(t.mode as never, Array.from(t.typeIds as ArrayLike<number>), t.children!.map((f) => this.field(f)));
      case Type.Dictionary:
        return new Dictionary(this.type(t.dictionary as ForeignType), this.type(t.indices as ForeignType) as never, t.id as number, t.isOrdered as boolean);
      default:
        throw new TypeError(`Arrow type ${String(t)} (type id ${t.typeId}) has no counterpart in this apache-arrow`);
    }
  }

  /** A `Data` over the same buffers; children and dictionary converted too. */
  private data(d: ForeignData): Data {
    return this.once(d, () => {
      // The raw count keeps "not counted yet" (-1) as it was, rather than counting now.
      const nullCount = typeof d._nullCount === 'number' ? d._nullCount : d.nullCount;
      const dictionary = d.dictionary ? this.vector(d.dictionary) : undefined;
      const buffers = [d.valueOffsets, d.values, d.nullBitmap, d.typeIds] as never;
      return new Data(this.type(d.type), d.offset, d.length, nullCount, buffers, (d.children ?? []).map((c) => this.data(c)), dictionary, d.variadicBuffers ?? []);
    });
  }

  private vector(v: ForeignVector): Vector {
    return this.once(v, () => new Vector(v.data.map((d) => this.data(d))));
  }

  private once<F extends object, T>(foreign: F, make: () => T): T {
    let made = this.made.get(foreign) as T | undefined;
    if (made === undefined) this.made.set(foreign, (made = make()));
    return made;
  }
}

function copyMap(m: unknown): Map<string, string> | undefined {
  return m instanceof Map ? new Map(m) : undefined;
}

// The shapes read from another copy: the properties apache-arrow 9 to 21 all have.
export interface ForeignType {
  typeId: number;
  children?: ForeignField[];
  [property: string]: unknown;
}
export interface ForeignField {
  name: string;
  type: ForeignType;
  nullable: boolean;
  metadata?: Map<string, string>;
}
export interface ForeignSchema {
  fields: ForeignField[];
  metadata?: Map<string, string>;
  metadataVersion?: number;
}
interface ForeignData {
  type: ForeignType;
  offset: number;
  length: number;
  nullCount: number;
  _nullCount?: number;
  valueOffsets?: ArrayBufferView;
  values?: ArrayBufferView;
  nullBitmap?: Uint8Array;
  typeIds?: Int8Array;
  variadicBuffers?: Uint8Array[];
  children?: ForeignData[];
  dictionary?: ForeignVector;
}
interface ForeignVector {
  data: ForeignData[];
}
export interface ForeignBatch {
  schema: ForeignSchema;
  data: ForeignData;
  numRows: number;
  metadata?: Map<string, string>;
}
export interface ForeignTable {
  schema: ForeignSchema;
  batches: ForeignBatch[];
  numRows: number;
}
export interface ForeignReader {
  schema?: ForeignSchema;
  isSync(): boolean;
  isAsync(): boolean;
  isStream(): boolean;
  isFile(): boolean;
  open(): unknown;
  [Symbol.iterator]?(): Iterator<unknown>;
  [Symbol.asyncIterator]?(): AsyncIterator<unknown>;
}

/**
 * What `x` is, briefly, for an error message: `string`, `null`, `Map`, `Array(3)`, `Table` (an
 * unusable object of that class), or for a plain object its first keys, `Object { rows, columns }`.
 */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  if (Array.isArray(x)) return `Array(${x.length})`;
  const name = (x as object).constructor?.name || tagOf(x) || 'object';
  if (name !== 'Object') return name;
  const keys = Object.keys(x);
  const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? `, … (${keys.length} keys)` : '');
  return keys.length === 0 ? 'Object {}' : `Object { ${shown} }`;
}

/** Runs a conversion, turning a failure into an error that says what could not be converted. */
export function converting<T>(what: string, described: string, convert: () => T): T {
  try {
    return convert();
  } catch (e) {
    throw new InvalidArgumentError(`table: ${what} is an Arrow ${described} that cannot be converted (${(e as Error).message})`, { cause: e });
  }
}
