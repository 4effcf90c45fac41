/**
 * A 32-bit hash of each row's content, computed over the Arrow buffers (no per-row `get`), used to
 * place content-defined chunk boundaries (see `source.ts`). Not a checksum: it only has to be
 * deterministic and well spread.
 *
 * Every top-level column of a hashable type contributes: fixed-width values by their bytes, booleans
 * by their bit, (large) utf8 and binary by their bytes, dictionaries by their values (not indices), a
 * null by a constant. Nested, view and interval columns contribute nothing; a schema with no hashable
 * column gets no row hash at all and the caller falls back to fixed-size chunks.
 *
 * arrow-js pre-slices fixed-width values and value offsets but not validity bitmaps, boolean bits or
 * variable-width values (see concat.ts), hence the `offset` arithmetic below.
 */
import { DateUnit, Type, type Data, type DataType, type Vector } from 'apache-arrow';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const NULL_HASH = 0x6e756c6c; // "null"

/** The per-row hash of `columns` of a batch (length = rows), or undefined if none is hashable. */
export function rowHashes(columns: readonly Data[], rows: number): Uint32Array | undefined {
  const out = new Uint32Array(rows).fill(FNV_OFFSET);
  let used = 0;
  for (const column of columns) if (mixColumn(column, out)) used++;
  if (used === 0) return undefined;
  for (let r = 0; r < rows; r++) out[r] = fmix32(out[r]!);
  return out;
}

/** Mixes each row's value of `data` into `acc`; false when the type does not contribute. */
function mixColumn(data: Data, acc: Uint32Array): boolean {
  const values = valueHashes(data);
  if (!values) return false;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  if (!bitmap) for (let r = 0; r < data.length; r++) acc[r] = Math.imul(acc[r]! ^ values[r]!, FNV_PRIME);
  else for (let r = 0; r < data.length; r++) acc[r] = Math.imul(acc[r]! ^ (bit(bitmap, data.offset + r) ? values[r]! : NULL_HASH), FNV_PRIME);
  return true;
}

/** Whether values of this type contribute to the row hash. */
export function hashable(type: DataType): boolean {
  if (fixedWidth(type) !== undefined) return true;
  switch (type.typeId) {
    case Type.Bool:
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return true;
    case Type.Dictionary:
      return hashable((type as unknown as { dictionary: DataType }).dictionary);
    default:
      return false;
  }
}

/** A hash per row of the values of `data`, ignoring validity. */
function valueHashes(data: Data): Uint32Array | undefined {
  const type = data.type as DataType;
  const out = new Uint32Array(data.length);
  const width = fixedWidth(type);
  if (width !== undefined) {
    const v = data.values as ArrayBufferView;
    if (width % 4 === 0 && v.byteOffset % 4 === 0) {
      const words = new Uint32Array(v.buffer, v.byteOffset, (data.length * width) / 4);
      const per = width / 4;
      if (per === 2) {
        // The common case (64-bit values), without the inner loop.
        for (let r = 0, w = 0; r < data.length; r++, w += 2) out[r] = Math.imul(Math.imul(FNV_OFFSET ^ words[w]!, FNV_PRIME) ^ words[w + 1]!, FNV_PRIME);
      } else {
        for (let r = 0, w = 0; r < data.length; r++) {
          let h = FNV_OFFSET;
          for (let k = 0; k < per; k++) h = Math.imul(h ^ words[w++]!, FNV_PRIME);
          out[r] = h;
        }
      }
    } else {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, data.length * width);
      for (let r = 0; r < data.length; r++) out[r] = hashBytes(bytes, r * width, (r + 1) * width);
    }
    return out;
  }
  switch (type.typeId) {
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      for (let r = 0; r < data.length; r++) out[r] = bit(bits, data.offset + r) ? 1 : 2;
      return out;
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const at = (i: number) => Number(offsets[i]!);
      for (let r = 0; r < data.length; r++) out[r] = hashBytes(bytes, at(r), at(r + 1));
      return out;
    }
    case Type.Dictionary: {
      const dictionary = dictionaryHashes(data.dictionary);
      if (!dictionary) return undefined;
      const indices = data.values as ArrayLike<number | bigint>;
      for (let r = 0; r < data.length; r++) out[r] = dictionary[Number(indices[r]!)]!;
      return out;
    }
    default:
      return undefined;
  }
}

function dictionaryHashes(dictionary: Vector | undefined): Uint32Array | undefined {
  if (!dictionary) return undefined;
  const out = new Uint32Array(dictionary.length);
  let at = 0;
  for (const d of dictionary.data) {
    const h = valueHashes(d);
    if (!h) return undefined;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
    for (let r = 0; r < d.length; r++) out[at++] = bitmap && !bit(bitmap, d.offset + r) ? NULL_HASH : h[r]!;
  }
  return out;
}

/** Bytes per value of a fixed-width type, or undefined. */
function fixedWidth(type: DataType): number | undefined {
  const t = type as unknown as { bitWidth: number; precision: number; unit: DateUnit; byteWidth: number };
  switch (type.typeId) {
    case Type.Int:
    case Type.Time:
    case Type.Decimal:
      return t.bitWidth / 8;
    case Type.Float:
      return [2, 4, 8][t.precision];
    case Type.Date:
      return t.unit === DateUnit.DAY ? 4 : 8;
    case Type.Timestamp:
    case Type.Duration:
      return 8;
    case Type.FixedSizeBinary:
      return t.byteWidth;
    default:
      return undefined;
  }
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

const bit = (bits: Uint8Array, i: number): boolean => (bits[i >> 3]! & (1 << (i & 7))) !== 0;

/** murmur3's finaliser: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
