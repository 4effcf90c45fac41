/**
 * The results format shared by `@armillaria/bench` (writer) and `@armillaria/report` (reader).
 *
 * One `RunFile` per `pnpm bench` invocation, stored as
 * `results/<YYYY-MM-DD>/<machine>/run-<HHMMSS>-<gitsha7>.json`. Old files are kept; the report takes the
 * latest result per key (engine, phase, case, dataset) for its tables and all runs for history.
 * Bump `SCHEMA_VERSION` on any incompatible change.
 */
export const SCHEMA_VERSION = 1;

/** Where a run happened: enough to know whether two numbers are comparable. */
export interface MachineInfo {
  /** Short stable label, e.g. the hostname or `ARMILLARIA_MACHINE`. */
  name: string;
  cpu: string;
  cores: number;
  ramBytes: number;
  os: string;
  /** Filesystem type of the benchmark directory, when known. */
  fs?: string;
}

/** Software versions; every result carries them so later runs can be compared honestly. */
export interface VersionInfo {
  /** Git commit of the Armillaria checkout (full sha, `-dirty` suffix when uncommitted changes). */
  armillaria: string;
  node: string;
  rustc?: string;
  python?: string;
  deltalake?: string;
  pyiceberg?: string;
  pylance?: string;
  pyarrow?: string;
  parquetWasm?: string;
  apacheArrow?: string;
}

/** Timing summary in milliseconds over the measured tries (warm-ups excluded). */
export interface TimingStats {
  min: number;
  median: number;
  max: number;
  mean: number;
  samples: number;
}

export type ResultStatus =
  /** Measured; for reads, the output was checked against the input (rows + content checksum). */
  | 'ok'
  /** The feature this case needs has not landed in that engine yet; never faked. */
  | 'not-implemented'
  /** Measured but the output did not match the input; the numbers must not be shown as valid. */
  | 'rejected'
  /** The case failed to run; `error` says why. */
  | 'error';

/** The engines Armillaria is measured against, in the order the report shows them. */
export const COMPETITORS = ['delta', 'iceberg', 'lance'] as const;
export type Competitor = (typeof COMPETITORS)[number];

export interface BenchResult {
  engine: 'armillaria' | Competitor;
  /** Armillaria phase name (`sequential`, `batch`, ...), or the competitor's name (`delta`, `iceberg`, `lance`). */
  phase: string;
  /** `write`, `read`, `read-projection`, `read-filter`, `append`, `versions`, `time-travel`, `branch`, ... */
  case: string;
  dataset: {
    name: string;
    rows: number;
    /** Arrow in-memory bytes of the input table: the numerator of every throughput figure. */
    bytes: number;
    sha256: string;
  };
  /**
   * Optional label that tells apart results sharing engine, phase, case, dataset and codec but measuring a
   * different parameter, e.g. `tables=1000` for branch creation over 1,000 tables. Part of the report's key.
   */
  variant?: string;
  /** Settings that change the numbers: codec, threads, chunkRows, ... */
  config: Record<string, string | number | boolean>;
  status: ResultStatus;
  error?: string;
  /**
   * Every measured try, in order; `cold` marks the first try after dropping caches, or 'lukewarm'.
   * `requests`: what the try sent to object storage, by S3 operation, where the engine counts them.
   * `cpuMs`: CPU time of the engine's process (every thread) over the same region as `internalMs`.
   */
  tries: { ms: number; internalMs?: number; cpuMs?: number; cold?: 'true' | 'lukewarm'; requests?: Record<string, number> }[];
  stats?: TimingStats;
  /** Statistics of the measured tries' `cpuMs`, when every one has it. */
  cpuStats?: TimingStats;
  /** dataset.bytes / stats.median, in MB/s (10^6 bytes). */
  throughputMBps?: number;
  /** Peak resident set size of the process that did the work during this case. */
  rssPeakBytes?: number;
  /** Bytes on disk after the workload, and dedup as DESIGN.md defines it. */
  storage?: {
    bytes: number;
    versions?: number;
    /** 1 - stored / (versions * stored size of one version). */
    dedup?: number;
    /** The original system's formula (divides by in-memory size); shown only as a labelled continuity figure. */
    continuityDedup?: number;
  };
  /**
   * Case-specific numbers, e.g. `refBytes` for branch creation; on object storage `requests` and
   * `requests.<Operation>`, the medians over the tries.
   */
  extra?: Record<string, number | string>;
}

export interface RunFile {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  /** ISO 8601 start time of the run. */
  date: string;
  /** `true` for `pnpm bench --quick` (small sizes); quick and full runs are not compared with each other. */
  quick: boolean;
  machine: MachineInfo;
  versions: VersionInfo;
  results: BenchResult[];
}
