/** Schema comparison for appends: lists every difference precisely, so the error can say what to fix. */
import { util, type Field, type Schema } from 'apache-arrow';

/** A readable type name, e.g. `Timestamp<MILLISECOND, UTC>`, `List<Int32>`. */
export function typeName(field: Field): string {
  return String(field.type);
}

/** Differences between the table's schema and an incoming one; empty when an append may proceed. */
export function schemaDifferences(table: Schema, incoming: Schema): string[] {
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
