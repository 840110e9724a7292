// One interface, one implementation per place a job can run (local processes now; Docker and Kubernetes
// follow). The lifecycle driver never knows which one it talks to.

export interface LaunchSpec {
  jobId: number;
  experimentId: number;
  cmd: string;
  cwd: string;
  env: Record<string, string>;
  logPath: string; // the job writes stdout and stderr here; the engine tails it
  runDir: string;
}

/** How a job ended. `lost` means nothing could tell (no process, no exit record). */
export interface JobOutcome {
  exitCode: number | null;
  signal: string | null;
  lost: boolean;
}

export interface RunningJob {
  /** Identifies the job's process for re-attachment after an engine restart. */
  handle: { pid: number; startTime: string };
  done: Promise<JobOutcome>;
  /** Graceful stop, then forced after `graceMs`. Resolves when the signal is sent, not when the job ends. */
  stop(graceMs: number): Promise<void>;
}

export interface Backend {
  readonly name: string;
  availability(): Promise<{ available: boolean; detail: string }>;
  launch(spec: LaunchSpec): Promise<RunningJob>;
  /** After an engine restart: the job again if it still runs, how it ended if it ended, or null if it never
   *  started (the engine stopped between recording the job and starting it: launching it now is safe). */
  reattach(job: {
    pid: number | null;
    startTime: string | null;
    runDir: string;
    jobId: number;
  }): Promise<RunningJob | JobOutcome | null>;
}

export function describeOutcome(o: JobOutcome): string {
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
