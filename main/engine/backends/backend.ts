// One interface, one implementation per place a job can run (local processes, Docker, Kubernetes). The
// lifecycle driver never knows which one it talks to: a backend whose jobs live elsewhere (pods) reports their
// statuses with reasons, decides how replicas address each other, and finds its jobs again by labels.
import type { BuildSpec, EnvironmentSpec } from '../../../shared/polyaxonfile';

/** What an experiment asks of its backend beyond the command (rendered from its polyaxonfile). */
export interface RunSpec {
  build?: BuildSpec;
  environment?: EnvironmentSpec;
  framework?: string;
  /** Kubernetes: the context and namespace the run was started on, recorded when it is created, so changing
   *  Axon's default context later never orphans it. */
  target?: KubeTarget;
}

export interface KubeTarget {
  context: string;
  namespace: string;
}

export interface PrepareSpec {
  experimentId: number;
  projectName: string;
  codePath: string;
  run: RunSpec;
  /** Build output, as text, into the experiment's log. */
  onOutput(text: string): void;
  signal?: AbortSignal;
}

export interface LaunchSpec {
  jobId: number;
  experimentId: number;
  project?: string;
  groupId: number | null;
  role: string; // master, worker, ps
  index: number;
  cmd: string;
  cwd: string;
  env: Record<string, string>;
  logPath: string; // the job's stdout and stderr end up here; the engine tails it
  runDir: string;
  outputsDir: string;
  /** From prepare(): the image to run (container backends). */
  image?: string;
  run: RunSpec;
  /** Distributed experiments: the experiment's network and this replica's name on it (master-0, worker-1). */
  network?: string;
  hostname?: string;
  /** Framework variables (TF_CONFIG, MASTER_ADDR, ...) that must reach the job whatever the backend. */
  extraEnv?: Record<string, string>;
}

/** How to find a job again after an engine restart. */
export interface JobHandle {
  pid?: number;
  startTime?: string;
  container?: string;
  /** Kubernetes: the pod, in its context and namespace. */
  pod?: string;
  namespace?: string;
  context?: string;
  /** The node the pod was scheduled on, once known. */
  node?: string;
}

/** A job's status as its backend sees it before it ends (pods: pending, unschedulable, running, unreachable). */
export interface BackendStatus {
  status: 'scheduled' | 'starting' | 'running' | 'unschedulable' | 'warning' | 'unknown';
  reason: string | null;
  message?: string | null;
  /** `running`: when the command really started (a pod's container state), if the backend knows. */
  startedAt?: string | null;
}

export interface JobResources {
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
}

/** How a job ended. `lost` means nothing could tell (no process, no exit record). */
export interface JobOutcome {
  exitCode: number | null;
  signal: string | null;
  lost: boolean;
  /** Set when the backend knows better than the exit code (e.g. "out of memory (limit 64 MiB)"). */
  reason?: string;
  /** When it ended, as the backend recorded it (a pod's container state), if it knows. */
  finishedAt?: string;
  /** When it started, if the backend knows: a job that ran while no engine watched has no `running` seen. */
  startedAt?: string;
  /** The outputs could not be copied home and the backend keeps them where the job ran (a pod); says so
   *  (`OUTPUTS_KEPT` …), and `fetchKept` tries again later. A command that succeeded fails for it, but it is
   *  not the command's failure: a distributed run's other replicas go on. */
  outputsKept?: string;
}

export interface RunningJob {
  handle: JobHandle;
  done: Promise<JobOutcome>;
  /** Graceful stop, then forced after `graceMs`. Resolves when the signal is sent, not when the job ends. */
  stop(graceMs: number): Promise<void>;
  /** The size of the log file that is final (container backends copy logs and may roll back a torn tail). */
  confirmedLogSize?(): number;
  /** The engine is closing: stop watching (copying logs), leave the job running. */
  detach?(): void;
  /** Backends whose jobs start elsewhere (pods): statuses until the job ends, each with its reason. Without it
   *  the job is running once launch() returns. */
  onStatus?(listener: (s: BackendStatus) => void): void;
  /** Where the job runs, for people (context, namespace, pod, node). */
  placement?(): Record<string, string>;
}

/** Where replicas listen: a name and a port each (decided by the backend). */
export interface ReplicaAddressing {
  host(replica: string): string;
  port(replica: string): number;
}

/** A run its target cannot take (a namespace that refuses Axon, one that does not exist): `reason` is short,
 *  the message says what to do. */
export class NotStartable extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** A job as the store recorded it, for a backend to find it again (`reattach`, `fetchKept`). */
export interface RecordedJob {
  handle: JobHandle;
  runDir: string;
  jobId: number;
  experimentId: number;
  role: string;
  index: number;
  logPath: string;
  outputsDir: string;
  run: RunSpec;
}

export interface Backend {
  readonly name: string;
  availability(): Promise<{ available: boolean; detail: string }>;
  /** Build or find what the job needs before it can start (an image); local processes need nothing. A
   *  failure that is not the build's throws a NotStartable (its reason is the run's, not "build failed"). */
  prepare?(spec: PrepareSpec): Promise<{ image: string }>;
  launch(spec: LaunchSpec): Promise<RunningJob>;
  /** A running job's resources now; null when it cannot tell (the job just ended). */
  sample?(handle: JobHandle): Promise<JobResources | null>;
  /** Distributed experiments: a network on which replicas reach each other by name (containers). Backends
   *  without one run replicas on this machine's loopback with a port each. */
  ensureNetwork?(experimentId: number, run: RunSpec): Promise<string>;
  removeNetwork?(experimentId: number, run: RunSpec): Promise<void>;
  /** How replicas on `network` reach each other; without it, by name on a fixed port (containers). */
  addressing?(network: string): ReplicaAddressing;
  /** Of the experiments about to start, those that fit now; the others wait with the reason. */
  admit?(
    candidates: Array<{ experimentId: number; run: RunSpec }>,
    /** Its experiments already started (building, starting, running…): they hold room even before a pod. */
    active: Array<{ experimentId: number; run: RunSpec }>,
  ): Promise<Map<number, string>>;
  /** After an engine restart: the job again if it still runs, how it ended if it ended, or null if it never
   *  started (the engine stopped between recording the job and starting it: launching it now is safe). */
  reattach(job: RecordedJob): Promise<RunningJob | JobOutcome | null>;
  /** A job whose outputs were kept where it ran (`outputsKept`): one more try to copy them home, then to
   *  remove what held them. `gone`: nothing holds them any more (deleted by hand, or unreachable for good). */
  fetchKept?(job: RecordedJob): Promise<{ copied: true } | { gone: string } | { problem: string }>;
  /** The job's outcome is recorded: remove what it left behind (a finished container). Never before: a job
   *  whose ending nobody recorded yet keeps its container, so the next engine can still read how it ended. */
  release?(job: { handle: JobHandle; jobId: number }): Promise<void>;
  /** Removes what a deleted experiment left on the backend (pods, services). */
  remove?(experimentId: number, run: RunSpec): Promise<void>;
}

export { OUTPUTS_KEPT } from '../../../shared/statuses';

/** The end of an output file's name while a backend copies it home (renamed once whole): not an output yet. */
export const OUTPUT_PART_SUFFIX = '.axon-part';

/** Whether a job's outcome is a success (exit 0, nothing the backend knows better). */
export const succeeded = (o: JobOutcome): boolean =>
  !o.lost && o.signal === null && o.exitCode === 0 && !o.reason;

export function describeOutcome(o: JobOutcome): string {
  if (o.reason) return o.reason;
  if (o.lost) return 'lost: the process is gone and left no exit code';
  if (o.signal) return `killed by ${o.signal}`;
  if (o.exitCode !== null && o.exitCode > 128) {
    const sig = signalName(o.exitCode - 128);
    return `exit code ${o.exitCode}${sig ? ` (${sig})` : ''}`;
  }
  return `exit code ${o.exitCode}`;
}

function signalName(n: number): string | null {
  const names: Record<number, string> = {
    1: 'SIGHUP',
    2: 'SIGINT',
    6: 'SIGABRT',
    9: 'SIGKILL',
    11: 'SIGSEGV',
    15: 'SIGTERM',
  };
  return names[n] ?? null;
}
