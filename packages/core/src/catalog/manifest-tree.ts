/**
 * The chunk list of a manifest as a Merkle tree of pages (a prolly tree), so that a version which
 * changes one chunk of a large table writes O(log n) new metadata, and a diff walks only the subtrees
 * that differ.
 *
 * Level 0 holds chunk entries; level k > 0 holds references to pages of level k - 1. Each level is cut
 * into pages at content-defined boundaries: a page ends after an entry whose hash (of its object id)
 * falls below a threshold, once the page holds MIN_FANOUT entries, or at MAX_FANOUT. The same entries
 * therefore always give the same pages, and an edit changes only the pages on its path to the root.
 * The root node (the single page of the top level) is stored inline in the manifest, so a table of a
 * few dozen chunks needs no page object at all.
 */
import type { ChunkStore } from '../chunk-store/chunk-store.js';
import { isChunkSum } from '../hash/chunk-sum.js';
import { liveRows } from './deletion-vector.js';
import type { ChunkRef } from './manifest.js';
import { getJson, putJson } from './objects.js';
import type { Renamed } from './renamed-columns.js';

/** Entries per page: MIN_FANOUT, then on average one boundary per (AVG_FANOUT - MIN_FANOUT) entries. */
export const MIN_FANOUT = 8;
export const AVG_FANOUT = 32;
export const MAX_FANOUT = 128;
const THRESHOLD = Math.floor(2 ** 32 / (AVG_FANOUT - MIN_FANOUT));

/** A child page: its id, and the rows and chunks below it. */
export interface PageRef {
  id: string;
  rows: number;
  chunks: number;
}

export type TreeNode = { level: 0; chunks: ChunkRef[] } | { level: number; pages: PageRef[] };

interface Page {
  type: 'manifest-page';
  node: TreeNode;
}

/**
 * Leaf pages already stored or loaded in this process, by their first entry: a new version that keeps
 * the same entry objects (a transaction carries unchanged entries over from the version it read) finds
 * its unchanged pages here instead of serialising and hashing them again, so a one-chunk change of a
 * 100,000-chunk table costs the pages on its path, not the whole tree. Weak: entries no version holds
 * any more free their page.
 */
const knownLeaves = new WeakMap<ChunkRef, { id: string; chunks: readonly ChunkRef[] }>();

function knownLeaf(part: readonly ChunkRef[]): string | undefined {
  const known = part.length > 0 ? knownLeaves.get(part[0]!) : undefined;
  return known && known.chunks.length === part.length && known.chunks.every((c, i) => c === part[i]) ? known.id : undefined;
}

/** Stores the pages of the tree over `chunks` (existing pages are not rewritten); returns the root. */
export async function putTree(store: ChunkStore, chunks: ChunkRef[]): Promise<TreeNode> {
  let node = await putLevel(store, { level: 0, chunks });
  while (!isRoot(node)) node = await putLevel(store, node);
  return node.node;
}

/** Every chunk entry under `root`, in order, and the ids of the pages that hold them. */
export async function loadTree(store: ChunkStore, root: TreeNode): Promise<{ chunks: ChunkRef[]; pages: string[] }> {
  const chunks: ChunkRef[] = [];
  const pages: string[] = [];
  const walk = async (node: TreeNode): Promise<void> => {
    if (node.level === 0) {
      chunks.push(...(node as { chunks: ChunkRef[] }).chunks);
      return;
    }
    const children = (node as { pages: PageRef[] }).pages;
    const loaded = await Promise.all(children.map((p) => getPage(store, p.id)));
    pages.push(...children.map((p) => p.id));
    loaded.forEach((child, i) => {
      const leaf = child.level === 0 ? (child as { chunks: ChunkRef[] }).chunks : undefined;
      if (leaf && leaf.length > 0) knownLeaves.set(leaf[0]!, { id: children[i]!.id, chunks: leaf });
    });
    for (const child of loaded) await walk(child);
  };
  await walk(root);
  return { chunks, pages };
}

/**
 * The chunk entries only in `a` (removed) and only in `b` (added), as multisets. Expands the two
 * trees level by level from the top and cancels identical subtrees before expanding further, so the
 * pages read follow the size of the difference, not the size of the tables.
 */
export async function diffTrees(store: ChunkStore, a: TreeNode, b: TreeNode): Promise<{ removed: ChunkRef[]; added: ChunkRef[] }> {
  let fa: Item[] = items(a);
  let fb: Item[] = items(b);
  for (;;) {
    [fa, fb] = cancel(fa, fb);
    // reduce, not Math.max(...): a frontier can hold more items than a call takes arguments.
    const level = [...fa, ...fb].reduce((l, i) => Math.max(l, levelOf(i)), -1);
    if (level < 0) break;
    [fa, fb] = await Promise.all([expand(store, fa, level), expand(store, fb, level)]);
  }
  return { removed: fa.map((i) => (i as ChunkItem).chunk), added: fb.map((i) => (i as ChunkItem).chunk) };
}

/** The identity of a chunk entry: its object id, its deletion vector's and its patches' (the rest follows from them). */
export function chunkKey(c: ChunkRef): string {
  const renamed = (r: Renamed | undefined) => (r ? [`renamed:${JSON.stringify(r)}`] : []);
  return [c.id, ...(c.deleted ? [c.deleted.id] : []), ...(c.patches ?? []).flatMap((p) => [p.id, ...renamed(p.renamed)]), ...(c.hidden ? [`hidden:${c.hidden.join(',')}`] : []), ...renamed(c.renamed)].join('-');
}

type ChunkItem = { kind: 'chunk'; key: string; chunk: ChunkRef };
type PageItem = { kind: 'page'; key: string; level: number };
type Item = ChunkItem | PageItem;

function items(node: TreeNode): Item[] {
  if (node.level === 0) return (node as { chunks: ChunkRef[] }).chunks.map((chunk) => ({ kind: 'chunk', key: chunkKey(chunk), chunk }));
  return (node as { pages: PageRef[] }).pages.map((p) => ({ kind: 'page', key: p.id, level: node.level - 1 }));
}

const levelOf = (i: Item): number => (i.kind === 'page' ? i.level : -1);

/** Removes the items present on both sides (multiset difference both ways, compared by key). */
function cancel(a: Item[], b: Item[]): [Item[], Item[]] {
  return [unmatched(a, countKeys(b)), unmatched(b, countKeys(a))];
}

function countKeys(items: Item[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.key, (counts.get(i.key) ?? 0) + 1);
  return counts;
}

function unmatched(items: Item[], other: Map<string, number>): Item[] {
  return items.filter((i) => {
    const n = other.get(i.key) ?? 0;
    if (n > 0) other.set(i.key, n - 1);
    return n === 0;
  });
}

/** Replaces the pages of `level` by their entries. */
async function expand(store: ChunkStore, frontier: Item[], level: number): Promise<Item[]> {
  const out = await Promise.all(frontier.map(async (i) => (levelOf(i) === level ? items(await getPage(store, i.key)) : [i])));
  return out.flat();
}

async function getPage(store: ChunkStore, id: string): Promise<TreeNode> {
  return (await getJson<Page>(store, id, 'manifest-page', (p) => nodeProblem(p.node))).node;
}

const isId = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

/** What is wrong with a tree node read from storage, if anything (its entries included). */
export function nodeProblem(node: unknown): string | undefined {
  const n = node as { level?: unknown; chunks?: unknown; pages?: unknown } | null;
  if (!n || typeof n !== 'object' || !isCount(n.level)) return 'a tree node without a valid level';
  if (n.level === 0) {
    if (!Array.isArray(n.chunks)) return 'a leaf node without a chunk list';
    for (const [i, c] of n.chunks.entries()) {
      const problem = chunkRefProblem(c);
      if (problem) return `chunk entry ${i}: ${problem}`;
    }
    return undefined;
  }
  if (!Array.isArray(n.pages)) return 'an inner node without a page list';
  const bad = n.pages.findIndex((p: { id?: unknown; rows?: unknown; chunks?: unknown } | null) => !p || !isId(p.id) || !isCount(p.rows) || !isCount(p.chunks));
  return bad < 0 ? undefined : `page reference ${bad} is malformed`;
}

const isRenamed = (r: unknown): boolean => r === undefined || (typeof r === 'object' && r !== null && Object.values(r).every((v) => typeof v === 'string'));

/** What is wrong with a chunk entry read from storage, if anything. */
function chunkRefProblem(value: unknown): string | undefined {
  const c = value as Partial<ChunkRef> | null;
  if (!c || typeof c !== 'object') return 'not an object';
  if (!isId(c.id)) return `invalid chunk id ${JSON.stringify(c.id)}`;
  if (c.sum !== undefined && !isChunkSum(c.sum)) return `chunk ${c.id}: invalid sum ${JSON.stringify(c.sum)}`;
  if (!isCount(c.rows) || !isCount(c.bytes)) return `chunk ${c.id}: invalid rows or bytes`;
  if (!c.stats || typeof c.stats !== 'object') return `chunk ${c.id}: no statistics`;
  if (c.deleted !== undefined && (!isId(c.deleted.id) || !isCount(c.deleted.rows) || c.deleted.rows > (c.rows as number) || (c.deleted.runs !== undefined && !isCount(c.deleted.runs)))) {
    return `chunk ${c.id}: malformed deletion vector entry`;
  }
  if (c.patches !== undefined && (!Array.isArray(c.patches) || !c.patches.every((p) => p && isId(p.id) && isCount(p.rows) && isCount(p.bytes) && Array.isArray(p.columns) && isRenamed(p.renamed)))) {
    return `chunk ${c.id}: malformed column patch entry`;
  }
  if (!isRenamed(c.renamed)) return `chunk ${c.id}: malformed renamed columns`;
  return undefined;
}

type Level = { node: TreeNode } | { level: number; pages: PageRef[] };
const isRoot = (l: Level): l is { node: TreeNode } => 'node' in l;

/** Cuts one level into pages; a level that fits one page is the root and is returned as is. */
async function putLevel(store: ChunkStore, node: TreeNode): Promise<Level> {
  const entries: (ChunkRef | PageRef)[] = node.level === 0 ? (node as { chunks: ChunkRef[] }).chunks : (node as { pages: PageRef[] }).pages;
  const cuts = boundaries(entries.map((e) => entryHash(e.id)));
  if (cuts.length <= 1) return { node };
  const parts = cuts.map((end, k) => entries.slice(k === 0 ? 0 : cuts[k - 1], end));
  // Known pages are refreshed as their put would (so gc keeps them), all at once; one that vanished
  // is written again.
  const known = await Promise.all(parts.map(async (part) => {
    const id = node.level === 0 ? knownLeaf(part as ChunkRef[]) : undefined;
    return id && (await store.refresh(id)) ? id : undefined;
  }));
  const pages: PageRef[] = [];
  for (const [k, part] of parts.entries()) {
    let id = known[k];
    if (!id) {
      const page: Page = { type: 'manifest-page', node: (node.level === 0 ? { level: 0, chunks: part } : { level: node.level, pages: part }) as TreeNode };
      id = await putJson(store, page);
      if (node.level === 0) knownLeaves.set(part[0] as ChunkRef, { id, chunks: part as ChunkRef[] });
    }
    pages.push({ id, rows: part.reduce((n, e) => n + ('stats' in e ? liveRows(e) : e.rows), 0), chunks: part.reduce((n, e) => n + ('stats' in e ? 1 : e.chunks), 0) });
  }
  return { level: node.level + 1, pages };
}

/** End indices (exclusive) of the pages of a level whose entries hash to `hashes`. */
function boundaries(hashes: number[]): number[] {
  const cuts: number[] = [];
  let run = 0;
  hashes.forEach((h, i) => {
    run++;
    if (run >= MAX_FANOUT || (run >= MIN_FANOUT && h < THRESHOLD)) {
      cuts.push(i + 1);
      run = 0;
    }
  });
  if (run > 0 || cuts.length === 0) cuts.push(hashes.length);
  return cuts;
}

/** A 32-bit hash of an entry: the leading hex digits of its object id (a BLAKE3 hash, already uniform). */
function entryHash(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}
