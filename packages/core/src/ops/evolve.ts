/**
 * Schema evolution on write (`{ schema: 'merge' }`, `import --evolve`): new rows may bring columns
 * the table lacks, lack nullable columns it has, or bring a wider type of a column (widen.ts). The
 * table's schema becomes the merge: its columns in their order with widened types, then the new
 * columns, nullable. Chunks already stored keep their files: a new column reaches them as a
 * whole-column patch of nulls, a widened one as a whole-column patch of its widened values
 * (add-columns.ts), so the change stores about one column, never the table. Versions before the
 * change keep their schema.
 */
import { Field, Schema, Table, type Vector } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { SchemaMismatchError } from '../errors.js';
import type { PhaseRuntime } from '../phases/types.js';
import { nullColumn } from '../table/conform.js';
import { readManifest } from '../table/table-reader.js';
import { sameType } from '../table/schema.js';
import { widenColumn, widens } from '../table/widen.js';
import { wholeColumnPatches } from './add-columns.js';
import { makeManifest, type Manifest } from '../catalog/manifest.js';

/** The merged schema, and what it changes of the table's. */
export interface Evolution {
  schema: Schema;
  /** Columns new to the table (appended, nullable). */
  added: Field[];
  /** Columns of the table whose type widens (with the new type). */
  widened: Field[];
}

/**
 * How a table of schema `table` takes rows of schema `incoming`.
 * @throws {SchemaMismatchError} listing every column that cannot merge: a type that is neither the
 * same nor a safe widening either way, or a non-nullable column the rows lack
 */
export function mergeSchemas(name: string, table: Schema, incoming: Schema): Evolution {
  const problems: string[] = [];
  const widened: Field[] = [];
  const fields = table.fields.map((f) => {
    const other = incoming.fields.find((g) => g.name === f.name);
    if (!other) {
      if (!f.nullable) problems.push(`column "${f.name}" is non-nullable and the new rows lack it`);
      return f;
    }
    if (sameType(f.type, other.type) || widens(other.type, f.type)) return f;
    if (widens(f.type, other.type)) {
      const wider = f.clone({ type: other.type });
      widened.push(wider);
      return wider;
    }
    problems.push(`column "${f.name}" is ${String(f.type)} and the new rows hold ${String(other.type)}, which does not widen either way`);
    return f;
  });
  if (problems.length > 0) throw new SchemaMismatchError(name, problems);
  const added = incoming.fields.filter((g) => !table.fields.some((f) => f.name === g.name)).map((g) => g.clone({ nullable: true }));
  return { schema: new Schema([...fields, ...added], table.metadata), added, widened };
}

/** `current` under the evolved schema: added columns all null, widened ones widened, as whole-column patches. */
export async function evolveManifest(ctx: { runtime: PhaseRuntime; chunks: ChunkStore }, name: string, current: Manifest, evolution: Evolution): Promise<Manifest> {
  const { added, widened, schema } = evolution;
  const columns: Record<string, Vector> = {};
  if (widened.length > 0) {
    const values = await readManifest(ctx, current, name, { columns: widened.map((f) => f.name) });
    for (const f of widened) columns[f.name] = widenColumn(values.getChild(f.name)!, f.type);
  }
  for (const f of added) columns[f.name] = nullColumn(f.type, current.rows);
  const chunks = Object.keys(columns).length > 0 && current.chunks.length > 0 ? await wholeColumnPatches(ctx, current, new Table(columns)) : current.chunks;
  return makeManifest(schema, chunks, current);
}
