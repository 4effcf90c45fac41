/**
 * Renamed columns (`tx.renameColumn`). A rename changes metadata only: a chunk's file, and each of its
 * patches, keeps a column under the name it was written with. `renamed` on a chunk or a patch
 * reference maps a column's table name to its name in that object; reads ask the object for the
 * stored names and hand its batch on under the table's (table/table-reader.ts), and engines that read
 * the files themselves get such chunks folded (table/fold-chunk.ts).
 */
import { RecordBatch, Schema, Struct, makeData } from 'apache-arrow';

import type { ChunkRef } from './manifest.js';

/** Table name -> name in the object, for the columns whose names differ. */
export type Renamed = Record<string, string>;

/** The names `columns` (table names) have in an object with `renamed`. */
export function storedNames(renamed: Renamed | undefined, columns: readonly string[]): string[] {
  return renamed ? columns.map((c) => renamed[c] ?? c) : [...columns];
}

/** A batch decoded from an object with `renamed`, its columns under their table names (no copy). */
export function underTableNames(batch: RecordBatch, renamed: Renamed | undefined): RecordBatch {
  if (!renamed) return batch;
  const back = new Map(Object.entries(renamed).map(([table, stored]) => [stored, table]));
  const fields = batch.schema.fields.map((f) => (back.has(f.name) ? f.clone({ name: back.get(f.name)! }) : f));
  const schema = new Schema(fields, batch.schema.metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children: batch.data.children }));
}

/** `renamed` once table column `from` is called `to` (undefined when every name is its stored one). */
export function renameIn(renamed: Renamed | undefined, from: string, to: string): Renamed | undefined {
  const next: Renamed = { ...renamed };
  const stored = next[from] ?? from;
  delete next[from];
  if (stored !== to) next[to] = stored;
  return Object.keys(next).length > 0 ? next : undefined;
}

/**
 * The columns renamed between two versions, as new name -> old name, read off the chunks only one
 * side has as it is (`removed`, `added`) and their patches: the same file under another name.
 */
export function renamesBetween(removed: ChunkRef[], added: ChunkRef[]): Renamed | undefined {
  const out: Renamed = {};
  const note = (then: Renamed | undefined, now: Renamed | undefined) => {
    const byStored = (r: Renamed | undefined) => new Map(Object.entries(r ?? {}).map(([table, stored]) => [stored, table]));
    const [a, b] = [byStored(then), byStored(now)];
    for (const [stored, name] of b) if ((a.get(stored) ?? stored) !== name) out[name] = a.get(stored) ?? stored;
    for (const [stored, name] of a) if (!b.has(stored)) out[stored] = name; // renamed back to its stored name
  };
  const before = new Map(removed.map((r) => [r.id, r]));
  for (const ref of added) {
    const twin = before.get(ref.id);
    if (!twin) continue;
    note(twin.renamed, ref.renamed);
    const patches = new Map((twin.patches ?? []).map((p) => [p.id, p]));
    for (const p of ref.patches ?? []) if (patches.has(p.id)) note(patches.get(p.id)!.renamed, p.renamed);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
