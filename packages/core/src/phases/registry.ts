/**
 * The phase registry and selection. Precedence: explicit option > env ARMILLARIA_PHASE > 'auto'.
 * 'auto' picks the last phase in PHASE_ORDER that is registered and whose requirements are met.
 *
 * Phases are cumulative presets; each file says what it changes relative to the previous one.
 *
 * | phase          | writes: encode / store               | reads: fetch / decode                   | pushdown |
 * |----------------|--------------------------------------|-----------------------------------------|----------|
 * | sequential     | wasm / one object at a time (TS)     | one at a time (TS) / wasm               | no       |
 * | batch          | wasm / native openPutStream (pool)   | native getChunksInto (parallel) / wasm  | no       |
 * | mmap           | wasm / native openPutStream          | native mapChunksInto (zero-copy) / wasm | no       |
 * | parallel-parse | wasm / native openPutStream          | mapChunksInto / native decodeChunks     | no       |
 * | native-parquet | native writeTable (all of it)        | native readTable (all of it)            | no       |
 * | pushdown       | native writeTable                    | native readTable                        | yes      |
 *
 * On a store that is not a local directory (S3), the native I/O of these paths (`openPutStream`,
 * `getChunksInto`, `writeTable`, `readTable`) is replaced by the port's (port-io.ts: puts and
 * parallel gets), and Parquet stays where the phase does it: `batch` writes as `sequential` and
 * fetches in parallel, `parallel-parse` decodes with `decodeChunks`, `native-parquet` and `pushdown`
 * encode with `encodeChunks` and decode with `decodeChunks`. `mmap` maps files, so it needs a local
 * store; `auto` then takes `pushdown`.
 */
import type { ObjectBackend } from '../backend/backend.js';
import { InvalidArgumentError, NativeUnavailableError } from '../errors.js';
import { nativeStatus } from '../native.js';
import { batch } from './batch.js';
import { mmap } from './mmap.js';
import { nativeParquet } from './native-parquet.js';
import { parallelParse } from './parallel-parse.js';
import { pushdown } from './pushdown.js';
import { sequential } from './sequential.js';
import { PHASE_ORDER, type Phase, type PhaseName } from './types.js';

export const PHASES: Record<PhaseName, Phase> = {
  sequential,
  batch,
  mmap,
  'parallel-parse': parallelParse,
  'native-parquet': nativeParquet,
  pushdown,
};

export type PhaseRequest = PhaseName | 'auto';

/** Validates a phase name given by a user, listing the legal values on error. */
export function parsePhase(value: string): PhaseRequest {
  if (value === 'auto' || (PHASE_ORDER as readonly string[]).includes(value)) return value as PhaseRequest;
  throw new InvalidArgumentError(`phases: invalid phase ${JSON.stringify(value)}: expected one of auto, ${PHASE_ORDER.join(', ')}`);
}

/**
 * Resolves a request to a registered phase that can run on `backend` (any store when omitted).
 * @throws {NativeUnavailableError} an explicitly requested phase needs the addon and it cannot load
 * @throws {InvalidArgumentError} an unknown phase, or one that maps files asked of a store that is not local
 */
export function resolvePhase(requested: string | undefined = process.env.ARMILLARIA_PHASE, backend?: Pick<ObjectBackend, 'localRoot' | 'location'>): Phase {
  const request = parsePhase(requested && requested.length > 0 ? requested : 'auto');
  const local = !backend || backend.localRoot !== undefined;
  if (request === 'auto') {
    const native = nativeStatus().available;
    for (const name of [...PHASE_ORDER].reverse()) {
      const phase = PHASES[name];
      if ((!phase.needsNative || native) && (!phase.needsLocalFiles || local)) return phase;
    }
    return sequential;
  }
  const phase = PHASES[request];
  if (phase.needsNative) {
    const status = nativeStatus();
    if (!status.available) throw new NativeUnavailableError(`phase "${request}"`, status.errors, { cause: status.cause });
  }
  if (phase.needsLocalFiles && !local) {
    const usable = PHASE_ORDER.filter((n) => !PHASES[n].needsLocalFiles).join(', ');
    throw new InvalidArgumentError(`phases: phase "${request}" maps chunk files and needs a store in a local directory; ${backend!.location} is not one (use one of ${usable})`);
  }
  return phase;
}
