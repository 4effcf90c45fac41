/**
 * Manifests and commits are stored as canonical JSON in the same content-addressed store as chunks,
 * so their ids are Merkle hashes: a commit id covers every table, manifest and chunk it reaches.
 */
import type { ChunkStore, PutGroup } from '../chunk-store/chunk-store.js';
import { ErrorCode, ObjectNotFoundError, WrappedError, isArmillariaError } from '../errors.js';

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

/** Reads object `id` and checks it is a JSON object of the given `type`. */
export async function getJson<T extends { type: string }>(
  store: ChunkStore,
  id: string,
  type: T['type'],
  options: { verify?: boolean } = {},
): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(id, options);
  } catch (e) {
    if (isArmillariaError(e) && e.code === ErrorCode.ChunkNotFound) throw new ObjectNotFoundError(type, id);
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new WrappedError(ErrorCode.CorruptChunk, `catalog: object ${id} is not valid JSON (expected a ${type})`, { cause: e });
  }
  if (!value || typeof value !== 'object' || (value as { type?: unknown }).type !== type) {
    throw new WrappedError(ErrorCode.CorruptChunk, `catalog: object ${id} is not a ${type}`);
  }
  return value as T;
}
