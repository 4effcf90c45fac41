/**
 * @armillaria/bench: the benchmark harness as a library (the CLI is src/cli.ts). Explicit exports.
 */
export { tableChecksum, checksumKind, CHECKSUM_VERSION, type ChecksumKind } from './checksum.js';
export { filterRows, filterToString, type Filter, type FilterOp } from './filter.js';
export {
  arrowBytes,
  buildSeeded,
  ensureDataset,
  readManifest,
  readPayload,
  sha256Hex,
  MANIFEST_PATH,
  type LoadedDataset,
  type Manifest,
  type ManifestEntry,
} from './datasets/datasets.js';
export { DATASETS, datasetSpec, defaultDatasets, type DatasetSpec, type DatasetFamily } from './datasets/specs.js';
export type { Engine, Operation, OperationResult, SourceTable, Feature, EngineDescription } from './engines/engine.js';
export { NotImplementedError } from './engines/engine.js';
export { ArmillariaEngine } from './engines/armillaria.js';
export { DeltaEngine } from './engines/delta.js';
export { IcebergEngine } from './engines/iceberg.js';
export { LanceEngine } from './engines/lance.js';
export { PythonDriver, PythonEngine, driverPath, type Competitor } from './engines/python-engine.js';
export { CASES, CASE_NAMES, selectCases } from './cases/index.js';
export { runBench, assembleResult, loadDataset, type RunOptions } from './run.js';
export { makeRunFile, runFilePath, writeRunFile } from './results.js';
export {
  checkAgainstBaseline,
  deriveNoise,
  makeBaseline,
  makeBaselineFromRuns,
  ratiosOf,
  DEFAULT_TOLERANCE,
  DEFAULT_GEOMEAN_TOLERANCE,
  GATED_CASES,
  pairOf,
  type Baseline,
  type CheckOutcome,
  type NoiseReport,
} from './regression.js';
export { timingStats, mitataMeasure } from './measure.js';
export { ensureVenv, venvPython } from '@armillaria/testkit';
