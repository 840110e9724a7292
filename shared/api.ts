// The single contract between the engine and every transport (in-process, HTTP + WebSocket, Electron IPC).
// Each method: name `domain.verb`, a zod input schema, and a result type. Transports are generated from
// `methods` and never hand-written per method.
import { z } from 'zod';
import type {
  EngineInfo,
  Experiment,
  Group,
  JobInfo,
  LogChunk,
  MetricPoint,
  Project,
  StatusRecord,
  CodeRef,
  ResourceSample,
  MetricSeries,
  MachineInfo,
  OutputPreview,
  CodeDiff,
  FolderInfo,
  SpecFileText,
} from './domain';
import type { SpecError } from './polyaxonfile/types';
import { experimentPageInput, type ExperimentPage } from './experiment-page';
import type { GroupCurves, GroupImportance } from './sweep-insights';
import {
  settingsPatch,
  type AxonPodsView,
  type KubeContextDetails,
  type KubeContextList,
  type PodEvent,
  type SettingsView,
} from './clusters';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE, authMethods, type AuthResults } from './auth';

const id = z.number().int().positive();
const fileText = z.object({ name: z.string().min(1), text: z.string() });

/** A project name, the same rule at every entry point (CLI, dashboard, HTTP): it names folders and labels. */
export const PROJECT_NAME_RULE = '1 to 64 ASCII letters, digits, _ . - (starting with a letter or digit)';
const projectName = z.string().superRefine((v, ctx) => {
  if (v.length <= 64 && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v)) return;
  const shown =
    v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)` : JSON.stringify(v);
  ctx.addIssue({ code: 'custom', message: `a project name is ${PROJECT_NAME_RULE}; found ${shown}` });
});
/** A project as the API names it: `name` (the local owner's, or on a shared engine the caller's own), or
 *  `owner/name` (a user's or an organization's namespace). */
export const projectRef = z.string().superRefine((v, ctx) => {
  const slash = v.indexOf('/');
  if (slash < 0) {
    projectName
      .safeParse(v)
      .error?.issues.forEach((i) => ctx.addIssue({ code: 'custom', message: i.message }));
    return;
  }
  const [owner, name] = [v.slice(0, slash), v.slice(slash + 1)];
  if (ACCOUNT_NAME.test(owner) && projectName.safeParse(name).success) return;
  const shown =
    v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)` : JSON.stringify(v);
  ctx.addIssue({
    code: 'custom',
    message: `a project is NAME or OWNER/NAME (OWNER a user's or an organization's name, ${ACCOUNT_NAME_RULE}; NAME ${PROJECT_NAME_RULE}); found ${shown}`,
  });
});
const runFiles = z.object({
  files: z.array(fileText).min(1),
  params: z.record(z.string()).default({}),
});

const cloneChange = z.object({
  id,
  params: z.record(z.string()).optional(),
  files: z.array(fileText).optional(),
});

export const methods = {
  'system.info': z.object({}),
  'system.machine': z.object({}),
  /** A folder's sub-folders, polyaxonfiles and git state, for choosing a project's code folder (default: home). */
  'system.folder': z.object({ path: z.string().optional() }),
  /** The contexts of the user's kubeconfig (KUBECONFIG, else ~/.kube/config), read now; never written. */
  'clusters.kubeContexts': z.object({}),
  /** One context's cluster, probed now: reachability (/version), nodes, namespace; default: the one in use. */
  /** This Axon home's pods on a context (the namespace Axon uses there and those of its active runs). */
  'clusters.axonPods': z.object({ name: z.string().min(1).optional() }),
  'clusters.kubeContext': z.object({
    name: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(60_000).optional(),
  }),
  'settings.get': z.object({}),
  'settings.update': settingsPatch,
  'projects.create': z.object({
    name: projectName,
    description: z.string().default(''),
    codePath: z.string().nullable().default(null),
    /** A shared engine: the organization that owns it (default: the caller's own project). */
    organization: z.string().min(1).optional(),
  }),
  'projects.list': z.object({}),
  /** Per project: last activity, how many runs run now, and its best result (of which metric, and why). */
  'projects.summaries': z.object({}),
  'projects.get': z.object({ name: projectRef }),
  'projects.delete': z.object({ name: projectRef }),
  /** The polyaxonfiles in the project's code folder, with their text. */
  'projects.files': z.object({ name: projectRef }),
  /** `backend`: also what that backend refuses (no image for a container backend; Kubernetes' limits).
   *  `project`: on a shared engine, refused as `runs.create` would be when the caller may not run in it (the
   *  CLI asks before it uploads the code). */
  'runs.check': runFiles.extend({
    backend: z.enum(['local', 'docker', 'kubernetes']).optional(),
    project: projectRef.optional(),
  }),
  /** Code sent from another machine (axon run against a server): base64 of a .tar.gz of the code folder;
   *  `runs.create` then takes its id as `upload`. Files and folders only (main/engine/code/uploads.ts). */
  'code.upload': z.object({ archive: z.string().min(1) }),
  'runs.create': runFiles.extend({
    project: projectRef.optional(),
    /** The code folder the run executes in (the project's folder), on the engine's machine; or `upload`. */
    codePath: z.string().optional(),
    /** The id `code.upload` returned: the run executes in that copy of the code. */
    upload: z.string().optional(),
    /** With `upload` only: the code version the client read from its folder before sending it (the git
     *  commit, branch and uncommitted diff, which the upload itself does not carry). */
    code: z
      .object({
        kind: z.enum(['git', 'hash']),
        commit: z.string().max(100).nullable(),
        branch: z.string().max(1000).nullable(),
        remote: z.string().max(4000).nullable(),
        dirty: z.boolean(),
        diff: z
          .string()
          .max(2 * 1024 * 1024)
          .nullable(),
        diffTruncated: z.boolean(),
        contentHash: z.string().max(200).nullable(),
        fileCount: z.number().int().nonnegative().nullable(),
      })
      .optional(),
    backend: z.enum(['local', 'docker', 'kubernetes']).default('local'),
    /** Kubernetes: the kube context and namespace (default: Axon's selected context and its namespace). */
    context: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    name: z.string().optional(),
  }),
  'experiments.list': z.object({
    project: projectRef.optional(),
    groupId: id.optional(),
    status: z.string().optional(),
    limit: z.number().int().positive().max(100000).default(1000),
  }),
  /** One page, sorted by the engine, and the total: a table's first screen first (shared/experiment-page.ts). */
  'experiments.page': experimentPageInput,
  'experiments.get': z.object({ id }),
  'experiments.statuses': z.object({ id }),
  'experiments.metrics': z.object({ id, keys: z.array(z.string()).optional() }),
  'experiments.metricSeries': z.object({
    id,
    keys: z.array(z.string()).optional(),
    maxPoints: z.number().int().min(10).max(100_000).default(2000),
    /** Only steps in [fromStep, toStep] (either end open when left out): a zoomed chart asks for its range in
     * full detail instead of the whole run's coarse buckets. */
    fromStep: z.number().finite().optional(),
    toStep: z.number().finite().optional(),
  }),
  'experiments.logs': z.object({
    id,
    /** The job whose log to read; the first (master) job when left out. */
    job: id.optional(),
    offset: z.number().int().min(0).default(0),
    limit: z
      .number()
      .int()
      .positive()
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
  }),
  'experiments.resources': z.object({ id, since: z.number().default(0) }),
  /** Kubernetes: the events of the experiment's pods (empty on other backends). */
  'experiments.events': z.object({ id }),
  /** The code difference between two experiments (commit diff + each one's uncommitted changes). */
  'experiments.codeDiff': z.object({ base: id, other: id }),
  /** A preview of one output file: text up to maxBytes, an image whole (≤ 4 MiB), else only its size. */
  'experiments.outputFile': z.object({
    id,
    path: z.string().min(1),
    maxBytes: z
      .number()
      .int()
      .positive()
      .max(4 * 1024 * 1024)
      .default(256 * 1024),
  }),
  /** The end of a job's log (the traceback of a failed run): the given job, else the first failed, else the
   * master. Metric records left out; stdout and stderr are one stream in Axon's logs (see LogTail). */
  'experiments.logTail': z.object({
    id,
    job: id.optional(),
    lines: z.number().int().min(1).max(1000).default(40),
  }),
  /** Where one output file is (confined to the outputs folder, symlinks resolved): the HTTP server's download. */
  'experiments.outputPath': z.object({ id, path: z.string().min(1) }),
  /** A download link to one output file, signed by the engine for a few minutes (shared/download.ts). */
  'experiments.downloadLink': z.object({ id, path: z.string().min(1) }),
  /**
   * A run's tracking through the API, as `@@axon` lines in its log do (an SDK, or a job with its AXON_TOKEN):
   * metrics at `step` (default: each key's next step after the last one stored), params, tags. Only while the
   * run has not ended.
   */
  'experiments.track': z
    .object({
      id,
      metrics: z
        .record(
          z
            .string()
            .min(1)
            .max(200)
            .refine((k) => k !== '__proto__', 'a name other than __proto__'),
          z.number().finite(),
        )
        .refine((m) => Object.keys(m).length <= 1000, 'at most 1,000 metrics at once')
        .optional(),
      step: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
      /** Unix seconds (default: now), a date from 1970 to 9999. */
      ts: z.number().min(0).max(253402300799).optional(),
      params: z
        .record(
          z
            .string()
            .min(1)
            .max(200)
            .refine((k) => k !== '__proto__', 'a name other than __proto__'),
          z.unknown(),
        )
        .refine((m) => Object.keys(m).length <= 1000, 'at most 1,000 params at once')
        .optional(),
      tags: z.array(z.string().min(1).max(200)).max(100).optional(),
    })
    .refine((t) => t.metrics || t.params || t.tags, 'give metrics, params or tags'),
  'experiments.stop': z.object({ id }),
  /** Outputs kept where the run ran (a pod whose copy failed): try to copy them home now. */
  'experiments.fetchOutputs': z.object({ id }),
  /** Run it again (resume: in the same outputs folder), optionally changed: `params` as `-P` gives them, `files`
   *  merged over the run's recorded polyaxonfile (later wins), as Polyaxon's `restart -f`. A changed run of a
   *  sweep runs on its own. */
  'experiments.restart': cloneChange,
  'experiments.resume': cloneChange,
  'experiments.delete': z.object({ id }),
  /** Polyaxon's `experiment update`: a new name (empty: none) and/or its tags (replaced as given). */
  'experiments.update': z
    .object({
      id,
      name: z.string().max(200).optional(),
      tags: z.array(z.string().min(1).max(200)).max(100).optional(),
    })
    .refine((u) => u.name !== undefined || u.tags !== undefined, 'give a name or tags'),
  'groups.list': z.object({ project: projectRef.optional() }),
  'groups.get': z.object({ id }),
  'groups.experiments': z.object({ id }),
  /** `pending`: Polyaxon's `group stop --pending`: the search ends (no new experiments), the pending ones are
   *  stopped and the running ones finish; the group then ends done, or stopped if none succeeded. */
  'groups.stop': z.object({ id, pending: z.boolean().optional() }),
  /** Every status change of the group with its time and message (Polyaxon's `group statuses`). */
  'groups.statuses': z.object({ id }),
  'groups.delete': z.object({ id }),
  'groups.setConcurrency': z.object({ id, concurrency: z.number().int().positive() }),
  'groups.sweep': z.object({ id }),
  /** How much each param of the search explains a metric (default: the group's objective), from the
   * group's finished experiments: a random forest's out-of-bag permutation importance (sweeps/importance.ts). */
  'groups.importance': z.object({ id, metric: z.string().min(1).optional() }),
  /** One metric of every experiment of the group, bucketed on one step grid shared by all (each bucket's
   * mean), for overlaid learning curves in one call. */
  'groups.metricCurves': z.object({
    id,
    key: z.string().min(1),
    maxPoints: z.number().int().min(10).max(5000).default(300),
  }),
  ...authMethods,
} as const;

export type MethodName = keyof typeof methods;
export type Input<M extends MethodName> = z.input<(typeof methods)[M]>;
export type ParsedInput<M extends MethodName> = z.output<(typeof methods)[M]>;

export type CheckResult =
  { ok: true; kind: string; summary: Record<string, unknown> } | { ok: false; errors: SpecError[] };

export type RunCreated = (
  { kind: 'experiment'; experiment: Experiment } | { kind: 'group'; group: Group; experiments: Experiment[] }
) & {
  /** What `axon check` would warn of (a loss maximized, a multi-line command joined into one line). */
  warnings?: string[];
};

/** One param of a group's search space, as a chart should draw it (`groups.sweep`). */
export interface SweepParam {
  name: string;
  /** The matrix kind (`uniform`, `logspace`, …), `mapping` for a key of a mapping, `resource` for the
   * hyperband/ASHA resource. */
  kind: string;
  /** `log` for logspace, geomspace, loguniform, qloguniform, lognormal and qlognormal and the resource;
   * `categorical` for `values`/`pvalues` with any item that is not a number. */
  scale: 'linear' | 'log' | 'categorical';
  /** The matrix's own items in file order (`values`, `pvalues`, mapping). */
  values?: unknown[];
}

/** A hyperband bracket (or ASHA's one ladder of rungs): its rounds, configurations × resource. */
export interface SweepBracket {
  /** The index experiments refer to (`SweepExperiment.bracket`). */
  index: number;
  /** Hyperband's s (s_max … 0); null for ASHA. */
  s: number | null;
  /** Hyperband: n configurations × resource as planned. ASHA: `n` is the most configurations that can
   * reach the rung (⌊n_experiments / η^k⌋). */
  rounds: Array<{ n: number; resource: number }>;
}

/** What one experiment is to its group's search. */
export interface SweepExperiment {
  id: number;
  status: Experiment['status'];
  /** The group's metric, last value, as reported (not negated). */
  value: number | null;
  /** Hyperband/ASHA: the configuration (a promoted one keeps its number), bracket, round (ASHA: the
   * rung) and resource; null for the other algorithms. */
  config: number | null;
  bracket: number | null;
  round: number | null;
  resource: number | null;
  /** A later round runs this experiment's configuration. */
  promoted: boolean;
}

export interface GroupSweep {
  groupId: number;
  algorithm: Group['algorithm'];
  metric: Group['metric'];
  /** The params the search varies, in file order (then the resource). */
  params: SweepParam[];
  resource: { name: string; type: 'int' | 'float' } | null;
  /** Hyperband's η or ASHA's reduction factor. */
  eta: number | null;
  /** Hyperband: every bracket of the plan, in the order they run; ASHA: one bracket of rungs; else []. */
  brackets: SweepBracket[];
  /** The round hyperband waits for now; null when the search is over or the algorithm has no rounds. */
  current: { bracket: number; round: number } | null;
  /** No experiment will be proposed any more. */
  searchFinished: boolean;
  experiments: SweepExperiment[];
}

/** `experiments.logTail`: the last lines of one job's log. */
export interface LogTail {
  experimentId: number;
  /** The job read (null: the experiment has no job yet) and its replica (`master-0`). */
  jobId: number | null;
  replica: string | null;
  /** Always `merged`: stdout and stderr are one stream in every backend's run log (local processes write
   * both to one file; Docker's streams and the pod log are joined line by line), so this is the end of the
   * log, not of stderr alone. */
  streams: 'merged';
  lines: string[];
  /** Index in `lines` of the first line of the last Python traceback, or null. */
  tracebackAt: number | null;
  /** Earlier lines were left out. */
  omittedBefore: boolean;
  logBytes: number;
}

/** `projects.summaries`: what the projects list shows of one project. */
export interface ProjectSummary {
  name: string;
  /** The latest creation, start or end of one of its experiments; null without experiments. */
  lastActivityAt: string | null;
  /** Experiments running now, and those active in any way (scheduled, building, starting, running, …). */
  running: number;
  active: number;
  /** The best last value of `metric`: of its most recent group's objective that has a value (`basis: group`),
   * else of the metric most of its experiments report (`basis: common`, direction guessed from the name). */
  best: {
    metric: string;
    optimization: 'minimize' | 'maximize';
    value: number;
    experimentId: number;
    basis: 'group' | 'common';
    groupId: number | null;
  } | null;
}

export interface Results extends AuthResults {
  'system.info': EngineInfo;
  'system.machine': MachineInfo;
  'system.folder': FolderInfo;
  'clusters.kubeContexts': KubeContextList;
  'clusters.kubeContext': KubeContextDetails;
  'clusters.axonPods': AxonPodsView;
  'settings.get': SettingsView;
  'settings.update': SettingsView;
  'projects.create': Project;
  'projects.list': Project[];
  'projects.get': Project;
  'projects.delete': { deleted: true; warnings?: string[] };
  'projects.files': SpecFileText[];
  'runs.check': CheckResult;
  'code.upload': { id: string; files: number; bytes: number };
  'runs.create': RunCreated;
  'experiments.list': Experiment[];
  'experiments.page': ExperimentPage;
  'experiments.get': Experiment & {
    code: CodeRef | null;
    outputs: Array<{ path: string; size: number }>;
    /** Log bytes read so far and protocol lines that could not be parsed (they stay in the log). */
    tracking: { consumedBytes: number; malformedLines: number };
    /** Its jobs: one, or one per replica of a distributed run (master first). */
    jobs: JobInfo[];
  };
  'experiments.statuses': StatusRecord[];
  'experiments.metrics': MetricPoint[];
  'experiments.metricSeries': MetricSeries[];
  'experiments.logs': LogChunk;
  'experiments.resources': ResourceSample[];
  'experiments.events': PodEvent[];
  'experiments.outputFile': OutputPreview;
  'experiments.codeDiff': CodeDiff;
  'experiments.stop': Experiment;
  'experiments.fetchOutputs': Experiment;
  /** `warnings`: what `axon check` would warn of in a changed run (a value that renders NaN, shell syntax). */
  'experiments.restart': Experiment & { warnings?: string[] };
  'experiments.resume': Experiment & { warnings?: string[] };
  /** `warnings`: folders of the run that could not be removed (files another user owns), and how to. */
  'experiments.delete': { deleted: true; warnings?: string[] };
  'experiments.update': Experiment;
  'groups.list': Group[];
  'groups.get': Group & { ranked: Experiment[] };
  'groups.experiments': Experiment[];
  'groups.stop': Group;
  'groups.statuses': StatusRecord[];
  'groups.delete': { deleted: true; warnings?: string[] };
  'groups.setConcurrency': Group;
  'groups.sweep': GroupSweep;
  'groups.importance': GroupImportance;
  'groups.metricCurves': GroupCurves;
  'experiments.logTail': LogTail;
  'experiments.outputPath': { path: string; realPath: string; size: number };
  'experiments.downloadLink': { href: string; expiresAt: string };
  'experiments.track': { points: number };
  'projects.summaries': ProjectSummary[];
}

/** Events the engine pushes. Subscriptions return an unsubscribe function. */
export interface Events {
  'experiments.changed': { experiment: Experiment; previous: string | null };
  'groups.changed': { group: Group };
  'logs.appended': LogChunk;
  'metrics.appended': { experimentId: number; points: MetricPoint[] };
  'resources.sampled': { samples: ResourceSample[] };
}
export type EventName = keyof Events;

/** What every transport exposes: call a method, subscribe to an event. */
export interface AxonApi {
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export type { GroupCurves, GroupImportance } from './sweep-insights';
export { ApiError, toApiError, EVENT_NAMES, type ApiErrorShape } from './api-errors';
