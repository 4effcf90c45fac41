/**
 * Renaming a column (`tx.renameColumn`, `armillaria rename-column`) as a change of metadata: no chunk
 * or patch is rewritten. The table's schema, its keys, each chunk's statistics and each patch's column
 * list take the new name; each chunk and patch that holds the column under another name records it
 * (catalog/renamed-columns.ts), so reads find it. Versions before keep the old name.
 */
import { Schema } from 'apache-arrow';

import type { PatchRef } from '../catalog/column-patch.js';
import { makeManifest, manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';
import { renameIn } from '../catalog/renamed-columns.js';
import { InvalidArgumentError } from '../errors.js';
import { columnNameProblems } from '../table/schema.js';

/**
 * `current` with column `from` called `to`.
 * @throws {InvalidArgumentError} `from` is not a column, or `to` is one already or not a valid name
 */
export function renameColumn(name: string, current: Manifest, from: string, to: string): Manifest {
  const schema = manifestSchema(current);
  const names = schema.fields.map((f) => f.name);
  if (!names.includes(from)) throw new InvalidArgumentError(`table: table "${name}" has no column ${JSON.stringify(from)} (columns: ${names.join(', ')})`);
  if (names.includes(to)) throw new InvalidArgumentError(`table: cannot rename ${JSON.stringify(from)} of "${name}" to ${JSON.stringify(to)}: the table has a column of that name`);
  const renamed = new Schema(schema.fields.map((f) => (f.name === from ? f.clone({ name: to }) : f)), schema.metadata);
  const problems = columnNameProblems(renamed);
  if (problems.length > 0) throw new InvalidArgumentError(`table: cannot rename ${JSON.stringify(from)} of "${name}" to ${JSON.stringify(to)}: ${problems.join('; ')}`);
  const keys = current.keys?.map((k) => (k === from ? to : k));
  const chunks = current.chunks.map((c) => renamedChunk(c, from, to));
  return makeManifest(renamed, chunks, { ...current, ...(keys ? { keys } : {}) });
}

function renamedChunk(c: ChunkRef, from: string, to: string): ChunkRef {
  const patches = c.patches?.map((p) => renamedPatch(p, from, to));
  // A column the chunk got whole from a patch (added after it was written) is not in its file.
  const inFile = !c.patches?.some((p) => p.full && p.columns.includes(from));
  const { [from]: stats, ...others } = c.stats;
  const { renamed: _r, ...rest } = c;
  const renamed = inFile ? renameIn(c.renamed, from, to) : c.renamed;
  return { ...rest, stats: stats ? { ...others, [to]: stats } : others, ...(patches ? { patches } : {}), ...(renamed ? { renamed } : {}) };
}

function renamedPatch(p: PatchRef, from: string, to: string): PatchRef {
  if (!p.columns.includes(from)) return p;
  const { renamed: _r, ...rest } = p;
  const renamed = renameIn(p.renamed, from, to);
  return { ...rest, columns: p.columns.map((c) => (c === from ? to : c)), ...(renamed ? { renamed } : {}) };
}
