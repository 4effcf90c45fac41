/**
 * @armillaria/core/internals — the engine's parts, for the benchmark harness, tests and tools: the
 * chunk store and the object-I/O port, the phases, content hashing, manifests and commits. No
 * stability promise: these change with the engine. Users want the root export (`@armillaria/core`).
 * @packageDocumentation
 */
export { ChunkStore } from './chunk-store/chunk-store.js';
export { LocalBackend } from './backend/local-backend.js';
export type { ObjectBackend, PutResult } from './backend/backend.js';
export { hashBytes, isContentHash, type ContentHash } from './hash/content-hash.js';
export { PHASES, resolvePhase, parsePhase } from './phases/registry.js';
export type { Phase, PhaseRuntime } from './phases/types.js';
export { nativeInfo, type NativeInfo } from './phases/native-binding.js';
export { combineBatches } from './table/concat.js';
export { takeBatch } from './table/select-rows.js';
export { validateName } from './catalog/names.js';
export { fromNativeError } from './errors.js';
export type { ChunkStats, ColumnStats, StatValue } from './table/stats.js';
export type { Manifest, ChunkRef } from './catalog/manifest.js';
