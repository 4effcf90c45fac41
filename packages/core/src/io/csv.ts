/**
 * CSV to Arrow, streamed. The header row names the columns; types are inferred from the first
 * `INFER_ROWS` rows: Int64 when every value is an integer that fits, Float64 when every value is a
 * number, Bool for true/false, Utf8 otherwise. An empty field is null. A later value that does not fit
 * the inferred type is an error naming the row, column and value (the store is left unchanged).
 *
 * The file must be UTF-8 text (a NUL byte or an invalid sequence is an error naming its byte offset:
 * binary data is not a CSV), and every row must have as many fields as the header. Every problem is a
 * `MalformedFileError` naming the file and the line.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Transform, type TransformCallback } from 'node:stream';

import { Bool, Field, Float64, Int64, RecordBatch, Schema, Table, Utf8, makeBuilder, type DataType } from 'apache-arrow';
import { parse } from 'csv-parse';

import { InvalidArgumentError, MalformedFileError, isArmillariaError } from '../errors.js';
import type { TableSource } from '../table/source.js';

const INFER_ROWS = 10_000;
const BATCH_ROWS = 65_536;
const INT_RE = /^[-+]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Kind = 'int' | 'float' | 'bool' | 'string';

function kindOf(v: string): Kind {
  if (INT_RE.test(v)) {
    const n = BigInt(v);
    return n >= INT64_MIN && n <= INT64_MAX ? 'int' : 'float';
  }
  if (v.trim() !== '' && !Number.isNaN(Number(v))) return 'float';
  if (v === 'true' || v === 'false') return 'bool';
  return 'string';
}

const WIDEN: Record<Kind, Record<Kind, Kind>> = {
  int: { int: 'int', float: 'float', bool: 'string', string: 'string' },
  float: { int: 'float', float: 'float', bool: 'string', string: 'string' },
  bool: { int: 'string', float: 'string', bool: 'bool', string: 'string' },
  string: { int: 'string', float: 'string', bool: 'string', string: 'string' },
};

const TYPE: Record<Kind, () => DataType> = {
  int: () => new Int64(),
  float: () => new Float64(),
  bool: () => new Bool(),
  string: () => new Utf8(),
};

function convert(kind: Kind, v: string): unknown {
  switch (kind) {
    case 'int':
      if (!INT_RE.test(v)) return undefined;
      return BigInt(v);
    case 'float': {
      const n = Number(v);
      return v.trim() === '' || Number.isNaN(n) ? (v === 'NaN' ? NaN : undefined) : n;
    }
    case 'bool':
      return v === 'true' ? true : v === 'false' ? false : undefined;
    case 'string':
      return v;
  }
}

/** Passes bytes through once they are known to be UTF-8 text without NUL characters. */
class TextCheck extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset = 0;

  constructor(private readonly path: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const nul = chunk.indexOf(0);
    if (nul >= 0) return done(new MalformedFileError(this.path, 'CSV', `byte ${this.offset + nul} is a NUL character (binary data, not text)`));
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch (e) {
      return done(new MalformedFileError(this.path, 'CSV', `it is not UTF-8 text (an invalid byte sequence within bytes ${this.offset}-${this.offset + chunk.length - 1})`, { cause: e }));
    }
    this.offset += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
      done();
    } catch (e) {
      done(new MalformedFileError(this.path, 'CSV', 'it ends inside a UTF-8 sequence', { cause: e }));
    }
  }
}

/** The parser's error as a `MalformedFileError` naming the line (csv-parse errors carry `lines`). */
function parseError(path: string, e: unknown): unknown {
  if (isArmillariaError(e)) return e;
  const err = e as { code?: string; lines?: number; message?: string };
  if (typeof err?.code !== 'string' || !err.code.startsWith('CSV_')) return e;
  const lengths = /expect (\d+), got (\d+)/.exec(err.message ?? '');
  const reason = lengths
    ? `it has ${lengths[2]} field(s) where the header has ${lengths[1]}`
    : (err.message ?? err.code).replace(/ (on|at) line \d+$/, '');
  return new MalformedFileError(path, 'CSV', `line ${err.lines ?? '?'}: ${reason}`, { cause: e });
}

/** Opens `path` as a stream of record batches with an inferred schema. */
export async function readCsv(path: string): Promise<TableSource> {
  const parser = parse({ bom: true, relax_column_count: false });
  // pipeline, not pipe: an error of any stage reaches the parser, whose iterator then throws it.
  pipeline(createReadStream(path), new TextCheck(path), parser, () => undefined);
  const parsed = parser[Symbol.asyncIterator]();
  const rows = {
    next: async (): Promise<IteratorResult<string[]>> => {
      try {
        return (await parsed.next()) as IteratorResult<string[]>;
      } catch (e) {
        throw parseError(path, e);
      }
    },
  };
  const first = await rows.next();
  if (first.done) throw new InvalidArgumentError(`csv: ${path} is empty (expected a header row)`);
  const header = first.value as string[];
  const sample: string[][] = [];
  while (sample.length < INFER_ROWS) {
    const r = await rows.next();
    if (r.done) break;
    sample.push(r.value as string[]);
  }
  const kinds = header.map((_, c) => {
    let k: Kind | undefined;
    for (const row of sample) {
      const v = row[c] ?? '';
      if (v !== '') k = k ? WIDEN[k][kindOf(v)] : kindOf(v);
    }
    return k ?? 'string';
  });
  const schema = new Schema(header.map((name, c) => new Field(name, TYPE[kinds[c]!](), true)));

  async function* batches(): AsyncIterable<RecordBatch> {
    let builders = schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null] }));
    let n = 0;
    let line = 1;
    const flush = (): RecordBatch => {
      const vectors = Object.fromEntries(schema.fields.map((f, c) => [f.name, builders[c]!.finish().toVector()]));
      builders = schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null] }));
      n = 0;
      return new Table(schema, new Table(vectors).batches).batches[0]!;
    };
    const add = (row: string[]): void => {
      line++;
      row.forEach((v, c) => {
        if (v === '') return builders[c]!.append(null);
        const x = convert(kinds[c]!, v);
        if (x === undefined) {
          throw new MalformedFileError(path, 'CSV', `line ${line}, column "${header[c]}": ${JSON.stringify(v)} is not ${kinds[c]} (type inferred from the first ${INFER_ROWS} rows)`);
        }
        builders[c]!.append(x);
      });
      n++;
    };
    for (const row of sample) {
      add(row);
      if (n >= BATCH_ROWS) yield flush();
    }
    for (let r = await rows.next(); !r.done; r = await rows.next()) {
      add(r.value as string[]);
      if (n >= BATCH_ROWS) yield flush();
    }
    if (n > 0) yield flush();
  }
  return { schema, batches: batches() };
}
