/**
 * Schema helpers: a canonical form (dictionary ids renumbered) and comparison for appends, which lists
 * every difference precisely so the error can say what to fix.
 */
import {
  Dictionary, Field, FixedSizeList, LargeList, List, Map_, Schema, Struct, Timestamp, Type, util, type DataType,
} from 'apache-arrow';

/**
 * The schema with dictionary ids renumbered 0, 1, 2… in field order (and a missing time zone always
 * `null`). apache-arrow gives every new
 * dictionary a fresh id, so two equal schemas could otherwise serialize differently, compare unequal,
 * and defeat manifest dedup and append rebasing.
 */
export function canonicalSchema(schema: Schema, firstId = 0): Schema {
  let next = firstId;
  const field = (f: Field): Field => new Field(f.name, type(f.type), f.nullable, f.metadata);
  const type = (t: DataType): DataType => {
    switch (t.typeId) {
      case Type.Dictionary: {
        const d = t as Dictionary;
        return new Dictionary(type(d.dictionary), d.indices, next++, d.isOrdered);
      }
      case Type.List:
        return new List(field((t as List).children[0]!));
      case Type.LargeList:
        return new LargeList(field((t as LargeList).children[0]!));
      case Type.FixedSizeList:
        return new FixedSizeList((t as FixedSizeList).listSize, field((t as FixedSizeList).children[0]!));
      case Type.Struct:
        return new Struct((t as Struct).children.map(field));
      case Type.Map:
        return new Map_(field((t as Map_).children[0]!) as Field<Struct>, (t as Map_).keysSorted);
      case Type.Timestamp: {
        // No time zone is `undefined` when built in memory but `null` after an IPC round trip.
        const ts = t as Timestamp;
        return new Timestamp(ts.unit, ts.timezone ?? null);
      }
      default:
        return t;
    }
  };
  return new Schema(schema.fields.map(field), schema.metadata);
}

/** `a`'s fields then `b`'s, in canonical form (their dictionary ids may clash until renumbered). */
export function appendFields(a: Schema, b: Schema): Schema {
  const head = canonicalSchema(a);
  const dictionaries = head.dictionaries.size;
  return canonicalSchema(new Schema([...head.fields, ...canonicalSchema(b, dictionaries).fields], a.metadata));
}

/** A readable type name, e.g. `Timestamp<MILLISECOND, UTC>`, `List<Int32>`. */
export function typeName(field: Field): string {
  return String(field.type);
}

/** Differences between the table's schema and an incoming one; empty when an append may proceed. */
export function schemaDifferences(tableSchema: Schema, incomingSchema: Schema): string[] {
  const table = canonicalSchema(tableSchema);
  const incoming = canonicalSchema(incomingSchema);
  const diffs: string[] = [];
  const theirs = new Map(incoming.fields.map((f) => [f.name, f]));
  const ours = new Map(table.fields.map((f) => [f.name, f]));
  for (const f of table.fields) {
    const g = theirs.get(f.name);
    if (!g) diffs.push(`column "${f.name}" (${typeName(f)}) is missing`);
    else if (!util.compareTypes(f.type, g.type)) diffs.push(`column "${f.name}" is ${typeName(g)}, expected ${typeName(f)}`);
    else if (!f.nullable && g.nullable) diffs.push(`column "${f.name}" is nullable, expected non-nullable`);
  }
  for (const g of incoming.fields) {
    if (!ours.has(g.name)) diffs.push(`column "${g.name}" (${typeName(g)}) is not in the table`);
  }
  if (diffs.length === 0) {
    const a = table.fields.map((f) => f.name).join(', ');
    const b = incoming.fields.map((f) => f.name).join(', ');
    if (a !== b) diffs.push(`columns are in a different order: [${b}], expected [${a}]`);
  }
  return diffs;
}
