/**
 * Aligning a table's new rows with its old ones by row hash (row-hash.ts), so an overwrite with
 * edits spread over the table keeps the old rows in place (ops/overwrite.ts). A greedy walk of both
 * sequences in order: equal rows pair; where they differ, the nearer of "the new row turns up later in
 * the old" (old rows deleted before it) and "the old row turns up later in the new" (new rows inserted
 * before it) is taken; a row found in neither is a change of the old row into the new one (paired, so
 * it can become a column patch). A jump of more than `NEAR` rows counts only when the rows after it
 * pair too, so a changed row that happens to equal a row far away does not skip the rows between.
 * O(n + m) expected: each chain of equal hashes is walked forward once.
 */

/** Jumps this short need no second pair to confirm them: a wrong one costs a few rows. */
const NEAR = 16;

/** For each new row, the old row it stands in for (equal or changed), or -1 for an inserted row. */
export function alignRows(old: Float64Array, next: Float64Array): Int32Array {
  const inOld = new Positions(old);
  const inNext = new Positions(next);
  const out = new Int32Array(next.length).fill(-1);
  let i = 0;
  let j = 0;
  while (i < old.length && j < next.length) {
    if (old[i] === next[j]) {
      out[j++] = i++;
      continue;
    }
    const deleted = anchored(inOld.after(next[j]!, i) - i, 0); // old rows before next[j] turns up
    const inserted = anchored(0, inNext.after(old[i]!, j) - j); // new rows before old[i] turns up
    if (deleted === Infinity && inserted === Infinity) out[j++] = i++;
    else if (deleted <= inserted) i += deleted;
    else j += inserted;
  }
  return out;

  /** The jump (di old rows or dj new rows) if it is near or the rows after the pair it lands on pair too, else Infinity. */
  function anchored(di: number, dj: number): number {
    const [a, b] = [i + di + 1, j + dj + 1];
    if (di + dj <= NEAR) return di + dj;
    return a >= old.length || b >= next.length || old[a] === next[b] ? di + dj : Infinity;
  }
}

/**
 * Where each hash occurs, ascending: an open-addressing table of typed arrays, equal hashes chained
 * in order (a Map of a million entries took 1.7 s of the 3.6 s a 1M-row re-import took under
 * `node --cpu-prof`; with this table that re-import took 1.56 s). The walk only moves forward, so
 * each chain keeps a cursor and a lookup resumes where the last one ended.
 */
class Positions {
  private readonly slots: Int32Array;
  private readonly chain: Int32Array;
  private readonly cursor: Int32Array;

  constructor(private readonly hashes: Float64Array) {
    let size = 16;
    while (size < hashes.length * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.chain = new Int32Array(hashes.length).fill(-1);
    this.cursor = new Int32Array(hashes.length);
    const tail = new Int32Array(hashes.length);
    for (let k = 0; k < hashes.length; k++) {
      const slot = this.slot(hashes[k]!);
      const head = this.slots[slot]!;
      if (head < 0) {
        this.slots[slot] = k;
        this.cursor[k] = k;
        tail[k] = k;
      } else {
        this.chain[tail[head]!] = k;
        tail[head] = k;
      }
    }
  }

  /** The first position of `h` at or after `from` (callers ask with `from` never decreasing per hash), or Infinity. */
  after(h: number, from: number): number {
    const head = this.slots[this.slot(h)]!;
    if (head < 0) return Infinity;
    let k = this.cursor[head]!;
    while (k >= 0 && k < from) k = this.chain[k]!;
    if (k < 0) return Infinity;
    this.cursor[head] = k;
    return k;
  }

  /** The slot holding `h`'s chain, or the empty slot where it would go (linear probing). */
  private slot(h: number): number {
    const mask = this.slots.length - 1;
    let s = (h >>> 0) & mask;
    while (this.slots[s]! >= 0 && this.hashes[this.slots[s]!] !== h) s = (s + 1) & mask;
    return s;
  }
}
