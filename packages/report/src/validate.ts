/**
 * Structural check of one results file. It is not a full JSON Schema: it checks what the report relies on,
 * so that a malformed file fails here with its name and field path, not later as a blank cell.
 */
import { COMPETITORS, SCHEMA_VERSION, type RunFile } from './schema.js';

const STATUSES = ['ok', 'not-implemented', 'rejected', 'error'] as const;
const ENGINES = ['armillaria', ...COMPETITORS] as const;

/** A results file that cannot be read, parsed or trusted; `file` names it. */
export class ResultsFileError extends Error {
  readonly code = 'ARM_RESULTS_INVALID';
  readonly file: string;

  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(`report: ${file}: ${detail}`, options);
    this.name = 'ResultsFileError';
    this.file = file;
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check that `value` (parsed JSON) is a `RunFile` of the supported schema version.
 *
 * @param value - parsed JSON of one results file
 * @param file - the file's path, used in error messages
 * @returns the same value, typed
 * @throws {ResultsFileError} on an unsupported `schemaVersion` or a missing/mistyped field
 */
export function validateRunFile(value: unknown, file: string): RunFile {
  const fail = (detail: string): never => {
    throw new ResultsFileError(file, detail);
  };
  if (!isObject(value)) return fail('expected a JSON object');
  if (value.schemaVersion !== SCHEMA_VERSION) {
    fail(`schemaVersion ${JSON.stringify(value.schemaVersion)} is not supported (this report reads ${SCHEMA_VERSION})`);
  }
  const need = (obj: Json, path: string, field: string, type: 'string' | 'number' | 'boolean'): void => {
    if (typeof obj[field] !== type) fail(`${path}${field} must be a ${type} (got ${JSON.stringify(obj[field])})`);
  };
  need(value, '', 'runId', 'string');
  need(value, '', 'date', 'string');
  if (Number.isNaN(Date.parse(value.date as string))) fail(`date ${JSON.stringify(value.date)} is not an ISO 8601 date`);
  need(value, '', 'quick', 'boolean');
  const { machine, versions, results } = value;
  if (!isObject(machine)) return fail('machine must be an object');
  need(machine, 'machine.', 'name', 'string');
  need(machine, 'machine.', 'cpu', 'string');
  need(machine, 'machine.', 'cores', 'number');
  need(machine, 'machine.', 'ramBytes', 'number');
  need(machine, 'machine.', 'os', 'string');
  if (!isObject(versions)) return fail('versions must be an object');
  need(versions, 'versions.', 'armillaria', 'string');
  need(versions, 'versions.', 'node', 'string');
  if (!Array.isArray(results)) return fail('results must be an array');
  results.forEach((r: unknown, i) => {
    const at = `results[${i}].`;
    if (!isObject(r)) return fail(`results[${i}] must be an object`);
    if (!ENGINES.includes(r.engine as never)) {
      fail(`${at}engine must be one of ${ENGINES.join(', ')} (got ${JSON.stringify(r.engine)})`);
    }
    need(r, at, 'phase', 'string');
    need(r, at, 'case', 'string');
    if (!STATUSES.includes(r.status as never)) {
      fail(`${at}status must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(r.status)})`);
    }
    if (!isObject(r.dataset)) return fail(`${at}dataset must be an object`);
    need(r.dataset, `${at}dataset.`, 'name', 'string');
    need(r.dataset, `${at}dataset.`, 'rows', 'number');
    need(r.dataset, `${at}dataset.`, 'bytes', 'number');
    if (!isObject(r.config)) fail(`${at}config must be an object`);
    if (!Array.isArray(r.tries)) fail(`${at}tries must be an array`);
    if (r.status === 'ok') {
      // An ok result without timings would render as an empty cell that looks like "not run".
      if (!isObject(r.stats)) return fail(`${at}stats is required when status is ok`);
      for (const f of ['min', 'median', 'max'] as const) need(r.stats, `${at}stats.`, f, 'number');
    }
    return undefined;
  });
  return value as unknown as RunFile;
}
