/**
 * The phase registry and selection. Precedence: explicit option > env ARMILLARIA_PHASE > 'auto'.
 * 'auto' picks the last phase in PHASE_ORDER that is registered and whose requirements are met.
 *
 * | phase          | chunk I/O                    | Parquet codec           |
 * |----------------|------------------------------|-------------------------|
 * | sequential     | one file at a time (TS)      | parquet-wasm, one chunk |
 *
 * Later phases (batch, mmap, parallel-parse, native-parquet, pushdown) register here, one file each.
 */
import { InvalidArgumentError, NativeUnavailableError } from '../errors.js';
import { nativeStatus } from '../native.js';
import { sequential } from './sequential.js';
import { PHASE_ORDER, type Phase, type PhaseName } from './types.js';

export const PHASES: Partial<Record<PhaseName, Phase>> = {
  sequential,
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
      if (phase && (!phase.needsNative || native)) return phase;
    }
    return sequential;
  }
  const phase = PHASES[request];
  if (!phase) {
    throw new InvalidArgumentError(
      `phases: phase "${request}" is not implemented yet (available: ${Object.keys(PHASES).join(', ')})`,
    );
  }
  if (phase.needsNative) {
    const status = nativeStatus();
    if (!status.available) throw new NativeUnavailableError(`phase "${request}"`, status.errors, { cause: status.cause });
  }
  return phase;
}
