import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these values, so changes are deliberate', () => {
    expect(Object.keys(api).sort()).toEqual([
      'COMPETITORS',
      'DEFAULT_TITLE',
      'DEFAULT_TOLERANCE',
      'PHASE_ORDER',
      'ResultsFileError',
      'SCHEMA_VERSION',
      'THROUGHPUT_CASES',
      'aggregate',
      'buildHistory',
      'buildRatioHistory',
      'evaluateGoals',
      'findRatioSteps',
      'findRegressions',
      'geometricMean',
      'keyId',
      'loadRuns',
      'renderCharts',
      'renderHtml',
      'renderReport',
      'resultKey',
      'sortRuns',
      'speedup',
      'throughputOf',
      'validateRunFile',
      'writeReport',
    ]);
  });
});
