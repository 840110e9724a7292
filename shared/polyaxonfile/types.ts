// The internal spec every polyaxonfile (v0.x or the current v1.1 format) is mapped to.
// The engine and the renderer code against these types only, never against raw YAML.

/** One validation error. `message` is the one-line form shown to users:
 *  `polyaxonfile.yml:14:7 hptuning.matrix.lr.logspace: expected [start, stop, num] with start < stop, found [0.1, 0.01, 5]` */
export interface SpecError {
  file: string;
  line: number; // 1-based; 0 when the error is not tied to a place (e.g. an unreadable file)
  column: number; // 1-based
  path: string; // dotted field path, e.g. `hptuning.matrix.lr.logspace`; '' for the whole document
  found: string;
  expected: string;
  message: string;
}

export type MatrixValue =
  | { kind: 'values'; values: unknown[] }
  | { kind: 'pvalues'; values: Array<[unknown, number]> }
  | { kind: 'range'; start: number; stop: number; step: number }
  | { kind: 'linspace'; start: number; stop: number; num: number }
  | { kind: 'logspace'; start: number; stop: number; num: number; base: number }
  | { kind: 'geomspace'; start: number; stop: number; num: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'quniform'; low: number; high: number; q: number }
  | { kind: 'loguniform'; low: number; high: number }
  | { kind: 'qloguniform'; low: number; high: number; q: number }
  | { kind: 'normal'; loc: number; scale: number }
  | { kind: 'qnormal'; loc: number; scale: number; q: number }
  | { kind: 'lognormal'; loc: number; scale: number }
  | { kind: 'qlognormal'; loc: number; scale: number; q: number };

export type MatrixKind = MatrixValue['kind'];
export type Optimization = 'maximize' | 'minimize';

export interface MetricTarget {
  name: string;
  optimization: Optimization;
}

/** Polyaxon's metric-threshold rule (SPEC §1.12) and the 0.5 policies. */
export interface EarlyStoppingRule {
  kind: 'metric' | 'median' | 'truncation' | 'failure';
  metric?: string;
  value?: number;
  optimization?: Optimization;
  evaluationInterval?: number;
  minInterval?: number;
  minSamples?: number;
  percent?: number;
}

export type SearchAlgorithm = 'grid' | 'random' | 'hyperband' | 'bo' | 'tpe' | 'asha' | 'mapping';

export interface SearchSpec {
  algorithm: SearchAlgorithm;
  concurrency: number; // default 1
  seed?: number; // a seed of 0 is treated as none (SPEC §1.9)
  /** Insertion order is file order; grid varies the last key fastest. */
  matrix: Record<string, MatrixValue>;
  nExperiments?: number; // grid: keep the first N; random: N unique suggestions
  mapping?: Array<Record<string, unknown>>; // matrix.kind: mapping
  metric?: MetricTarget; // the group's objective (hyperband/bo/tpe/asha; else from early stopping)
  hyperband?: {
    maxIter: number;
    eta: number;
    resource: { name: string; type: 'int' | 'float' };
    resume: boolean;
  };
  bo?: {
    nInitialTrials: number;
    nIterations: number;
    acquisition: 'ucb' | 'ei' | 'poi';
    kappa?: number;
    eps?: number;
    nWarmup: number;
    nIter: number;
    kernel: 'matern' | 'rbf';
    lengthScale: number;
    nu: number;
    nRestartsOptimizer: number;
  };
  /** Options of the algorithms Axon adds beyond Polyaxon (tpe, asha), as written. */
  options?: Record<string, unknown>;
  earlyStopping: EarlyStoppingRule[];
  /** What `axon check` should point out without refusing the file (e.g. a loss that is maximized). */
  warnings?: string[];
}

export interface ResourceBound {
  requests?: number | string;
  limits?: number | string;
}

export interface PodEnvironment {
  resources?: { cpu?: ResourceBound; memory?: ResourceBound; gpu?: ResourceBound; tpu?: ResourceBound };
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  tolerations?: Array<Record<string, unknown>>;
  /** v1: the replica's own other environment fields (labels, serviceAccountName…). A v0 replica has none of
   *  its own: it takes the experiment's (replicas.ts). */
  extra?: Record<string, unknown>;
}

export interface ReplicaSpec {
  nWorkers: number;
  nPs: number;
  defaultWorker?: PodEnvironment;
  defaultPs?: PodEnvironment;
  worker: Record<number, PodEnvironment>; // indexed entries replace the default wholesale
  ps: Record<number, PodEnvironment>;
  /** What TF_CONFIG calls the main task: `chief` for a v1 tfjob (as Kubeflow's TFJob, and TF 2's strategies
   *  require), else Polyaxon 0.x's `master`. */
  chiefName?: 'chief' | 'master';
}

export interface EnvironmentSpec extends PodEnvironment {
  replicas?: ReplicaSpec;
  /** Everything else the file set (persistence, outputs, secret_refs, ...), kept as written. */
  extra: Record<string, unknown>;
}

export interface BuildSpec {
  image?: string;
  dockerfile?: string;
  context?: string;
  buildSteps: string[];
  envVars: Array<[string, string]>;
  nocache: boolean;
  commit?: string;
  branch?: string;
  /** Added by the parser: the builder (`native|kaniko`), 0.5's `lang_env`, the build pod's environment. */
  backend?: string;
  langEnv?: string;
  environment?: EnvironmentSpec;
}

/** A typed input/output (v0.5 `inputs`/`outputs`, v1 component `inputs`/`outputs`). Added by the parser. */
export interface IOSpec {
  name: string;
  description?: string;
  type?: string;
  /** The default (0.5 `default`, v1 `value`). */
  value?: unknown;
  isOptional: boolean;
  isList: boolean;
  /** A flag renders as `--name` when true and as nothing when false. */
  isFlag: boolean;
  options?: unknown[];
}

/** Where a field of the merged files was written (1-based). Added by the parser. */
export interface SourcePlace {
  file: string;
  line: number;
  column: number;
}

export type SpecKind = 'experiment' | 'group' | 'job' | 'build' | 'notebook' | 'tensorboard';

export interface ParsedSpec {
  format: 'v0' | 'v1';
  kind: SpecKind;
  /** v1 run.kind when the file was a component/operation (job, tfjob, pytorchjob, mpijob, ...). */
  runKind?: string;
  version: number | string;
  name?: string;
  description?: string;
  tags: string[];
  logging?: { level: string; formatter?: string };
  backend?: string;
  framework?: string;
  /** Declarations/params after self-rendering, coercion and `-P` overrides. */
  params: Record<string, unknown>;
  hptuning?: SearchSpec;
  environment?: EnvironmentSpec;
  /** build and run stay as written (templates): they are rendered per experiment with its params. */
  rawBuild?: unknown;
  rawRun?: unknown;
  /** The merged document, as written, for "the spec as run" and for re-rendering. */
  raw: Record<string, unknown>;
  files: string[];
  /** Added by the parser. Typed inputs/outputs, when the file declares them. */
  inputs?: IOSpec[];
  outputs?: IOSpec[];
  /** Added by the parser. The params before rendering (declarations as written, `-P` applied): the
   *  renderer merges each experiment's matrix suggestion under these and renders them again. */
  rawParams?: Record<string, unknown>;
  /** Params whose value is only a typed input's default (a matrix value for them wins). */
  paramDefaults?: string[];
  /** Added by the parser. v1: the document path of the container whose command/args/image are run. */
  containerPath?: Array<string | number>;
  /** Added by the parser. Where each field was written, keyed by `JSON.stringify(path)`, so errors found
   *  when rendering later still point into the files. */
  positions?: Record<string, SourcePlace>;
}

/** What one experiment runs, after rendering the templates with its params. */
export interface RenderedExperiment {
  params: Record<string, unknown>;
  cmd?: string; // run.cmd joined with ' && ', continuations resolved
  build?: BuildSpec;
  environment?: EnvironmentSpec;
  framework?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: SpecError[] };
