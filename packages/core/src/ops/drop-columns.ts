/**
 * Dropping columns (`tx.dropColumns`, `armillaria drop-column`) as a change of metadata: no chunk is
 * rewritten. The table's schema loses the columns, and each chunk lists them as `hidden`, so reads
 * no longer decode them (table/table-reader.ts) and SQL and the views get such chunks folded.
 * Versions before keep them.
 */
import { Schema } from 'apache-arrow';

import { makeManifest, manifestSchema, type Manifest } from '../catalog/manifest.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * `current` without `columns`.
 * @throws {InvalidArgumentError} naming a column the table lacks, a key column, or all of them
 */
export function dropColumns(name: string, current: Manifest, columns: readonly string[]): Manifest {
  const schema = manifestSchema(current);
  const names = schema.fields.map((f) => f.name);
  const drop = new Set(columns);
  if (drop.size === 0) throw new InvalidArgumentError(`table: no column to drop from "${name}"`);
  const unknown = [...drop].filter((c) => !names.includes(c));
  if (unknown.length > 0) throw new InvalidArgumentError(`table: table "${name}" has no column ${unknown.map((c) => JSON.stringify(c)).join(', ')} (columns: ${names.join(', ')})`);
  const keys = (current.keys ?? []).filter((k) => drop.has(k));
  if (keys.length > 0) throw new InvalidArgumentError(`table: cannot drop key column ${keys.map((k) => JSON.stringify(k)).join(', ')} of "${name}"`);
  if (drop.size === names.length) throw new InvalidArgumentError(`table: cannot drop every column of "${name}" (drop the table instead)`);
  const kept = new Schema(schema.fields.filter((f) => !drop.has(f.name)), schema.metadata);
  const chunks = current.chunks.map((c) => ({ ...c, hidden: [...new Set([...(c.hidden ?? []), ...drop])].sort() }));
  return makeManifest(kept, chunks, current);
}
