/**
 * One colour per phase, shared by the charts and the HTML legend: Armillaria's phases as a blue ramp
 * (lighter = earlier on the ladder), Delta Lake in a contrasting orange.
 */
import { DELTA_PHASE, PHASE_ORDER } from './result-key.js';

const LADDER_COLOURS = ['#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'] as const;
const DELTA_COLOUR = '#e6550d';
const OTHER_COLOUR = '#8c8c8c';

/** Colour of a phase (`delta` for Delta Lake). */
export function phaseColour(phase: string): string {
  if (phase === DELTA_PHASE) return DELTA_COLOUR;
  const i = (PHASE_ORDER as readonly string[]).indexOf(phase);
  return LADDER_COLOURS[i] ?? OTHER_COLOUR;
}

/** Display name of a phase: `Delta Lake` for Delta, the phase name otherwise. */
export function phaseLabel(phase: string): string {
  return phase === DELTA_PHASE ? 'Delta Lake' : phase;
}
