/**
 * Aligning a table's new rows with its old ones by row hash (row-hash.ts), so an overwrite with
 * edits spread over the table keeps the old rows in place (overwrite.ts). A greedy walk of both
 * sequences in order: equal rows pair; where they differ, the nearer of "the new row turns up later in
 * the old" (old rows deleted before it) and "the old row turns up later in the new" (new rows inserted
 * before it) is taken; a row found in neither is a change of the old row into the new one (paired, so
 * it can become a column patch). A jump of more than `NEAR` rows counts only when the rows after it
 * pair too, so a changed row that happens to equal a row far away does not skip the rows between.
 * O((n + m) log n).
 */

/** Jumps this short need no second pair to confirm them: a wrong one costs a few rows. */
const NEAR = 16;

/** For each new row, the old row it stands in for (equal or changed), or -1 for an inserted row. */
export function alignRows(old: Float64Array, next: Float64Array): Int32Array {
  const inOld = positions(old);
  const inNext = positions(next);
  const out = new Int32Array(next.length).fill(-1);
  let i = 0;
  let j = 0;
  while (i < old.length && j < next.length) {
    if (old[i] === next[j]) {
      out[j++] = i++;
      continue;
    }
    const deleted = anchored(after(inOld.get(next[j]!), i) - i, 0); // old rows before next[j] turns up
    const inserted = anchored(0, after(inNext.get(old[i]!), j) - j); // new rows before old[i] turns up
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

/** Each hash's positions, ascending (a number when it occurs once, which is most rows). */
function positions(hashes: Float64Array): Map<number, number | number[]> {
  const map = new Map<number, number | number[]>();
  for (let k = 0; k < hashes.length; k++) {
    const h = hashes[k]!;
    const seen = map.get(h);
    if (seen === undefined) map.set(h, k);
    else if (typeof seen === 'number') map.set(h, [seen, k]);
    else seen.push(k);
  }
  return map;
}

/** The first of `at` at or after `from`, or Infinity. */
function after(at: number | number[] | undefined, from: number): number {
  if (at === undefined) return Infinity;
  if (typeof at === 'number') return at >= from ? at : Infinity;
  let [lo, hi] = [0, at.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < at.length ? at[lo]! : Infinity;
}
