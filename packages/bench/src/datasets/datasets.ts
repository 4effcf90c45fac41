/**
 * Dataset payloads: generate (seeded, deterministic) or convert (real-world), verify against
 * `datasets/manifest.json`, and load. Both engines load the identical file bytes: Node with
 * apache-arrow's `tableFromIPC`, the Delta driver with `pyarrow.ipc.open_file`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DataType,
  Float64,
  Int64,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  Table,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Data,
  type RecordBatch,
  type Vector,
} from 'apache-arrow';
import { openTableFile } from '@armillaria/core';
import { combineBatches } from '@armillaria/core/internals';
import { DATASETS_DIR, datasetsDataDir } from '../paths.js';
import { ensureVenv } from '@armillaria/testkit';
import { datasetFile, datasetSpec, DATASETS, fileDatasetSpec, isTableFile, type DatasetSpec } from './specs.js';

export interface ManifestEntry {
  name: string;
  generator: string;
  seed?: number;
  rows: number;
  /** Arrow in-memory bytes of the table (see `arrowBytes`): the throughput numerator. */
  arrowBytes: number;
  /** Size of the Arrow IPC file. */
  fileBytes: number;
  /** sha256 of the Arrow IPC file. */
  sha256: string;
  file: string;
  source?: string;
  license?: string;
}

export interface Manifest {
  description: string;
  datasets: ManifestEntry[];
}

export const MANIFEST_PATH = resolve(DATASETS_DIR, 'manifest.json');

export function readManifest(path = MANIFEST_PATH): Manifest {
  if (!existsSync(path)) return { description: '', datasets: [] };
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

export function writeManifest(m: Manifest, path = MANIFEST_PATH): void {
  const order = new Map(DATASETS.map((d, i) => [d.name, i]));
  m.datasets.sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9) || a.name.localeCompare(b.name));
  writeFileSync(path, `${JSON.stringify(m, null, 2)}\n`);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Arrow in-memory bytes: the sum over all columns and chunks of the value, offset and (when the chunk
 * has nulls) validity buffers, as held in memory. For string columns the character data counts once.
 */
export function arrowBytes(table: Table): number {
  const ofData = (d: Data): number => {
    let n = 0;
    if (d.nullCount > 0 && d.nullBitmap) n += d.nullBitmap.byteLength;
    if (d.valueOffsets) n += d.valueOffsets.byteLength;
    if (d.values) n += (d.values as ArrayBufferView).byteLength;
    for (const c of d.children) n += ofData(c);
    return n;
  };
  let total = 0;
  for (const f of table.schema.fields) {
    const v = table.getChild(f.name);
    if (v) for (const d of v.data) total += ofData(d as Data);
  }
  return total;
}

interface Utf8Columns {
  offsets: Int32Array;
  data: Uint8Array;
}
interface Generators {
  generateSeedNarrow(rows: number, seed?: number): { id: BigInt64Array; value: Float64Array };
  generateSeedWide(rows: number, seed?: number): {
    id: BigInt64Array;
    name: Utf8Columns;
    value: Float64Array;
    category: Utf8Columns;
    timestampMs: BigInt64Array;
  };
}

async function loadGenerators(): Promise<Generators> {
  return (await import(pathToFileURL(resolve(DATASETS_DIR, 'generate', 'seeded.mjs')).href)) as Generators;
}

function utf8Vector(c: Utf8Columns, rows: number): Vector<Utf8> {
  return makeVector(makeData({ type: new Utf8(), length: rows, nullCount: 0, valueOffsets: c.offsets, data: c.data }));
}

/** Build a synthetic dataset as an Arrow table (one record batch). */
export async function buildSeeded(spec: DatasetSpec): Promise<Table> {
  const g = await loadGenerators();
  if (spec.family === 'seed-narrow') {
    const c = g.generateSeedNarrow(spec.rows, spec.seed);
    return new Table({
      id: makeVector(makeData({ type: new Int64(), length: spec.rows, nullCount: 0, data: c.id })),
      value: makeVector(makeData({ type: new Float64(), length: spec.rows, nullCount: 0, data: c.value })),
    });
  }
  if (spec.family === 'seed-wide') {
    const c = g.generateSeedWide(spec.rows, spec.seed);
    return new Table({
      id: makeVector(makeData({ type: new Int64(), length: spec.rows, nullCount: 0, data: c.id })),
      name: utf8Vector(c.name, spec.rows),
      value: makeVector(makeData({ type: new Float64(), length: spec.rows, nullCount: 0, data: c.value })),
      category: utf8Vector(c.category, spec.rows),
      timestamp: makeVector(
        makeData({ type: new TimestampMillisecond('UTC'), length: spec.rows, nullCount: 0, data: c.timestampMs }),
      ),
    });
  }
  throw new Error(`datasets: ${spec.name} is not a seeded dataset`);
}

/** Produce the IPC bytes of a dataset (generate, or convert through Python for real-world data). */
async function produce(spec: DatasetSpec, tmpFile: string): Promise<void> {
  if (spec.family === 'nycflights13' || spec.family === 'flights-3m') {
    const python = ensureVenv();
    const script = resolve(DATASETS_DIR, spec.generator);
    const args = [script, '--out', tmpFile, '--cache', resolve(datasetsDataDir(), '.cache')];
    const r = spawnSync(python, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`datasets: ${spec.name}: \`${python} ${args.join(' ')}\` failed with exit code ${r.status}`);
    return;
  }
  const table = await buildSeeded(spec);
  writeFileSync(tmpFile, tableToIPC(table, 'file'));
}

export interface EnsureOptions {
  /** Record new/changed entries in the manifest instead of failing (an explicit maintainer action). */
  updateManifest?: boolean;
  log?: (line: string) => void;
  /** Manifest to verify against (default datasets/manifest.json; tests use their own). */
  manifestPath?: string;
}

/**
 * Make sure a dataset's payload exists and matches the manifest; generate it when missing.
 * @returns the payload path and its manifest entry
 * @throws Error naming the dataset when the bytes do not match the manifest (or it has no entry)
 */
export async function ensureDataset(name: string, opts: EnsureOptions = {}): Promise<{ path: string; entry: ManifestEntry }> {
  const spec = datasetSpec(name);
  const dir = datasetsDataDir();
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, datasetFile(spec));
  const manifestPath = opts.manifestPath ?? MANIFEST_PATH;
  const manifest = readManifest(manifestPath);
  const pinned = manifest.datasets.find((e) => e.name === name);
  if (existsSync(path) && pinned) {
    const bytes = readFileSync(path);
    if (sha256Hex(bytes) === pinned.sha256) return { path, entry: pinned };
    opts.log?.(`datasets: ${name}: ${path} does not match the manifest, regenerating`);
  }
  opts.log?.(`datasets: generating ${name} (${spec.rows.toLocaleString('en-US')} rows)`);
  const tmp = `${path}.${process.pid}.tmp`;
  await produce(spec, tmp);
  const bytes = readFileSync(tmp);
  const sha = sha256Hex(bytes);
  if (pinned && pinned.sha256 !== sha && !opts.updateManifest) {
    throw new Error(
      `datasets: ${name}: generated bytes do not match datasets/manifest.json (sha256 ${sha}, manifest ${pinned.sha256}); ` +
        'the generator or a pinned library changed — regenerate deliberately with `bench datasets --update-manifest`',
    );
  }
  if (!pinned && !opts.updateManifest) {
    throw new Error(`datasets: ${name}: no entry in datasets/manifest.json; add it with \`bench datasets ${name} --update-manifest\``);
  }
  renameSync(tmp, path);
  const table = tableFromIPC(bytes);
  const entry: ManifestEntry = {
    name,
    generator: spec.generator,
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    rows: table.numRows,
    arrowBytes: arrowBytes(table),
    fileBytes: bytes.byteLength,
    sha256: sha,
    file: datasetFile(spec),
    ...(spec.source ? { source: spec.source } : {}),
    ...(spec.license ? { license: spec.license } : {}),
  };
  if (table.numRows !== spec.rows) throw new Error(`datasets: ${name}: expected ${spec.rows} rows, got ${table.numRows}`);
  if (opts.updateManifest) {
    const fresh = readManifest(manifestPath);
    fresh.datasets = fresh.datasets.filter((e) => e.name !== name).concat(entry);
    fresh.description ||= 'Arrow IPC payloads of the benchmark datasets; see datasets/README.md. Payloads live in datasets/data/ (gitignored) or $ARMILLARIA_DATASETS_DIR.';
    writeManifest(fresh, manifestPath);
    return { path, entry };
  }
  return { path, entry: pinned! };
}

/**
 * Checks a `--datasets` entry without loading anything: a known dataset name, or a table file that
 * exists. Returns the entry (a file as an absolute path).
 * @throws Error naming an unknown dataset (with the known ones) or a missing file
 */
export function checkDatasetName(name: string): string {
  if (!isTableFile(name)) return datasetSpec(name).name;
  const path = resolve(name);
  if (!existsSync(path)) throw new Error(`datasets: file ${path} does not exist`);
  return path;
}

/**
 * A table file of the user's own as a payload: read as `armillaria import` reads it (Parquet, CSV or
 * Arrow IPC), then written once as an Arrow IPC file under `files/` in the data directory, named by
 * the source's sha256, so that both engines load identical bytes as they do for the generated
 * datasets. The manifest does not pin it; its entry records where it came from.
 * @throws Error naming the file when it cannot be read or holds no rows
 */
export async function ensureFileDataset(
  file: string,
  opts: Pick<EnsureOptions, 'log'> = {},
): Promise<{ path: string; entry: ManifestEntry; spec: DatasetSpec; table: Table }> {
  const source = checkDatasetName(file);
  const sourceSha = await sha256OfFile(source);
  const dir = resolve(datasetsDataDir(), 'files');
  mkdirSync(dir, { recursive: true });
  const name = `${basename(source, extname(source))}-${sourceSha.slice(0, 12)}.arrow`;
  const path = resolve(dir, name);
  if (!existsSync(path)) {
    opts.log?.(`datasets: converting ${source} to Arrow IPC (${name})`);
    const input = await openTableFile(source);
    const batches: RecordBatch[] = [];
    for await (const b of input.batches) batches.push(b);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, tableToIPC(oneBatch(new Table(input.schema, batches), opts.log), 'file'));
    renameSync(tmp, path);
  }
  const bytes = readFileSync(path);
  const table = tableFromIPC(bytes);
  if (table.numRows === 0) throw new Error(`datasets: file ${source} holds no rows`);
  const spec = fileDatasetSpec(source, table.numRows);
  const entry: ManifestEntry = {
    name: spec.name,
    generator: 'file',
    rows: table.numRows,
    arrowBytes: arrowBytes(table),
    fileBytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
    file: `files/${name}`,
    source: `${source} (sha256 ${sourceSha})`,
  };
  return { path, entry, spec, table };
}

/**
 * `table` as one record batch, as the generated datasets are: delta-rs writes the batches of a
 * table in parallel, out of row order, and the read checks compare rows in order. Row groups read
 * with different dictionaries cannot be joined (nor stored in one IPC file), so such columns are
 * decoded to their values first.
 */
function oneBatch(table: Table, log?: (line: string) => void): Table {
  if (table.batches.length <= 1) return table;
  const mixed = (c: number) => new Set(table.batches.map((b) => b.data.children[c]!.dictionary)).size > 1;
  if (!table.schema.fields.some((f, c) => DataType.isDictionary(f.type) && mixed(c))) return new Table(table.schema, [combineBatches(table)]);
  const decoded = table.schema.fields.map((f, c) => {
    const column = table.getChild(f.name)!;
    if (!DataType.isDictionary(f.type) || !mixed(c)) return [f.name, column] as const;
    log?.(`datasets: column ${f.name} has a different dictionary per row group; benchmarking its plain values`);
    return [f.name, vectorFromArray(Array.from(column as Iterable<unknown>), f.type.dictionary)] as const;
  });
  const plain = new Table(Object.fromEntries(decoded));
  return new Table(plain.schema, [combineBatches(plain)]);
}

/** sha256 of a file, streamed (a user's table may be larger than memory wants twice). */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface LoadedDataset {
  spec: DatasetSpec;
  entry: ManifestEntry;
  path: string;
  table: Table;
  /** Checksum of the table (`armillaria-checksum-v1`). */
  checksum: string;
}

/** Read a payload into memory (file bytes, then zero-copy IPC decode). */
export function readPayload(path: string): Table {
  return tableFromIPC(readFileSync(path));
}
