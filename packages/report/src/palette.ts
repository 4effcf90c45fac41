/**
 * One colour per phase, shared by the charts and the HTML legend: Armillaria's phases as a blue ramp
 * (lighter = earlier on the ladder), the competing engines in contrasting warm colours.
 */
import { PHASE_ORDER } from './result-key.js';
import type { Competitor } from './schema.js';

const LADDER_COLOURS = ['#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'] as const;
const COMPETITOR_COLOURS: Record<Competitor, string> = { delta: '#e6550d', iceberg: '#756bb1', lance: '#31a354' };
const COMPETITOR_LABELS: Record<Competitor, string> = { delta: 'Delta Lake', iceberg: 'Iceberg', lance: 'Lance' };
const OTHER_COLOUR = '#8c8c8c';

/** Colour of a phase, or of a competing engine (`delta`, `iceberg`, `lance`). */
export function phaseColour(phase: string): string {
  const competitor = COMPETITOR_COLOURS[phase as Competitor];
  if (competitor) return competitor;
  const i = (PHASE_ORDER as readonly string[]).indexOf(phase);
  return LADDER_COLOURS[i] ?? OTHER_COLOUR;
}

/** Display name of a phase: the engine's name for a competitor (`Delta Lake`), the phase name otherwise. */
export function phaseLabel(phase: string): string {
  return COMPETITOR_LABELS[phase as Competitor] ?? phase;
}
