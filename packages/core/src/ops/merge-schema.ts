/**
 * The three-way merge of a table's schema, for a row-level merge (merge.ts) where one side or both
 * changed columns since the base: added, dropped, renamed (a metadata change, found on the chunks:
 * catalog/renamed-columns.ts) or widened (table/widen.ts). Columns are followed by their base name.
 *
 * The merged columns are ours in ours' order, with theirs' renames and widenings, without the ones
 * theirs dropped, then the columns only theirs added. Rows are compared in a wider schema that keeps
 * the dropped columns at the end: a side that dropped a column shows it null, so a row whose value
 * the other side changed is a conflict, not a change lost without a word.
 */
import { Field, RecordBatch, Schema, Struct, Table, makeData, type DataType } from 'apache-arrow';

import { conformBatch } from '../table/conform.js';
import { canonicalSchema, sameType, typeName } from '../table/schema.js';
import { widens } from '../table/widen.js';
import type { Renamed } from '../catalog/renamed-columns.js';

type Side = 'ours' | 'theirs';

/** A column of the merged (or compared) schema, and where each version has it. */
interface MergedColumn {
  field: Field;
  base?: string;
  ours?: string;
  theirs?: string;
}

export interface SchemaMerge {
  /** The merged table's schema. */
  schema: Schema;
  /** `schema`'s columns, then those one side dropped: rows are compared in it. */
  compared: Schema;
  /** Per compared column: the side that dropped it, if one did. */
  droppedOn: (Side | undefined)[];
  /** Per compared column: on the base and both sides, so a difference in it is an edit of the row. */
  edited: boolean[];
  /** A version's rows in `compared`: columns under their merged names, missing ones null, narrower ones widened. */
  conform(version: 'base' | Side, table: Table): Table;
}

/**
 * Merges the schemas of base, ours and theirs; `renamed` maps each side's new column names to its
 * base names. @returns the merge, or the reasons it cannot be made (empty when it can)
 */
export function mergeSchemasThreeWay(base: Schema, ours: Schema, theirs: Schema, renamed: Record<Side, Renamed | undefined>): SchemaMerge | string[] {
  const problems: string[] = [];
  const sides = { ours, theirs };
  const baseNames = new Set(base.fields.map((f) => f.name));
  /** The base name of a side's column, or undefined for a column the side added. */
  const baseOf = (side: Side, name: string): string | undefined => renamed[side]?.[name] ?? (baseNames.has(name) ? name : undefined);
  const nameOn = (side: Side, b: string): string | undefined => sides[side].fields.find((f) => baseOf(side, f.name) === b)?.name;
  const fieldOf = (side: Side, name: string): Field => sides[side].fields.find((f) => f.name === name)!;

  const merged: MergedColumn[] = [];
  const dropped: (MergedColumn & { droppedOn: Side })[] = [];
  for (const f of ours.fields) {
    const b = baseOf('ours', f.name);
    const t = b !== undefined ? nameOn('theirs', b) : theirs.fields.some((g) => g.name === f.name && baseOf('theirs', g.name) === undefined) ? f.name : undefined;
    if (b !== undefined && t === undefined) {
      dropped.push({ field: f, base: b, ours: f.name, droppedOn: 'theirs' });
      continue;
    }
    if (b === undefined && t === undefined && theirs.fields.some((g) => g.name === f.name)) {
      problems.push(`column "${f.name}" was added on ours, and theirs renamed "${baseOf('theirs', f.name)}" to it`);
      continue;
    }
    let name = f.name;
    if (b !== undefined && t !== undefined && t !== b) {
      if (f.name !== b && f.name !== t) problems.push(`column "${b}" was renamed to "${f.name}" on ours and to "${t}" on theirs`);
      name = t;
    }
    const type = t === undefined ? f.type : widerType(f, fieldOf('theirs', t), problems);
    merged.push({ field: new Field(name, type, f.nullable || (t !== undefined && fieldOf('theirs', t).nullable), f.metadata), base: b, ours: f.name, theirs: t });
  }
  for (const g of theirs.fields) {
    if (merged.some((c) => c.theirs === g.name)) continue;
    const b = baseOf('theirs', g.name);
    if (b !== undefined) {
      if (nameOn('ours', b) === undefined) dropped.push({ field: g, base: b, theirs: g.name, droppedOn: 'ours' });
    } else merged.push({ field: g, theirs: g.name });
  }
  const named = new Map<string, number>();
  for (const c of [...merged, ...dropped]) named.set(c.field.name, (named.get(c.field.name) ?? 0) + 1);
  for (const [name, n] of named) if (n > 1) problems.push(`${n} columns would be named "${name}" (each side renamed or added one)`);
  if (problems.length > 0) return problems;

  const schema = schemaOf(merged.map((c) => c.field), ours.metadata);
  const all = [...merged, ...dropped];
  const compared = schemaOf(all.map((c) => c.field), ours.metadata);
  const names = { base: all.map((c) => c.base), ours: all.map((c) => c.ours), theirs: all.map((c) => c.theirs) };
  return {
    schema,
    compared,
    droppedOn: all.map((c) => ('droppedOn' in c ? (c.droppedOn as Side) : undefined)),
    edited: all.map((c) => c.base !== undefined && c.ours !== undefined && c.theirs !== undefined),
    conform: (version, table) =>
      new Table(
        compared,
        table.batches.map((batch) => conformBatch(renamedTo(batch, names[version], compared), compared)),
      ),
  };
}

/** A schema of fields taken from several schemas: each dictionary gets its own id. */
function schemaOf(fields: Field[], metadata: Map<string, string>): Schema {
  const out: Field[] = [];
  let id = 0;
  for (const f of fields) {
    const one = canonicalSchema(new Schema([f]), id);
    id += one.dictionaries.size;
    out.push(one.fields[0]!);
  }
  return new Schema(out, metadata);
}

/** The wider of two sides' types of one column, or a problem recorded. */
function widerType(ours: Field, theirs: Field, problems: string[]): DataType {
  const [a, b] = [ours.type as DataType, theirs.type as DataType];
  if (sameType(a, b) || widens(b, a)) return a;
  if (widens(a, b)) return b;
  problems.push(`column "${ours.name}" is ${typeName(ours)} on ours and ${typeName(theirs)} on theirs`);
  return a;
}

/** `batch`'s columns named in `from` (per compared column, its name in the batch), under `to`'s names. */
function renamedTo(batch: RecordBatch, from: (string | undefined)[], to: Schema): RecordBatch {
  const picked = from.flatMap((name, i) => {
    const column = name !== undefined ? batch.getChild(name) : null;
    return column ? [{ field: new Field(to.fields[i]!.name, column.type, true), data: column.data[0]! }] : [];
  });
  // Its own ids: a chunk's columns and the patches over it may each have numbered their dictionaries from 0.
  const schema = schemaOf(picked.map((p) => p.field), new Map());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: picked.map((p) => p.data) }));
}
