/**
 * Iceberg's Avro files: manifests (`manifest_entry` records) and manifest lists (`manifest_file`
 * records), format v2, as the spec lays them out ("Manifests", "Manifest Lists", Appendix A): every
 * field carries its Iceberg `field-id`, maps with int keys are arrays of key/value records with
 * logical type `map`, and the file's key-value metadata holds what the spec requires of each kind.
 *
 * Object container files are assembled here (header, deflate blocks, sync markers; Avro 1.11
 * "Object Container Files"); avsc encodes and decodes the records. Values are plain objects: Avro
 * `long`s are JS numbers, exact because every count, size and id we write is below 2^53.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

import avro from 'avsc';

import { CorruptObjectError } from '../errors.js';

const opt = (type: unknown) => ['null', type];
/** An optional map<int, T> as Iceberg writes it: an array of key/value records, logical type `map`. */
const intMap = (name: string, id: number, keyId: number, valueId: number, value: string) => ({
  name,
  type: opt({ type: 'array', logicalType: 'map', items: { type: 'record', name: `k${keyId}_v${valueId}`, fields: [{ name: 'key', type: 'int', 'field-id': keyId }, { name: 'value', type: value, 'field-id': valueId }] } }),
  default: null,
  'field-id': id,
});

/** `manifest_entry` of a v2 manifest of an unpartitioned table. */
export const MANIFEST_ENTRY_SCHEMA = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: opt('long'), default: null, 'field-id': 1 },
    { name: 'sequence_number', type: opt('long'), default: null, 'field-id': 3 },
    { name: 'file_sequence_number', type: opt('long'), default: null, 'field-id': 4 },
    {
      name: 'data_file',
      'field-id': 2,
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'content', type: 'int', 'field-id': 134 },
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'partition', type: { type: 'record', name: 'r102', fields: [] }, 'field-id': 102 },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
          intMap('column_sizes', 108, 117, 118, 'long'),
          intMap('value_counts', 109, 119, 120, 'long'),
          intMap('null_value_counts', 110, 121, 122, 'long'),
          intMap('nan_value_counts', 137, 138, 139, 'long'),
          intMap('lower_bounds', 125, 126, 127, 'bytes'),
          intMap('upper_bounds', 128, 129, 130, 'bytes'),
          { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 131 },
          { name: 'split_offsets', type: opt({ type: 'array', items: 'long', 'element-id': 133 }), default: null, 'field-id': 132 },
          { name: 'equality_ids', type: opt({ type: 'array', items: 'int', 'element-id': 136 }), default: null, 'field-id': 135 },
          { name: 'sort_order_id', type: opt('int'), default: null, 'field-id': 140 },
          { name: 'referenced_data_file', type: opt('string'), default: null, 'field-id': 143 },
        ],
      },
    },
  ],
};

/** `manifest_file` of a v2 manifest list. */
export const MANIFEST_FILE_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: opt({
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: opt('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: opt('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: opt('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 519 },
  ],
};

/** Entry status: 0 EXISTING, 1 ADDED, 2 DELETED. */
export type EntryStatus = 0 | 1 | 2;

export interface KeyValue<T> {
  key: number;
  value: T;
}

/** The `data_file` struct of a manifest entry (the fields we write; others stay null). */
export interface DataFile {
  /** 0 data, 1 position deletes. */
  content: 0 | 1;
  file_path: string;
  file_format: 'PARQUET';
  partition: Record<string, never>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: KeyValue<number>[] | null;
  value_counts: KeyValue<number>[] | null;
  null_value_counts: KeyValue<number>[] | null;
  nan_value_counts: KeyValue<number>[] | null;
  lower_bounds: KeyValue<Uint8Array>[] | null;
  upper_bounds: KeyValue<Uint8Array>[] | null;
  key_metadata: null;
  split_offsets: null;
  equality_ids: null;
  sort_order_id: number | null;
  /** The data file a position delete file applies to (all its rows name it). */
  referenced_data_file: string | null;
}

export interface ManifestEntry {
  status: EntryStatus;
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: 0;
  /** 0 data files, 1 delete files. */
  content: 0 | 1;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  /** One summary per partition field: none, the table is unpartitioned. */
  partitions: [] | null;
  key_metadata: null;
}

const MAGIC = Buffer.from('Obj\x01', 'latin1');
const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');
const entryType = avro.Type.forSchema(MANIFEST_ENTRY_SCHEMA as avro.Schema);
const fileType = avro.Type.forSchema(MANIFEST_FILE_SCHEMA as avro.Schema);
/** Records per block: bounds a block's size, as Java's 64 KiB-ish blocks do. */
const BLOCK_RECORDS = 1000;

/** A manifest's bytes: `entries` under the file metadata the spec requires (`schema`, `content`, …). */
export function manifestToAvro(entries: readonly ManifestEntry[], metadata: Record<string, string>): Buffer {
  return containerFile(MANIFEST_ENTRY_SCHEMA, entryType, entries, metadata);
}

/** A manifest list's bytes. */
export function manifestListToAvro(files: readonly ManifestFile[], metadata: Record<string, string>): Buffer {
  return containerFile(MANIFEST_FILE_SCHEMA, fileType, files, metadata);
}

/** The entries of a manifest we wrote. @throws {CorruptObjectError} */
export function manifestFromAvro(bytes: Uint8Array, path: string): ManifestEntry[] {
  return readContainer(bytes, path, 'Iceberg manifest') as ManifestEntry[];
}

/** The manifests of a manifest list we wrote. @throws {CorruptObjectError} */
export function manifestListFromAvro(bytes: Uint8Array, path: string): ManifestFile[] {
  return readContainer(bytes, path, 'Iceberg manifest list') as ManifestFile[];
}

function containerFile(schema: object, type: avro.Type, records: readonly unknown[], metadata: Record<string, string>): Buffer {
  const sync = randomBytes(16);
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema)), 'avro.codec': Buffer.from('deflate') };
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v);
  const parts: Buffer[] = [HEADER.toBuffer({ magic: MAGIC, meta, sync })];
  for (let i = 0; i < records.length; i += BLOCK_RECORDS) {
    const block = records.slice(i, i + BLOCK_RECORDS);
    const data = deflateRawSync(Buffer.concat(block.map((r) => type.toBuffer(r))));
    parts.push(LONG.toBuffer(block.length), LONG.toBuffer(data.length), data, sync);
  }
  return Buffer.concat(parts);
}

function readContainer(bytes: Uint8Array, path: string, what: string): unknown[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const { value: header, offset } = HEADER.decode(buf, 0) as { value: { magic: Buffer; meta: Record<string, Buffer>; sync: Buffer }; offset: number };
    if (offset < 0 || !header.magic.equals(MAGIC)) throw new Error('not an Avro object container file');
    const codec = header.meta['avro.codec']?.toString() ?? 'null';
    if (codec !== 'null' && codec !== 'deflate') throw new Error(`codec ${codec} is not read here`);
    const type = avro.Type.forSchema(JSON.parse(header.meta['avro.schema']!.toString()) as avro.Schema);
    const out: unknown[] = [];
    let pos = offset;
    while (pos < buf.length) {
      const count = LONG.decode(buf, pos) as { value: number; offset: number };
      const size = LONG.decode(buf, count.offset) as { value: number; offset: number };
      const end = size.offset + size.value;
      if (count.offset < 0 || size.offset < 0 || end + 16 > buf.length) throw new Error('a block is cut short');
      const raw = buf.subarray(size.offset, end);
      const data = codec === 'deflate' ? inflateRawSync(raw) : raw;
      let at = 0;
      for (let i = 0; i < count.value; i++) {
        const r = type.decode(data, at) as { value: unknown; offset: number };
        if (r.offset < 0) throw new Error('a record is cut short');
        out.push(r.value);
        at = r.offset;
      }
      if (!buf.subarray(end, end + 16).equals(header.sync)) throw new Error('a block does not end with the sync marker');
      pos = end + 16;
    }
    return out;
  } catch (e) {
    if (e instanceof CorruptObjectError) throw e;
    throw new CorruptObjectError(what, path, (e as Error).message, { cause: e });
  }
}
