// Experiment, job and group statuses and their allowed transitions: Polyaxon 0.4.4 (SPEC §2.1) plus the
// 0.5 statuses `upstream_failed` and `skipped`, and `unschedulable` as a status of its own (0.4.4 showed it
// as `warning`). Axon takes 0.5's rule that done states are absorbing: restart and resume create a new
// experiment record (SPEC §3.1), so a finished record never moves again.

export const EXPERIMENT_STATUSES = [
  'created',
  'resuming',
  'warning',
  'unschedulable',
  'building',
  'scheduled',
  'starting',
  'running',
  'succeeded',
  'failed',
  'upstream_failed',
  'stopped',
  'skipped',
  'unknown',
] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
/** Jobs share the experiment statuses (0.5 gave jobs `warning` and `resuming` too). */
export type JobStatus = ExperimentStatus;

export const GROUP_STATUSES = ['created', 'running', 'done', 'failed', 'stopping', 'stopped'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export const DONE: ReadonlySet<ExperimentStatus> = new Set([
  'succeeded',
  'failed',
  'upstream_failed',
  'stopped',
  'skipped',
]);
export const PENDING: ReadonlySet<ExperimentStatus> = new Set(['created', 'resuming']);
/** Statuses that count against a group's concurrency (SPEC §1.9), plus unschedulable which holds a slot. */
export const ACTIVE: ReadonlySet<ExperimentStatus> = new Set([
  'scheduled',
  'building',
  'starting',
  'running',
  'unknown',
  'warning',
  'unschedulable',
]);

const NOT_DONE = EXPERIMENT_STATUSES.filter((s) => !DONE.has(s));
const without = (list: readonly ExperimentStatus[], ...drop: ExperimentStatus[]) =>
  list.filter((s) => !drop.includes(s));

/** {to: allowed from}. `null` as a from-state is the initial creation. */
const EXPERIMENT_TRANSITIONS: Record<ExperimentStatus, ReadonlyArray<ExperimentStatus | null>> = {
  created: [null],
  resuming: ['created', 'warning'],
  building: ['created', 'resuming', 'warning', 'unknown', 'unschedulable'],
  scheduled: ['created', 'resuming', 'building', 'warning', 'unknown', 'unschedulable'],
  starting: ['created', 'resuming', 'building', 'scheduled', 'warning', 'unschedulable'],
  running: [
    'created',
    'resuming',
    'building',
    'scheduled',
    'starting',
    'warning',
    'unknown',
    'unschedulable',
  ],
  succeeded: without(NOT_DONE),
  failed: without(NOT_DONE),
  stopped: without(NOT_DONE),
  upstream_failed: without(NOT_DONE),
  skipped: ['created', 'resuming', 'warning', 'unschedulable'],
  warning: without(NOT_DONE, 'warning'),
  unschedulable: ['created', 'resuming', 'building', 'scheduled', 'starting', 'warning', 'unknown'],
  unknown: without(NOT_DONE, 'unknown'),
};

const GROUP_TRANSITIONS: Record<GroupStatus, ReadonlyArray<GroupStatus | null>> = {
  created: [null],
  running: ['created', 'stopped'],
  done: ['running'],
  failed: ['created', 'running'],
  stopping: ['created', 'running'],
  stopped: ['created', 'running', 'stopping'],
};

export function canTransition(from: ExperimentStatus | null, to: ExperimentStatus): boolean {
  return EXPERIMENT_TRANSITIONS[to].includes(from);
}

export function canTransitionGroup(from: GroupStatus | null, to: GroupStatus): boolean {
  return GROUP_TRANSITIONS[to].includes(from);
}

export function isDone(s: ExperimentStatus): boolean {
  return DONE.has(s);
}

export function isGroupDone(s: GroupStatus): boolean {
  return s === 'done' || s === 'failed' || s === 'stopped';
}

/**
 * The experiment status computed from its jobs (SPEC §2.1 `jobs_status`), in Polyaxon's order, except that an
 * unschedulable job makes the experiment `unschedulable` (with its reason) rather than `warning`.
 */
export function experimentStatusFromJobs(jobs: readonly JobStatus[]): ExperimentStatus | null {
  if (jobs.length === 0) return null;
  const any = (s: JobStatus) => jobs.includes(s);
  if (any('unknown')) return 'unknown';
  if (any('unschedulable')) return 'unschedulable';
  if (any('warning')) return 'warning';
  if (any('stopped')) return 'stopped';
  if (jobs.every((s) => s === 'succeeded')) return 'succeeded';
  if (any('failed') || any('upstream_failed')) return 'failed';
  if (any('starting')) return 'starting';
  if (any('running')) return 'running';
  if (any('scheduled')) return 'scheduled';
  if (any('building')) return 'building';
  return 'created';
}

/** How the reason of a run (or job) whose outputs are kept where it ran begins (a pod whose outputs copy failed),
 *  until they are home: the engine finds the jobs to try again by it, the dashboard offers to fetch them. */
export const OUTPUTS_KEPT = 'outputs not copied, kept in pod';

/** How the reason of a running run reads once its command has ended while its outputs copy is tried again. */
export const COPYING_OUTPUTS = 'the command has ended; copying its outputs home';

/** Whether a run of a sweep can be its best (so far): one that succeeded or still runs. One that failed or was
 *  stopped is ranked after them, whatever it reported before it ended. */
export const canBeBest = (status: string): boolean => status === 'succeeded' || status === 'running';
