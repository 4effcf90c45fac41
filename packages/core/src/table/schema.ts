/**
 * Schema helpers: a canonical form (dictionary ids renumbered) and comparison for appends, which lists
 * every difference precisely so the error can say what to fix.
 */
import {
  Dictionary, Field, FixedSizeList, Float, Int, List, Map_, Precision, Schema, Struct, Table, Timestamp, Type, util,
  vectorFromArray, type DataType, type LargeList,
} from 'apache-arrow';

import { since } from './arrow-compat.js';

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
        return new (since('LargeList'))(field((t as LargeList).children[0]!));
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

/**
 * Whether two types are the same, their dictionary ids aside (every new dictionary gets a fresh id).
 * Both ways: apache-arrow's comparison asks `b instanceof a.constructor`, so an `Int32` (built in
 * memory) matches an `Int_` of 32 bits (read from IPC) only one way round.
 */
export function sameType(a: DataType, b: DataType): boolean {
  const [x, y] = [a, b].map((t) => canonicalSchema(new Schema([new Field('_', t)])).fields[0]!.type);
  return util.compareTypes(x!, y!) || util.compareTypes(y!, x!);
}

/** A readable type name, e.g. `Timestamp<MILLISECOND, UTC>`, `List<Int32>`. */
export function typeName(field: Field): string {
  return String(field.type);
}

/**
 * What is wrong with the column names of `schema`: an empty name (top level or nested, which
 * apache-arrow's IPC writer turns into a missing one, read back as "null"), or a top-level name
 * given twice (statistics, projections, filters and patches all name columns). Empty when fine.
 */
export function columnNameProblems(schema: Schema): string[] {
  const problems: string[] = [];
  const first = new Map<string, number>();
  const emptyInside = (f: Field): boolean => (f.type.children ?? []).some((c: Field) => !c.name || emptyInside(c));
  schema.fields.forEach((f, i) => {
    if (!f.name) problems.push(`column ${i} has an empty name`);
    else if (first.has(f.name)) problems.push(`column "${f.name}" appears twice (columns ${first.get(f.name)} and ${i})`);
    else first.set(f.name, i);
    if (emptyInside(f)) problems.push(`column ${f.name ? JSON.stringify(f.name) : i} has a nested field with an empty name`);
  });
  return problems;
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

/**
 * `input` with each numeric column converted to the numeric type `schema` gives a column of that name,
 * when every value converts exactly (an integer column read from CSV, updating a float column); a
 * column that would lose a value is left as it is, for the schema check to report.
 */
export function castNumbers(schema: Schema, input: Table): Table {
  const target = new Map(schema.fields.map((f) => [f.name, f.type as DataType]));
  let cast = false;
  const columns = input.schema.fields.map((f, i) => {
    const vector = input.getChildAt(i)!;
    const want = target.get(f.name);
    if (!want || util.compareTypes(want, f.type) || !isNumeric(want) || !isNumeric(f.type)) return vector;
    const values = [...vector].map((x) => (x === null ? null : exactly(x as number | bigint, want)));
    if (values.includes(undefined)) return vector;
    cast = true;
    return vectorFromArray(values, want);
  });
  return cast ? new Table(Object.fromEntries(input.schema.fields.map((f, i) => [f.name, columns[i]!]))) : input;
}

const isNumeric = (t: DataType): boolean => t.typeId === Type.Int || (t.typeId === Type.Float && (t as Float).precision !== Precision.HALF);

/** `x` as a value of numeric type `type`, or undefined when it would change. */
function exactly(x: number | bigint, type: DataType): number | bigint | undefined {
  const n = Number(x);
  if (typeof x === 'bigint' && BigInt(Math.trunc(n)) !== x) return undefined; // beyond a double
  if (type.typeId === Type.Float) return (type as Float).precision === Precision.SINGLE && Math.fround(n) !== n ? undefined : n;
  const { bitWidth, isSigned } = type as Int;
  if (!Number.isInteger(n)) return undefined;
  const big = typeof x === 'bigint' ? x : BigInt(n);
  const [min, max] = isSigned ? [-(1n << BigInt(bitWidth - 1)), (1n << BigInt(bitWidth - 1)) - 1n] : [0n, (1n << BigInt(bitWidth)) - 1n];
  if (big < min || big > max) return undefined;
  return bitWidth === 64 ? big : n;
}
