/**
 * One growing dictionary per dictionary-encoded column across a stream of record batches, for the
 * Arrow IPC file format: it allows a dictionary to grow (delta batches) but not to be replaced, and
 * every chunk of a table decodes with a dictionary of its own. A batch whose dictionary holds values
 * not seen before appends them to the column's dictionary; its indices are remapped into it.
 * Top-level dictionary columns only; a dictionary nested in a list or struct is left as it is.
 */
import { makeData, RecordBatch, Type, vectorFromArray, type Data, type Dictionary, type Schema, type Vector } from 'apache-arrow';

import { InvalidArgumentError } from '../errors.js';

interface Shared {
  dictionary: Vector;
  positions: Map<unknown, number>;
}

export class DictionaryUnifier {
  private readonly shared = new Map<number, Shared>();

  constructor(private readonly schema: Schema) {}

  /** `batch` with each top-level dictionary column re-expressed over its shared dictionary. */
  apply(batch: RecordBatch): RecordBatch {
    let children: Data[] | undefined;
    this.schema.fields.forEach((field, i) => {
      if (field.typeId !== Type.Dictionary) return;
      const data = batch.data.children[i] as Data<Dictionary>;
      const unified = this.unify(i, field.name, data);
      if (unified !== data) (children ??= [...batch.data.children])[i] = unified;
    });
    if (!children) return batch;
    return new RecordBatch(this.schema, makeData({ type: batch.data.type, length: batch.numRows, nullCount: 0, children }));
  }

  private unify(column: number, name: string, data: Data<Dictionary>): Data<Dictionary> {
    const own = data.dictionary!;
    const shared = this.shared.get(column);
    if (!shared) {
      this.shared.set(column, { dictionary: own, positions: new Map([...own].map((v, k) => [keyOf(v), k])) });
      return data;
    }
    if (shared.dictionary === own) return data;
    const added: unknown[] = [];
    const remap = Int32Array.from(own, (v) => {
      const key = keyOf(v);
      let at = shared.positions.get(key);
      if (at === undefined) {
        at = shared.dictionary.length + added.length;
        shared.positions.set(key, at);
        added.push(v);
      }
      return at;
    });
    if (added.length > 0) shared.dictionary = shared.dictionary.concat(vectorFromArray(added, own.type));
    const limit = 2 ** (data.type.indices.bitWidth - (data.type.indices.isSigned ? 1 : 0));
    if (shared.dictionary.length > limit) {
      throw new InvalidArgumentError(
        `export: dictionary column ${JSON.stringify(name)} holds ${shared.dictionary.length} distinct values across chunks, more than its ${data.type.indices} indices can address; export to .parquet, or store the column with wider indices`,
      );
    }
    const indices = data.values;
    const out = new (indices.constructor as new (n: number) => typeof indices)(data.length);
    const wide = indices instanceof BigInt64Array || indices instanceof BigUint64Array;
    // A null row's index is arbitrary (possibly out of range); it stays null through the bitmap.
    for (let i = 0; i < data.length; i++) {
      const at = remap[Number(indices[i])] ?? 0;
      out[i] = (wide ? BigInt(at) : at) as never;
    }
    return makeData({ type: data.type, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: out, dictionary: shared.dictionary });
  }
}

/** A Map key equal for equal dictionary values (primitives as themselves, the rest as JSON). */
function keyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return JSON.stringify(value, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
}
