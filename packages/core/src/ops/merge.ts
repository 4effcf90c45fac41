/**
 * Three-way merge of one branch (or any ref) into a branch.
 *
 * ```
 *   theirs already in ours          -> up-to-date, nothing to do
 *   ours is an ancestor of theirs   -> fast-forward: CAS(into: ours -> theirs)
 *   otherwise, base = merge base; per table (compared by manifest id):
 *     same on both sides, or changed on one side only -> take that side
 *     changed on both, table declares keys            -> row-level merge by key
 *     changed on both, no keys                        -> table conflict
 *   any conflict -> return them; nothing is committed
 *   else commit { parents: [ours, theirs] } and CAS(into: ours -> merge)
 * ```
 * Row-level merge: each side's changes against the base (insert, delete, update per column) are
 * combined; the same key changed differently on both sides (same column to different values, or
 * update against delete, or different inserts) is a conflict reported per key and column.
 *
 * A strategy (`ours` or `theirs`, for every table or per table) settles conflicts by taking that
 * side: per key and column in a row-level merge, the whole table otherwise. Revert and cherry-pick
 * are the same three-way merge onto a branch head with one parent: a cherry-pick of C merges C with
 * base C's parent, a revert merges C's parent with base C.
 */
import { RecordBatch, Table, type Schema } from 'apache-arrow';

import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { InvalidArgumentError, SchemaMismatchError } from '../errors.js';
import type { PhaseRuntime } from '../phases/types.js';
import { castNumbers, schemaDifferences } from '../table/schema.js';
import { readManifest } from '../table/table-reader.js';
import { nextEntry, type Authorship, type CommitInfo, type TableEntry } from '../catalog/commit.js';
import type { Expiry, ExpiredHistory } from '../catalog/expiry.js';
import type { CommitReader } from '../catalog/history.js';
import { diffManifestChunks, getManifest, manifestSchema, putManifest, type Manifest } from '../catalog/manifest.js';
import { renamesBetween } from '../catalog/renamed-columns.js';
import { buildTable, cellKey, displayValue, indexByKey, rowCells, type KeyedRows } from '../catalog/rows.js';
import type { RefStore } from '../catalog/refs.js';
import { mergeSchemasThreeWay } from './merge-schema.js';
import { writeTable } from './write.js';

export interface MergeConflict {
  table: string;
  /** `table`: both sides changed an unkeyed table (or one column apart); `row`: one key, one column. */
  kind: 'table' | 'row';
  /** The key columns' values, for row conflicts. */
  key?: Record<string, unknown>;
  /** The column in conflict; `*` when one side deleted the row. */
  column?: string;
  base?: unknown;
  ours?: unknown;
  theirs?: unknown;
  reason: string;
}

export interface MergeResult {
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts';
  /** The branch head after the merge (unchanged on conflicts). */
  commit?: string;
  /** What happened to each table the two sides disagree on. */
  tables: { table: string; action: 'ours' | 'theirs' | 'row-merge' | 'conflict' }[];
  conflicts: MergeConflict[];
}

export type MergeStrategy = 'ours' | 'theirs';
/** How conflicts settle: one side for every table, or per table (the others stay conflicts). */
export type MergeStrategies = MergeStrategy | Record<string, MergeStrategy>;

/** How a merge settles and whether it lands. */
export interface MergeOptions {
  strategies?: MergeStrategies;
  /**
   * Per keyed table, rows that settle its row conflicts: each replaces the merged row of its key (or
   * is added), conflicting or not. A conflict whose key has no row here stays a conflict.
   */
  resolutions?: Record<string, Table>;
  /** Work the merge out without storing or committing anything. */
  dryRun?: boolean;
  /** What the reflog calls the source (default: `source` as passed, which may be a resolved commit id). */
  label?: string;
}

const strategyFor = (s: MergeStrategies | undefined, table: string): MergeStrategy | undefined => (typeof s === 'string' ? s : s?.[table]);

/** The tables of a commit, or of the empty state before a root commit. */
type Tables = { tables: Record<string, TableEntry> };

export interface MergeContext {
  chunks: ChunkStore;
  runtime: PhaseRuntime;
  commits: CommitReader;
  refs: RefStore;
  expiry: Expiry;
}

/** Is `ancestor` reachable from `from` (any parent)? Walks no deeper than `ancestor`'s depth allows. */
async function isAncestor(commits: CommitReader, ancestor: CommitInfo, from: CommitInfo, history?: ExpiredHistory): Promise<boolean> {
  return (await mergeBase(commits, ancestor, from, history))?.id === ancestor.id;
}

/**
 * A best common ancestor: walks both histories newest-first (by depth, then time) and returns the
 * first commit reached from both sides. It does not walk into expired history (catalog/expiry.ts): a
 * branch forked before a cut of the other's history has no base with it, as in a shallow Git clone.
 */
export async function mergeBase(commits: CommitReader, a: CommitInfo, b: CommitInfo, history?: ExpiredHistory): Promise<CommitInfo | undefined> {
  const floors = [undefined, await history?.floor(a), await history?.floor(b)];
  const marks = new Map<string, number>(); // bit 1: reached from a, bit 2: from b
  const queue: CommitInfo[] = [];
  const push = (c: CommitInfo, bit: number): void => {
    const m = marks.get(c.id) ?? 0;
    if ((m & bit) !== 0) return;
    marks.set(c.id, m | bit);
    queue.push(c);
  };
  push(a, 1);
  push(b, 2);
  while (queue.length > 0) {
    queue.sort((x, y) => x.depth - y.depth || Date.parse(x.time) - Date.parse(y.time));
    const c = queue.pop()!;
    const m = marks.get(c.id)!;
    if (m === 3) return c;
    for (const p of history ? history.parents(c, floors[m]) : c.parents) push(await commits.get(p), m);
  }
  return undefined;
}

export async function mergeRefs(ctx: MergeContext, source: string, into: string, message: string, about: Authorship = {}, options: MergeOptions = {}): Promise<MergeResult> {
  const { strategies, resolutions, dryRun } = options;
  const label = options.label ?? source;
  const window = await ctx.refs.fence.open();
  for (let attempt = 0; attempt < 10; attempt++) {
    const theirsId = await ctx.refs.resolve(source);
    const [ours, theirs, history] = await Promise.all([ctx.refs.headCommit(into), ctx.commits.get(theirsId), ctx.expiry.walks()]);
    if (await isAncestor(ctx.commits, theirs, ours, history)) return { status: 'up-to-date', commit: ours.id, tables: [], conflicts: [] };
    if (await isAncestor(ctx.commits, ours, theirs, history)) {
      if (dryRun) return { status: 'fast-forward', commit: ours.id, tables: [], conflicts: [] };
      if ((await ctx.refs.move('branch', into, ours.id, theirs.id, `merge ${label}: fast-forward`, window)) === true) {
        return { status: 'fast-forward', commit: theirs.id, tables: [], conflicts: [] };
      }
      continue; // `into` moved under us: start again
    }
    const base = await mergeBase(ctx.commits, ours, theirs, history);
    const result = await mergeTables(ctx, base, ours, theirs, strategies, resolutions, dryRun);
    for (const table of Object.keys(resolutions ?? {})) {
      if (!result.actions.some((a) => a.table === table && (a.action === 'row-merge' || a.action === 'conflict'))) {
        throw new InvalidArgumentError(`merge: rows given to resolve table "${table}", which both sides did not change row by row (tables merged by key: ${result.actions.filter((a) => a.action === 'row-merge').map((a) => a.table).join(', ') || 'none'})`);
      }
    }
    if (result.conflicts.length > 0) return { status: 'conflicts', commit: ours.id, tables: result.actions, conflicts: result.conflicts };
    if (dryRun) return { status: 'merged', commit: ours.id, tables: result.actions, conflicts: [] };
    const commit = await ctx.commits.create([ours.id, theirs.id], result.tables, message, { about });
    if ((await ctx.refs.move('branch', into, ours.id, commit.id, `merge ${label}`, window)) === true) {
      return { status: 'merged', commit: commit.id, tables: result.actions, conflicts: [] };
    }
  }
  throw new InvalidArgumentError(`merge: branch "${into}" kept moving; try again`);
}

/**
 * Applies what changed from `base` to `theirs` onto branch `into`'s head as one commit with one parent
 * (cherry-pick: base = C's parent, theirs = C; revert: base = C, theirs = C's parent).
 */
export async function applyChange(
  ctx: MergeContext,
  into: string,
  base: Tables,
  theirs: Tables,
  message: string,
  about: Authorship = {},
  strategies?: MergeStrategies,
): Promise<MergeResult> {
  const window = await ctx.refs.fence.open();
  for (let attempt = 0; attempt < 10; attempt++) {
    const ours = await ctx.refs.headCommit(into);
    const result = await mergeTables(ctx, base, ours, theirs, strategies);
    if (result.conflicts.length > 0) return { status: 'conflicts', commit: ours.id, tables: result.actions, conflicts: result.conflicts };
    const same = Object.keys(result.tables).length === Object.keys(ours.tables).length && Object.entries(result.tables).every(([k, e]) => ours.tables[k]?.manifest === e.manifest);
    if (same) return { status: 'up-to-date', commit: ours.id, tables: [], conflicts: [] };
    const commit = await ctx.commits.create([ours.id], result.tables, message, { about });
    if ((await ctx.refs.move('branch', into, ours.id, commit.id, firstLine(message), window)) === true) {
      return { status: 'merged', commit: commit.id, tables: result.actions, conflicts: [] };
    }
  }
  throw new InvalidArgumentError(`merge: branch "${into}" kept moving; try again`);
}

const firstLine = (s: string) => s.split('\n', 1)[0]!.slice(0, 200);

async function mergeTables(ctx: MergeContext, base: Tables | undefined, ours: CommitInfo, theirs: Tables, strategies?: MergeStrategies, resolutions?: Record<string, Table>, dryRun = false) {
  const tables: Record<string, TableEntry> = { ...ours.tables };
  const actions: MergeResult['tables'] = [];
  const conflicts: MergeConflict[] = [];
  const names = new Set([...Object.keys(ours.tables), ...Object.keys(theirs.tables), ...Object.keys(base?.tables ?? {})]);
  for (const name of [...names].sort()) {
    const b = base?.tables[name]?.manifest;
    const o = ours.tables[name];
    const t = theirs.tables[name];
    if (o?.manifest === t?.manifest || t?.manifest === b) continue; // same, or only ours changed
    const version = Math.max(o?.version ?? 0, t?.version ?? 0) + 1;
    // The commit made of this lands on ours' chain, one deeper.
    const entry = (manifest: string) => nextEntry(o, manifest, version, ours.depth + 1);
    if (o?.manifest === b) {
      if (t) tables[name] = entry(t.manifest);
      else delete tables[name];
      actions.push({ table: name, action: 'theirs' });
      continue;
    }
    const prefer = strategyFor(strategies, name);
    const found: MergeConflict[] = [];
    const merged = o && t && b ? await mergeRows(ctx, name, b, o.manifest, t.manifest, found, { prefer, resolution: resolutions?.[name], dryRun }) : undefined;
    if (merged) {
      tables[name] = entry(merged);
      actions.push({ table: name, action: 'row-merge' });
    } else if (prefer) {
      // Settled whole: the preferred side's table (or its absence).
      const side = prefer === 'ours' ? o : t;
      if (side) tables[name] = entry(side.manifest);
      else delete tables[name];
      actions.push({ table: name, action: prefer });
    } else {
      conflicts.push(...found);
      if (!(o && t && b) || !conflicts.some((c) => c.table === name)) {
        conflicts.push({
          table: name,
          kind: 'table',
          reason: !o || !t ? 'deleted on one side and changed on the other' : b ? 'changed on both sides and the table declares no key columns' : 'created on both sides',
        });
      }
      actions.push({ table: name, action: 'conflict' });
    }
  }
  return { tables, actions, conflicts };
}

/** Row-level merge of a keyed table; returns the merged manifest id, or undefined with conflicts recorded. */
async function mergeRows(
  ctx: MergeContext,
  name: string,
  baseId: string,
  oursId: string,
  theirsId: string,
  conflicts: MergeConflict[],
  { prefer, resolution, dryRun }: { prefer?: MergeStrategy; resolution?: Table; dryRun: boolean },
): Promise<string | undefined> {
  const [bm, om, tm] = await Promise.all([baseId, oursId, theirsId].map((id) => getManifest(ctx.chunks, id)));
  const keys = om!.keys;
  if (!keys || keys.join() !== tm!.keys?.join() || keys.join() !== bm!.keys?.join()) return undefined;
  const baseSchema = manifestSchema(bm!);
  // Renames are read off the chunks, so only where a side's columns differ from the base's.
  const renames = async (id: string, m: Manifest) => {
    if (schemaDifferences(baseSchema, manifestSchema(m)).length === 0) return undefined;
    const { removed, added } = await diffManifestChunks(ctx.chunks, baseId, id);
    return renamesBetween(removed, added);
  };
  const plan = mergeSchemasThreeWay(baseSchema, manifestSchema(om!), manifestSchema(tm!), { ours: await renames(oursId, om!), theirs: await renames(theirsId, tm!) });
  if (Array.isArray(plan)) {
    conflicts.push({ table: name, kind: 'table', reason: `schema changed on both sides: ${plan.join('; ')}` });
    return undefined;
  }
  const { schema, droppedOn, edited } = plan;
  const read = async (m: Manifest, version: 'base' | 'ours' | 'theirs'): Promise<Table> => plan.conform(version, await readManifest(ctx, m, name));
  const [B, O, T] = await Promise.all([read(bm!, 'base'), read(om!, 'ours'), read(tm!, 'theirs')]);
  const idx = [B, O, T].map((x) => indexByKey(x, keys));
  const dup = idx.find((i): i is { duplicate: string } => 'duplicate' in i);
  if (dup) {
    conflicts.push({ table: name, kind: 'table', reason: `key ${dup.duplicate} is not unique` });
    return undefined;
  }
  const [base, ours, theirs] = idx as [KeyedRows, KeyedRows, KeyedRows];
  const resolved = resolution ? resolutionRows(name, schema, keys, resolution) : undefined;
  const fields = plan.compared.fields.map((f) => f.name);
  // A row is edited where a column on all three versions differs; a column added or dropped changes every row.
  const editedIn = (a: string[], b: string[]) => a.some((v, c) => edited[c] && v !== b[c]);
  const keyOf = (rows: KeyedRows, r: number) => Object.fromEntries(keys.map((k) => [k, displayValue(rows.table.getChild(k)!.get(r))]));
  const before = conflicts.length;

  // Start from ours; fold in theirs' changes against the base.
  type Row = (c: number) => unknown;
  const out = new Map<string, Row>();
  for (const [k, r] of ours.index) out.set(k, (c) => ours.columns[c]!.get(r));
  // With a strategy a conflict is settled where it arises (each caller takes `prefer`'s side), never recorded.
  const conflict = (rows: KeyedRows, r: number, column: string, extra: Partial<MergeConflict>, reason: string) => {
    if (resolved?.index.has(cellKey(keys.map((k) => rows.table.getChild(k)!.get(r) as unknown)))) return; // a row given settles it
    if (!prefer) conflicts.push({ table: name, kind: 'row', key: keyOf(rows, r), column, ...extra, reason });
  };
  const takeTheirs = prefer === 'theirs';

  for (const [k, tr] of theirs.index) {
    const br = base.index.get(k);
    const or = ours.index.get(k);
    const tc = rowCells(theirs, tr);
    if (br === undefined) {
      if (or === undefined) out.set(k, (c) => theirs.columns[c]!.get(tr));
      else {
        const oc = rowCells(ours, or);
        fields.forEach((f, c) => {
          if (oc[c] !== tc[c]) conflict(theirs, tr, f, { ours: displayValue(ours.columns[c]!.get(or)), theirs: displayValue(theirs.columns[c]!.get(tr)) }, 'inserted on both sides with different values');
        });
        if (takeTheirs) out.set(k, (c) => theirs.columns[c]!.get(tr));
      }
      continue;
    }
    const bc = rowCells(base, br);
    const theirsChanged = fields.map((_, c) => bc[c] !== tc[c]);
    if (!theirsChanged.some(Boolean)) continue;
    if (or === undefined) {
      if (!editedIn(bc, tc)) continue; // deleted on ours; theirs only added or dropped columns
      conflict(theirs, tr, '*', {}, 'updated on theirs, deleted on ours');
      if (takeTheirs) out.set(k, (c) => theirs.columns[c]!.get(tr));
      continue;
    }
    const oc = rowCells(ours, or);
    const merged: number[] = []; // per column: 0 = ours, 1 = theirs
    fields.forEach((f, c) => {
      const oursChanged = bc[c] !== oc[c];
      if (theirsChanged[c] && oursChanged && oc[c] !== tc[c]) {
        conflict(theirs, tr, f, {
          base: displayValue(base.columns[c]!.get(br)),
          ours: displayValue(ours.columns[c]!.get(or)),
          theirs: displayValue(theirs.columns[c]!.get(tr)),
        }, droppedOn[c] ? `changed on ${droppedOn[c] === 'ours' ? 'theirs' : 'ours'}, column dropped on ${droppedOn[c]}` : 'changed on both sides to different values');
        merged.push(takeTheirs ? 1 : 0);
        return;
      }
      merged.push(theirsChanged[c] ? 1 : 0);
    });
    out.set(k, (c) => (merged[c] ? theirs.columns[c]!.get(tr) : ours.columns[c]!.get(or)));
  }
  for (const [k, br] of base.index) {
    if (theirs.index.has(k)) continue; // still there on theirs
    const or = ours.index.get(k);
    if (or === undefined) continue; // deleted on both
    const bc = rowCells(base, br);
    const changedOnOurs = editedIn(bc, rowCells(ours, or));
    if (changedOnOurs) conflict(base, br, '*', {}, 'deleted on theirs, updated on ours');
    if (!changedOnOurs || takeTheirs) out.delete(k);
  }
  if (conflicts.length > before) return undefined;
  for (const [k, r] of resolved?.index ?? []) out.set(k, (c) => resolved!.columns[c]!.get(r));
  // A dry run stores nothing: ours' manifest id stands for the merged one, which only has to exist.
  if (dryRun) return oursId;

  // Ours' rows in ours' order, theirs' new ones after: written as an overwrite of ours, which keeps
  // what ours holds (ops/overwrite.ts) and stores the changes merged in.
  const table = buildTable(schema, [...out.values()]);
  const { manifest } = await writeTable({ ...ctx, codec: om!.codec, chunkRows: om!.chunkRows }, name, om!, table, { codec: om!.codec, chunkRows: om!.chunkRows, keys });
  return putManifest(ctx.chunks, manifest);
}

/**
 * The rows given to resolve `table`'s conflicts, indexed by key, with the table's column types.
 * @throws {SchemaMismatchError} other columns than the table's @throws {InvalidArgumentError} a key twice
 */
function resolutionRows(table: string, schema: Schema, keys: string[], rows: Table): KeyedRows {
  const cast = castNumbers(schema, rows);
  const diffs = schemaDifferences(schema, cast.schema);
  if (diffs.length > 0) throw new SchemaMismatchError(table, diffs);
  // In the table's column order, so that a row's cells line up with the merged rows'.
  const ordered = new Table(schema, cast.select(schema.fields.map((f) => f.name)).batches.map((b) => new RecordBatch(schema, b.data)));
  const idx = indexByKey(ordered, keys);
  if ('duplicate' in idx) throw new InvalidArgumentError(`merge: key ${idx.duplicate} appears twice in the rows resolving "${table}"`);
  return idx;
}
