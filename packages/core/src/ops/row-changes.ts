/**
 * The change data feed: the rows that a range of commits changed in one table, with their values, as
 * Delta Lake's change data feed gives them. Each row carries `_change_type` (`insert`, `delete`,
 * `update_preimage`, `update_postimage`), the table version and time of the commit that made the
 * change, and the commit's id (`_commit`, to resume from).
 *
 * Nothing extra is stored on write: a commit's changes are derived from its manifest and its first
 * parent's, like a diff (diff.ts): only the chunks on one side alone are read, so a commit that
 * appended, patched or deleted a little costs reading that little. Their rows are matched exactly:
 * by key where both versions declare the same keys (a matched pair that differs is an update), as a
 * multiset of whole rows otherwise (a row on both sides is no change).
 *
 * Rows come in the schema of the table's newest version in the range. Rows from before a schema
 * change are conformed to it: a column added later is null, a widened column is widened, a dropped
 * column is left out, and a column whose type was replaced by an overwrite (not a widening) is null.
 */
import { Field, Int64, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8, makeData, vectorFromArray, type Vector } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { combineBatches } from '../table/concat.js';
import { conformBatch } from '../table/conform.js';
import { rowHashes } from '../table/row-hash.js';
import { cellEquality } from '../table/row-match.js';
import { takeColumn } from '../table/select-rows.js';
import { readManifest } from '../table/table-reader.js';
import { chunkChanges, type DiffContext } from './diff.js';
import type { ChangeEntry } from './feed.js';
import { keyReader } from '../catalog/keys.js';
import { getManifestHeader, manifestSchema, type Manifest } from '../catalog/manifest.js';

export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage';

/** The columns the feed adds to a table's own, in order. */
export const CHANGE_COLUMNS = ['_change_type', '_commit_version', '_commit_timestamp', '_commit'] as const;

type Header = Omit<Manifest, 'chunks'>;

/** One commit's changed rows, in that commit's schema of the table. */
interface CommitRows {
  schema: Schema;
  batches: RecordBatch[];
}

/**
 * The rows of `table` that each of `entries` (a first-parent chain, oldest first, as `changesBetween`
 * gives it) changed, in the schema of the table's newest version among them (`current` when none
 * changed it).
 * @throws {InvalidArgumentError} the table has a column named like one of CHANGE_COLUMNS
 */
export async function rowChanges(ctx: DiffContext, entries: readonly ChangeEntry[], table: string, current: Schema | undefined): Promise<Table> {
  const parts: CommitRows[] = [];
  for (const entry of entries) {
    const change = entry.tables.find((t) => t.table === table);
    if (change) parts.push(await commitRows(ctx, table, entry, change));
  }
  const schema = parts.at(-1)?.schema ?? current;
  if (!schema) return new Table();
  return new Table(schema, parts.flatMap((p) => (p.schema === schema ? p.batches : p.batches.map((b) => conformBatch(b, schema)))));
}

async function commitRows(ctx: DiffContext, table: string, entry: ChangeEntry, change: ChangeEntry['tables'][number]): Promise<CommitRows> {
  const [before, after] = await Promise.all([change.previous ? getManifestHeader(ctx.chunks, change.previous) : undefined, change.manifest ? getManifestHeader(ctx.chunks, change.manifest) : undefined]);
  const schema = manifestSchema((after ?? before)!);
  const clash = schema.fields.find((f) => (CHANGE_COLUMNS as readonly string[]).includes(f.name));
  if (clash) throw new InvalidArgumentError(`changes: table "${table}" has a column named "${clash.name}", which the change feed adds (${CHANGE_COLUMNS.join(', ')})`);
  const { removed, added } = await chunkChanges(ctx.chunks, change.previous ?? undefined, change.manifest ?? undefined);
  const rowsOf = async (m: Header | undefined, refs: Manifest['chunks']) => {
    if (!m || refs.length === 0) return undefined;
    const t = await readManifest(ctx, { ...m, chunks: refs }, table);
    return t.numRows === 0 ? undefined : combineBatches(t);
  };
  const [gone, come] = await Promise.all([rowsOf(before, removed), rowsOf(after, added)]);
  const old = gone && after ? conformBatch(gone, schema) : gone;
  const keys = before?.keys?.length && before.keys.join() === after?.keys?.join() ? before.keys : undefined;
  const matched = matchRows(old, come, keys);
  // A commit that dropped the table has no version of it: its rows are deletes at version -1, as `log` shows a drop.
  const stamp = { version: change.version ?? -1, time: entry.time, commit: entry.commit };
  const out = withChangeColumns(schema);
  const batches: RecordBatch[] = [];
  const push = (from: RecordBatch | undefined, rows: number[], type: ChangeType) => {
    if (from && rows.length > 0) batches.push(stamped(out, from, Uint32Array.from(rows), type, stamp));
  };
  push(old, matched.deleted, 'delete');
  push(old, matched.updated.map(([o]) => o), 'update_preimage');
  push(come, matched.updated.map(([, n]) => n), 'update_postimage');
  push(come, matched.inserted, 'insert');
  return { schema: out, batches };
}

interface Matched {
  deleted: number[];
  inserted: number[];
  /** [old row, new row] pairs whose values differ, in new-row order */
  updated: [number, number][];
}

/** Pairs rows of `old` and `now` (same schema): by key when `keys` is given, else as whole rows. */
function matchRows(old: RecordBatch | undefined, now: RecordBatch | undefined, keys: readonly string[] | undefined): Matched {
  const all = (b: RecordBatch | undefined) => Array.from({ length: b?.numRows ?? 0 }, (_, r) => r);
  if (!old || !now) return { deleted: all(old), inserted: all(now), updated: [] };
  const equal = old.schema.fields.map((_, c) => cellEquality(old.data.children[c]!, now.data.children[c]!));
  const same = (o: number, n: number) => equal.every((eq) => eq(o, n));
  const out: Matched = { deleted: [], inserted: [], updated: [] };
  const taken = new Uint8Array(old.numRows);
  if (keys) {
    const keyOf = (b: RecordBatch) => keyReader(keys.map((k) => b.getChild(k)!));
    const [ko, kn] = [keyOf(old), keyOf(now)];
    const index = new Map<unknown, number>();
    for (let o = 0; o < old.numRows; o++) index.set(ko(o), o);
    for (let n = 0; n < now.numRows; n++) {
      const o = index.get(kn(n));
      if (o === undefined) out.inserted.push(n);
      else {
        taken[o] = 1;
        if (!same(o, n)) out.updated.push([o, n]);
      }
    }
  } else {
    // Whole rows as a multiset: a row hash finds candidates, an exact compare decides.
    const [ho, hn] = [rowHashes(old), rowHashes(now)];
    const byHash = new Map<number, number[]>();
    for (let o = old.numRows - 1; o >= 0; o--) {
      const list = byHash.get(ho[o]!);
      if (list) list.push(o);
      else byHash.set(ho[o]!, [o]);
    }
    for (let n = 0; n < now.numRows; n++) {
      const list = byHash.get(hn[n]!);
      const at = list ? list.findLastIndex((o) => same(o, n)) : -1;
      if (at < 0) out.inserted.push(n);
      else taken[list!.splice(at, 1)[0]!] = 1;
    }
  }
  for (let o = 0; o < old.numRows; o++) if (taken[o] === 0) out.deleted.push(o);
  return out;
}

/** `schema` with the change columns after its own. */
function withChangeColumns(schema: Schema): Schema {
  const types = [new Utf8(), new Int64(), new TimestampMillisecond(), new Utf8()];
  return new Schema([...schema.fields, ...CHANGE_COLUMNS.map((name, i) => new Field(name, types[i]!, false))], schema.metadata);
}

/** Rows `rows` of `from`, with the change columns of one commit appended. */
function stamped(schema: Schema, from: RecordBatch, rows: Uint32Array, type: ChangeType, at: { version: number; time: string; commit: string }): RecordBatch {
  const n = rows.length;
  const repeat = <T,>(v: T) => new Array<T>(n).fill(v);
  const extra: Vector[] = [
    vectorFromArray(repeat(type), new Utf8()),
    vectorFromArray(repeat(BigInt(at.version)), new Int64()),
    vectorFromArray(repeat(Date.parse(at.time)), new TimestampMillisecond()),
    vectorFromArray(repeat(at.commit), new Utf8()),
  ];
  const children = [...from.data.children.map((d) => takeColumn(d, rows)), ...extra.map((v) => v.data[0]!)];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children }));
}
