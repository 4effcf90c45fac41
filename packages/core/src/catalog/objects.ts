/**
 * Manifests and commits are stored as canonical JSON in the same content-addressed store as chunks,
 * so their ids are Merkle hashes: a commit id covers every table, manifest and chunk it reaches.
 */
import type { ChunkStore, PutGroup } from '../chunk-store/chunk-store.js';
import { CorruptObjectError, ErrorCode, ObjectNotFoundError, isArmillariaError } from '../errors.js';

/** JSON with object keys sorted at every level: the same value always gives the same bytes and id. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** Stores `value` as canonical JSON and returns its id; within `group`, once the write has started. */
export async function putJson(store: ChunkStore, value: { type: string }, group?: PutGroup): Promise<string> {
  const bytes = Buffer.from(canonicalJson(value), 'utf8');
  return group ? group.put(bytes) : (await store.put(bytes)).id;
}

/**
 * Reads object `id`, always verified against its id, and checks it is a JSON object of the given
 * `type`; `check` then names what is wrong with its fields, if anything (a reader must not trust a
 * shape it did not check: an object of another type or version can hash right).
 * @throws {ObjectNotFoundError} @throws {CorruptChunkError} @throws {CorruptObjectError}
 */
export async function getJson<T extends { type: string }>(
  store: ChunkStore,
  id: string,
  type: T['type'],
  check: (value: T) => string | undefined = () => undefined,
): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(id, { kind: type });
  } catch (e) {
    if (isArmillariaError(e) && e.code === ErrorCode.ChunkNotFound) throw new ObjectNotFoundError(type, id);
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new CorruptObjectError(type, id, 'not valid JSON', { cause: e });
  }
  if (!value || typeof value !== 'object' || (value as { type?: unknown }).type !== type) {
    throw new CorruptObjectError(type, id, `not a ${type} (type ${JSON.stringify((value as { type?: unknown } | null)?.type)})`);
  }
  const problem = check(value as T);
  if (problem !== undefined) throw new CorruptObjectError(type, id, problem);
  return value as T;
}
