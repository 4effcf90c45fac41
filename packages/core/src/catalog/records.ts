/**
 * Small JSON documents kept as backend records (`readRecord` / `compareAndSwapRecord`): the store's
 * mutable state outside refs, such as expired history (expiry.ts) and pending merges
 * (pending-merge.ts). Each carries a format number, is read whole and replaced by compare-and-swap.
 */
import type { ObjectBackend } from '../backend/backend.js';
import { CorruptObjectError, UnsupportedVersionError } from '../errors.js';

/**
 * Record `name` parsed, or undefined when absent, with its text for a compare-and-swap.
 * @throws {CorruptObjectError} not a JSON object @throws {UnsupportedVersionError} another format
 */
export async function readJsonRecord<T extends object>(backend: ObjectBackend, name: string, format: number): Promise<{ state: T | undefined; text: string | undefined }> {
  const text = await backend.readRecord(name);
  if (text === undefined) return { state: undefined, text };
  let state: { format?: unknown };
  try {
    state = JSON.parse(text) as typeof state;
  } catch (e) {
    throw new CorruptObjectError('record', name, 'not valid JSON', { cause: e });
  }
  if (!state || typeof state !== 'object') throw new CorruptObjectError('record', name, 'not a JSON object');
  if (state.format !== format) throw new UnsupportedVersionError('record', name, state.format, format);
  return { state: state as T, text };
}
