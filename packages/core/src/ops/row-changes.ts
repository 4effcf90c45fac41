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
 * change are conformed to it: a renamed column goes by its new name (a rename is no change), a column
 * added later is null, a widened column is widened, a dropped column is left out, and a column whose
 * type was replaced by an overwrite (not a widening) is null. A commit that changed the schema is
 * matched over all the rows of both versions (it changed every chunk's entry), so it costs two reads.
 */
import { Field, Int64, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8, makeData, type Data } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';
import { combineBatches } from '../table/concat.js';
import { conformBatch } from '../table/conform.js';
import { rowHashes } from '../table/row-hash.js';
import { cellEquality } from '../table/row-match.js';
import { selectRows, takeColumn } from '../table/select-rows.js';
import { readChunkContents, readManifest } from '../table/table-reader.js';
import type { DiffContext } from './diff.js';
import type { ChangeEntry } from './feed.js';
import { keyReader } from '../catalog/keys.js';
import { liveMask } from '../catalog/deletion-vector.js';
import { renamesBetween, underTableNames, type Renamed } from '../catalog/renamed-columns.js';
import { diffManifestChunks, getManifestHeader, manifestSchema, type ChunkRef, type Manifest } from '../catalog/manifest.js';

export type ChangeType = 'insert' | 'delete' | 'update_preimage' | 'update_postimage';

/** The columns the feed adds to a table's own, in order. */
export const CHANGE_COLUMNS = ['_change_type', '_commit_version', '_commit_timestamp', '_commit'] as const;

type Header = Omit<Manifest, 'chunks'>;

/** One commit's changed rows, in that commit's schema of the table. */
interface CommitRows {
  schema: Schema;
  batches: RecordBatch[];
  /** Columns the commit renamed: new name -> old name. */
  renames?: Renamed;
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
  const schema = parts.at(-1)?.schema ?? (current && withChangeColumns(current));
  if (!schema) return new Table();
  // Walking back, each part's rows are conformed under the names its columns had then.
  const out: RecordBatch[][] = [];
  let names: Renamed = {}; // newest name -> the name at the part reached
  for (let k = parts.length - 1; k >= 0; k--) {
    const p = parts[k]!;
    out[k] = p.schema === schema ? p.batches : p.batches.map((b) => conformBatch(underTableNames(b, names), schema));
    // A column part k renamed had its old name in the parts before it.
    names = Object.fromEntries(schema.fields.map((f) => {
      const at = names[f.name] ?? f.name;
      return [f.name, p.renames?.[at] ?? at];
    }));
  }
  return new Table(schema, out.flat());
}

async function commitRows(ctx: DiffContext, table: string, entry: ChangeEntry, change: ChangeEntry['tables'][number]): Promise<CommitRows> {
  const v = await versionRows(ctx, table, change.previous ?? undefined, change.manifest ?? undefined, 'declared');
  const clash = v.schema.fields.find((f) => (CHANGE_COLUMNS as readonly string[]).includes(f.name));
  if (clash) throw new InvalidArgumentError(`changes: table "${table}" has a column named "${clash.name}", which the change feed adds (${CHANGE_COLUMNS.join(', ')})`);
  // A commit that dropped the table has no version of it: its rows are deletes at version -1, as `log` shows a drop.
  const stamp = { version: change.version ?? -1, time: entry.time, commit: entry.commit };
  const out = withChangeColumns(v.schema);
  const batches: RecordBatch[] = [];
  const push = (from: RecordBatch | undefined, rows: Uint32Array, type: ChangeType) => {
    if (from && rows.length > 0) batches.push(stamped(out, from, rows, type, stamp));
  };
  const renames = v.renames ? { renames: v.renames } : {};
  if (!v.matched) {
    for (const b of v.old) push(b, allRows(b), 'delete');
    for (const b of v.now) push(b, allRows(b), 'insert');
    return { schema: out, batches, ...renames };
  }
  const { old, now, deleted, updated, inserted } = v.matched;
  push(old, Uint32Array.from(deleted), 'delete');
  push(old, Uint32Array.from(updated, ([o]) => o), 'update_preimage');
  push(now, Uint32Array.from(updated, ([, n]) => n), 'update_postimage');
  push(now, Uint32Array.from(inserted), 'insert');
  return { schema: out, batches, ...renames };
}

/** The rows two versions of a table hold apart, in the newer one's schema (see `versionRows`). */
export interface VersionRows {
  schema: Schema;
  /** The older version's rows not in the newer, conformed to `schema` (a renamed column by its new name). */
  old: RecordBatch[];
  /** The newer version's rows not in the older. */
  now: RecordBatch[];
  /** With rows on both sides: `old` and `now` each as one batch, their rows paired. */
  matched?: Matched & { old: RecordBatch; now: RecordBatch };
  /** Columns renamed between the two: new name -> old name. */
  renames?: Renamed;
}

/**
 * The rows of manifest `previous` and of manifest `manifest` (two versions of `table`; undefined: no
 * table) that differ, read from the chunks on one side alone, and paired: by `keys` (`'declared'`:
 * the keys both versions declare, if the same), else as a multiset of whole rows.
 */
export async function versionRows(
  ctx: DiffContext,
  table: string,
  previous: string | undefined,
  manifest: string | undefined,
  keys: readonly string[] | 'declared',
  /** The two manifests' one-sided chunks, when the caller has them already (diff.ts). */
  changes?: { removed: ChunkRef[]; added: ChunkRef[] },
): Promise<VersionRows> {
  const [before, after] = await Promise.all([previous ? getManifestHeader(ctx.chunks, previous) : undefined, manifest ? getManifestHeader(ctx.chunks, manifest) : undefined]);
  const schema = manifestSchema((after ?? before)!);
  const { removed, added } = changes ?? (await diffManifestChunks(ctx.chunks, previous, manifest));
  const [gone, now] = before && after && before.schema === after.schema
    ? await differingRows(ctx, schema, removed, added)
    : await Promise.all([rowsOf(ctx, table, before, removed), rowsOf(ctx, table, after, added)]);
  // Older rows under the newest names (a renamed column keeps its values), then the newest schema.
  const renames = after ? renamesBetween(removed, added) : undefined;
  const old = after ? gone.map((b) => conformBatch(underTableNames(b, renames), schema)) : gone;
  const out: VersionRows = { schema, old, now, ...(renames ? { renames } : {}) };
  // Rows on one side only (an append, a first version, a drop) are what they are.
  if (old.length === 0 || now.length === 0) return out;
  const [a, b] = [combineBatches(new Table(schema, old)), combineBatches(new Table(schema, now))];
  const on = keys !== 'declared' ? keys : before?.keys?.length && before.keys.join() === after?.keys?.join() ? before.keys : undefined;
  return { ...out, matched: { old: a, now: b, ...matchRows(a, b, on) } };
}

/** The live rows of `refs` (chunks of `m`), as batches with rows. */
async function rowsOf(ctx: DiffContext, table: string, m: Header | undefined, refs: ChunkRef[]): Promise<RecordBatch[]> {
  if (!m || refs.length === 0) return [];
  return (await readManifest(ctx, { ...m, chunks: refs }, table)).batches.filter((b) => b.numRows > 0);
}

const allRows = (b: RecordBatch) => Uint32Array.from({ length: b.numRows }, (_, r) => r);

/**
 * The live rows of `removed` and of `added` (chunks of two versions of one schema), less the rows they
 * share unchanged: a chunk on both sides (one file, with other deletes or patches) keeps only the rows
 * live on one side alone or differing in a column that a patch of one side alone sets. So an update of
 * 5% of a table, which patches every chunk, matches those rows only, not the table.
 */
async function differingRows(ctx: DiffContext, schema: Schema, removed: ChunkRef[], added: ChunkRef[]): Promise<[RecordBatch[], RecordBatch[]]> {
  const read = async (refs: ChunkRef[]) => {
    const [batches, live] = await Promise.all([readChunkContents(ctx.runtime, refs, schema, {}), Promise.all(refs.map((r) => liveMask(ctx.chunks, r)))]);
    return { batches, keep: refs.map((r, i) => live[i] ?? new Uint8Array(r.rows).fill(1)) };
  };
  const [a, b] = await Promise.all([read(removed), read(added)]);
  const twins = new Map<string, number[]>();
  removed.forEach((r, i) => (twins.get(r.id) ?? twins.set(r.id, []).get(r.id)!).push(i));
  added.forEach((ref, j) => {
    const i = twins.get(ref.id)?.shift();
    if (i === undefined) return;
    const [ka, kb] = [a.keep[i]!, b.keep[j]!];
    const columns = patchedColumns(removed[i]!, ref).filter((c) => schema.fields.some((f) => f.name === c));
    const equal = columns.map((c) => cellEquality(a.batches[i]!.getChild(c)!.data[0]!, b.batches[j]!.getChild(c)!.data[0]!));
    for (let r = 0; r < ref.rows; r++) {
      if (ka[r] === 1 && kb[r] === 1 && equal.every((eq) => eq(r, r))) ka[r] = kb[r] = 0;
    }
  });
  const side = ({ batches, keep }: { batches: RecordBatch[]; keep: Uint8Array[] }) => batches.flatMap((batch, i) => selectRows(batch, keep[i]!)).filter((p) => p.numRows > 0);
  return [side(a), side(b)];
}

/** The columns set by the patches one of two refs to the same file has and the other lacks. */
function patchedColumns(a: ChunkRef, b: ChunkRef): string[] {
  const ids = (r: ChunkRef) => new Set((r.patches ?? []).map((p) => p.id));
  const [ia, ib] = [ids(a), ids(b)];
  const alone = [...(a.patches ?? []).filter((p) => !ib.has(p.id)), ...(b.patches ?? []).filter((p) => !ia.has(p.id))];
  return [...new Set(alone.flatMap((p) => p.columns))];
}

export interface Matched {
  deleted: number[];
  inserted: number[];
  /** [old row, new row] pairs whose values differ, in new-row order */
  updated: [number, number][];
}

/** Pairs rows of `old` and `now` (same schema): by key when `keys` is given, else as whole rows. */
function matchRows(old: RecordBatch, now: RecordBatch, keys: readonly string[] | undefined): Matched {
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

/** Rows `rows` of `from` (all of them: the batch as it is), with the change columns of one commit appended. */
function stamped(schema: Schema, from: RecordBatch, rows: Uint32Array, type: ChangeType, at: { version: number; time: string; commit: string }): RecordBatch {
  const n = rows.length;
  const all = n === from.numRows && rows.every((r, i) => r === i);
  const extra = [
    repeatedText(type, n),
    makeData({ type: new Int64(), length: n, data: new BigInt64Array(n).fill(BigInt(at.version)) }),
    makeData({ type: new TimestampMillisecond(), length: n, data: new BigInt64Array(n).fill(BigInt(Date.parse(at.time))) }),
    repeatedText(at.commit, n),
  ];
  const children = [...from.data.children.map((d) => (all ? d : takeColumn(d, rows))), ...extra];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children }));
}

/** `n` copies of `text` as a Utf8 column, built in two typed arrays (a million rows in a few ms). */
function repeatedText(text: string, n: number): Data<Utf8> {
  const width = Buffer.byteLength(text);
  const valueOffsets = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) valueOffsets[i] = i * width;
  return makeData({ type: new Utf8(), length: n, valueOffsets, data: n > 0 ? Buffer.alloc(width * n, text) : new Uint8Array(0) });
}
