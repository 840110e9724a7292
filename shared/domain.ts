// Domain types that cross the API: what the engine returns and the renderer shows.
import type { ExperimentStatus, GroupStatus, JobStatus } from './statuses';
import type { SearchSpec } from './polyaxonfile/types';

export interface Project {
  id: number;
  name: string;
  description: string;
  codePath: string | null;
  createdAt: string;
  experimentCount?: number;
  groupCount?: number;
}

export interface CodeRef {
  kind: 'git' | 'hash';
  commit: string | null;
  branch: string | null;
  remote: string | null;
  dirty: boolean;
  /** The uncommitted diff, cut at DIFF_LIMIT_BYTES (engine/code/snapshot.ts); `diffTruncated` says so. */
  diff: string | null;
  diffTruncated: boolean;
  contentHash: string | null;
  fileCount: number | null;
}

export interface Experiment {
  id: number;
  projectId: number;
  projectName: string;
  groupId: number | null;
  name: string | null;
  status: ExperimentStatus;
  statusReason: string | null;
  statusMessage: string | null;
  backend: string;
  /** The image a container backend ran it in (built or reused), null for local processes. */
  image: string | null;
  cmd: string | null;
  params: Record<string, unknown>;
  tags: string[];
  runDir: string;
  codePath: string;
  originalId: number | null;
  cloningStrategy: 'restart' | 'resume' | 'copy' | null;
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The last value of each metric (by step). */
  lastMetrics: Record<string, number>;
  /** The smallest and the largest value each metric reported. */
  minMetrics: Record<string, number>;
  maxMetrics: Record<string, number>;
  code?: CodeRef | null;
}

/** One job of an experiment: the single process or container, or one replica of a distributed run. */
export interface JobInfo {
  id: number;
  role: string;
  index: number;
  status: JobStatus;
  statusReason: string | null;
  pid: number | null;
  /** The container id (Docker) when the job runs in a container. */
  container: string | null;
  /** Kubernetes: where the job's pod runs (the node once it is scheduled). */
  pod: { context: string; namespace: string; name: string; node: string | null } | null;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  logPath: string;
  logBytes: number;
}

/** A folder as the project picker sees it (`system.folder`). */
export interface FolderInfo {
  path: string;
  parent: string | null;
  /** Sub-folders (not hidden, not node_modules), sorted; at most 1,000, `moreDirs` counts the rest. */
  dirs: string[];
  moreDirs: number;
  /** Polyaxonfiles at its top: the names `axon run` looks for first, then YAML files that read like one. */
  polyaxonfiles: string[];
  git: { root: string; commit: string | null; branch: string | null; dirty: boolean } | null;
  /** A valid project name made from the folder's name. */
  suggestedName: string | null;
}

export interface SpecFileText {
  name: string;
  text: string;
}

/** How the code of two experiments differs (`experiments.codeDiff`). */
export interface CodeDiff {
  base: number;
  other: number;
  /** Same commit and same uncommitted changes (git), or the same content hash. */
  same: boolean;
  /** `git diff base-commit other-commit` ('' for the same commit; null when it could not be computed). */
  commitDiff: string | null;
  /** The commit diff was cut at 1 MiB. */
  truncated: boolean;
  /** Why there is no diff, or what it is (same commit, no git). */
  note: string | null;
  /** Each one's uncommitted changes as recorded when it ran. */
  baseUncommitted: string | null;
  otherUncommitted: string | null;
}

/** A bounded look at one output file (`experiments.outputFile`). */
export interface OutputPreview {
  /** Relative to the run's outputs folder. */
  path: string;
  absolutePath: string;
  size: number;
  kind: 'text' | 'image' | 'binary';
  /** The first bytes of a text file (UTF-8). */
  text?: string;
  /** An image, whole, as a data: URL. */
  dataUrl?: string;
  /** Only the start of the file was read (text), or it was too big to send (image). */
  truncated: boolean;
}

export interface GroupProgress {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  stopped: number;
  done: number;
}

export interface Group {
  id: number;
  projectId: number;
  projectName: string;
  name: string | null;
  status: GroupStatus;
  statusMessage: string | null;
  algorithm: SearchSpec['algorithm'];
  concurrency: number;
  metric: { name: string; optimization: 'maximize' | 'minimize' } | null;
  progress: GroupProgress;
  /** How many experiments the search makes in all, as planned (iterative searches create them as results
   *  arrive); `atMost` for ASHA, which may stop promoting early. Absent when it cannot be told. */
  planned?: { total: number; atMost: boolean } | null;
  bestExperimentId: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StatusRecord {
  status: string;
  reason: string | null;
  message: string | null;
  at: string;
}

export interface MetricPoint {
  key: string;
  step: number;
  ts: number; // unix seconds
  value: number;
}

export interface LogChunk {
  experimentId: number;
  /** Which job's log (a distributed experiment has one per replica). */
  jobId: number;
  offset: number; // byte offset of `text` in the log file
  nextOffset: number;
  text: string;
}

export interface EngineInfo {
  version: string;
  home: string;
  pid: number;
  startedAt: string;
  backends: Array<{ name: string; available: boolean; detail: string }>;
}

export interface GpuUse {
  index: number;
  name: string;
  utilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

/** One job's resources at one moment. Fields a backend cannot measure are null. */
export interface ResourceSample {
  experimentId: number;
  jobId: number;
  ts: number; // unix seconds
  cpuPercent: number | null; // 100 = one CPU busy
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
  /** This machine's GPUs (nvidia-smi), when it has any. */
  gpus: GpuUse[] | null;
}

/** A metric series as charts draw it: downsampled by the engine, with a min/max band per point. */
export interface MetricSeries {
  key: string;
  total: number;
  points: Array<{ step: number; ts: number; value: number; min: number; max: number }>;
}

export interface MachineInfo {
  platform: string;
  cpus: number;
  memoryBytes: number;
  freeMemoryBytes: number;
  gpus: GpuUse[] | null;
}
