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
 */
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
 * Resolves a request to a registered, runnable phase.
 * @throws {NativeUnavailableError} an explicitly requested phase needs the addon and it cannot load
 * @throws {InvalidArgumentError} an unknown or not-yet-implemented phase
 */
export function resolvePhase(requested: string | undefined = process.env.ARMILLARIA_PHASE): Phase {
  const request = parsePhase(requested && requested.length > 0 ? requested : 'auto');
  if (request === 'auto') {
    const native = nativeStatus().available;
    for (const name of [...PHASE_ORDER].reverse()) {
      const phase = PHASES[name];
      if (!phase.needsNative || native) return phase;
    }
    return sequential;
  }
  const phase = PHASES[request];
  if (phase.needsNative) {
    const status = nativeStatus();
    if (!status.available) throw new NativeUnavailableError(`phase "${request}"`, status.errors, { cause: status.cause });
  }
  return phase;
}
