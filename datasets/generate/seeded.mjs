// @ts-check
/**
 * Deterministic, seeded generators for the synthetic datasets (`seed-narrow`, `seed-wide`).
 *
 * Dependency-free on purpose: this module only produces column buffers (typed arrays); the benchmark
 * harness (`@armillaria/bench`, src/datasets/) turns them into an Arrow table and writes the Arrow IPC
 * file whose sha256 is pinned in `datasets/manifest.json`. Changing anything here changes those bytes,
 * so regenerate the manifest deliberately (`bench datasets --update-manifest`) when you mean to.
 *
 * PRNG: mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by the Weyl constant
 * 0x6D2B79F5, output mixed by two multiply-xorshift rounds. Period 2^32, passes gjrand/PractRand up to
 * the sizes used here, and is ten lines in any language, so the streams below can be reproduced outside
 * JavaScript. Rows draw their random numbers in row order, so the first K rows of a larger dataset
 * equal the K-row dataset with the same seed.
 */

/** Seed of `seed-narrow`. */
export const SEED_NARROW = 0x5eed0001;
/** Seed of `seed-wide`. */
export const SEED_WIDE = 0x5eed0002;
/** `seed-wide.timestamp` starts here: 2024-01-01T00:00:00Z, in milliseconds. */
export const WIDE_EPOCH_MS = 1_704_067_200_000;
/** The `seed-wide.category` alphabet. */
export const CATEGORIES = ['A', 'B', 'C', 'D'];

/**
 * mulberry32 PRNG.
 * @param {number} seed 32-bit unsigned seed
 * @returns {() => number} next uint32
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * A uniform double in [0, 1) with 53 random bits, from two draws (the classic
 * `(a >>> 5) * 2^26 + (b >>> 6)) / 2^53` construction).
 * @param {() => number} next
 */
export function nextFloat64(next) {
  const a = next() >>> 5;
  const b = next() >>> 6;
  return (a * 67108864 + b) / 9007199254740992;
}

/**
 * `seed-narrow`: `{ id int64 0..N-1, value float64 uniform [0,1) }`.
 * Per row: two draws for `value`.
 * @param {number} rows
 * @param {number} [seed]
 */
export function generateSeedNarrow(rows, seed = SEED_NARROW) {
  const next = mulberry32(seed);
  const id = new BigInt64Array(rows);
  const value = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    id[i] = BigInt(i);
    value[i] = nextFloat64(next);
  }
  return { id, value };
}

/**
 * Build a utf8 column (offsets + bytes) from an ASCII string per row.
 * @param {number} rows
 * @param {(i: number) => string} at
 */
function asciiColumn(rows, at) {
  const offsets = new Int32Array(rows + 1);
  let cap = Math.max(16, rows * 12);
  let data = new Uint8Array(cap);
  let pos = 0;
  for (let i = 0; i < rows; i++) {
    const s = at(i);
    if (pos + s.length > cap) {
      cap = Math.max(cap * 2, pos + s.length);
      const grown = new Uint8Array(cap);
      grown.set(data.subarray(0, pos));
      data = grown;
    }
    for (let k = 0; k < s.length; k++) data[pos++] = s.charCodeAt(k);
    offsets[i + 1] = pos;
  }
  return { offsets, data: data.slice(0, pos) };
}

/**
 * `seed-wide`: `{ id int64, name utf8 "user_<i>", value float64 uniform [0,1),
 * category utf8 one of A-D (uniform), timestamp ms UTC = WIDE_EPOCH_MS + i*1000 + jitter in [0,1000) }`.
 * Per row, in this order: two draws for `value`, one for `category` (top two bits), one for the jitter.
 * @param {number} rows
 * @param {number} [seed]
 */
export function generateSeedWide(rows, seed = SEED_WIDE) {
  const next = mulberry32(seed);
  const id = new BigInt64Array(rows);
  const value = new Float64Array(rows);
  const categoryIndex = new Uint8Array(rows);
  const timestampMs = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) {
    id[i] = BigInt(i);
    value[i] = nextFloat64(next);
    categoryIndex[i] = next() >>> 30;
    timestampMs[i] = BigInt(WIDE_EPOCH_MS + i * 1000 + (next() % 1000));
  }
  const name = asciiColumn(rows, (i) => `user_${i}`);
  const category = asciiColumn(rows, (i) => /** @type {string} */ (CATEGORIES[categoryIndex[i] ?? 0]));
  return { id, name, value, category, timestampMs };
}
