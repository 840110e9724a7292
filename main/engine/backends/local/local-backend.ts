// The embedded default: run.cmd as a local process with /bin/bash -c, in the project folder, in its own
// process group. A small bash wrapper writes the exit code to a file, so a run that ends while no engine is
// running still reports its real exit code. Output goes straight to the log file (not through a pipe), so the
// job survives the engine and the engine can re-read the log after a crash.
// On Linux the jobs are started by a long-lived bash launcher (launcher.ts) rather than by Node's spawn(), which
// forks the whole engine on its own thread; where that is not possible the job is spawned directly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type {
  Backend,
  JobHandle,
  JobOutcome,
  JobResources,
  LaunchSpec,
  RunningJob,
  RunSpec,
} from '../backend';
import { ProcessGroupSampler } from '../../monitor/proc';
import { isAlive, processStartTime } from './process-probe';
import { Launcher, LauncherUnavailable } from './launcher';
import { jobMark, markedProcesses, MARK_VAR, signalJob } from './job-processes';
import { MemoryWatchdog, WATCH_MS } from './memory-watchdog';
import { amount } from '../docker/resources';
import { log } from '../../log';

// `trap :` (a handler, not an ignore) lets the wrapper outlive the group's SIGTERM long enough to record the
// child's status, while the child keeps default signal handling.
// The wrapper's own stderr goes nowhere (the command's goes to the log): bash's notice that its child was
// killed ("line 1: 123 Killed …") is not the user's output.
// The wrapper first records its pid, so an engine that stops right after spawning still finds the job. Both
// records are written with a builtin (no `mv`: 2 processes per job, not 4) and end with a newline, which is
// what tells a reader that a record is complete (see readRecord).
const WRAPPER = `printf '%s\\n' "$$" > "$3"
trap : TERM INT HUP
exec 2>/dev/null
/bin/bash -c "$1" 2>&1
rc=$?
printf '%s\\n' "$rc" > "$2"
exit "$rc"`;

const POLL_MS = 200;
/** Jobs the launcher started end with an X line; this poll only catches a wrapper killed outright. */
const LAUNCHED_POLL_MS = 1000;

export const exitFile = (runDir: string, jobId: number) => path.join(runDir, `job-${jobId}.exit`);
export const pidFile = (runDir: string, jobId: number) => path.join(runDir, `job-${jobId}.pid`);

export class LocalBackend implements Backend {
  readonly name = 'local';
  private sampler = new ProcessGroupSampler();
  private launcher: Launcher | null;

  /** `launcher`: start jobs through the bash launcher (default where supported) or with Node's spawn. */
  constructor(opts: { launcher?: boolean } = {}) {
    this.launcher = (opts.launcher ?? Launcher.supported()) ? new Launcher() : null;
  }

  /** The launcher's pid while it runs (tests). */
  get launcherPid(): number | null {
    return this.launcher?.pid ?? null;
  }

  /** CPU and resident memory of the job's process group (/proc); the rest cannot be told per process. */
  async sample(handle: JobHandle): Promise<JobResources | null> {
    if (!handle.pid || process.platform !== 'linux') return null;
    const [s] = this.sampler.sample([handle.pid]);
    if (!s) {
      this.sampler.forget(handle.pid);
      return null;
    }
    return {
      cpuPercent: s.cpuPercent,
      memoryBytes: s.rssBytes,
      memoryLimitBytes: null,
      netRxBytes: null,
      netTxBytes: null,
      blockReadBytes: null,
      blockWriteBytes: null,
    };
  }

  async availability() {
    return { available: true, detail: `local processes (${process.platform})` };
  }

  async launch(spec: LaunchSpec): Promise<RunningJob> {
    await fs.promises.mkdir(path.dirname(spec.logPath), { recursive: true });
    const limit = memoryLimit(spec.run);
    if (limit)
      fs.appendFileSync(
        spec.logPath,
        MemoryWatchdog.supported()
          ? `[axon] memory limit ${limit} MiB: Axon samples this job's memory every ${WATCH_MS} ms and kills it above the limit (local processes have no kernel limit)\n`
          : `[axon] memory limit ${limit} MiB is NOT enforced for local processes on ${process.platform}\n`,
      );
    const gpus = amount(spec.run?.environment?.resources?.gpu);
    // Nothing reserves or isolates GPUs for a local process: said, as the memory limit's handling is.
    if (gpus)
      fs.appendFileSync(
        spec.logPath,
        `[axon] ${gpus} GPU(s) requested: the local backend reserves none; the job sees every GPU of this machine ` +
          '(set CUDA_VISIBLE_DEVICES in the command to choose), and other runs may use them too\n',
      );
    let job: RunningJob | null = null;
    if (this.launcher?.usable) {
      try {
        job = await this.viaLauncher(this.launcher, spec);
      } catch (e) {
        if (!(e instanceof LauncherUnavailable)) throw e;
        log.debug(`job ${spec.jobId}: ${e.message}; spawning it directly`);
      }
    }
    job ??= await this.spawnDirect(spec);
    const mark = jobMark(spec.runDir, spec.jobId);
    return watchMemory(endLeftovers(job, mark, spec.logPath), spec.run, mark);
  }

  /** Through the launcher: the engine's thread does not fork. */
  private async viaLauncher(launcher: Launcher, spec: LaunchSpec): Promise<RunningJob> {
    const file = exitFile(spec.runDir, spec.jobId);
    // The log exists before the job does, so the engine's follower watches it from the start.
    fs.closeSync(fs.openSync(spec.logPath, 'a'));
    const mark = jobMark(spec.runDir, spec.jobId);
    const { pid, exited } = await launcher.start({
      jobId: spec.jobId,
      cwd: spec.cwd,
      cmd: spec.cmd,
      env: { ...spec.env, [MARK_VAR]: mark },
      logPath: spec.logPath,
      exitFile: file,
      pidFile: pidFile(spec.runDir, spec.jobId),
    });
    // A short job may be gone already (the launcher reaps it at once): no start time then, and its end comes
    // from its X line or its exit record.
    const startTime = processStartTime(pid) ?? '';
    const done = new Promise<JobOutcome>((resolve) => {
      let settled = false;
      const end = (o: JobOutcome) => {
        if (settled) return;
        settled = true;
        clearInterval(t);
        resolve(o);
      };
      void exited.then((rc) => end({ exitCode: rc, signal: null, lost: false }));
      // A wrapper killed outright writes no X line: its process being gone tells. The job may go on without
      // it (only the wrapper was killed): then it is followed until its last process is gone.
      let checking = false;
      const t = setInterval(() => {
        if (checking || (startTime && isAlive(pid, startTime))) return;
        checking = true;
        clearInterval(t);
        launcher.forget(spec.jobId);
        void afterWrapper(file, mark, spec.jobId, null, null).then(end);
      }, LAUNCHED_POLL_MS);
      t.unref();
    });
    return {
      handle: { pid, startTime },
      done,
      stop: (graceMs) => stopJob(pid, mark, graceMs, spec.logPath),
    };
  }

  /** Node's own spawn: forks the engine's process (the fallback where the launcher is not available). */
  private async spawnDirect(spec: LaunchSpec): Promise<RunningJob> {
    const fd = fs.openSync(spec.logPath, 'a');
    const file = exitFile(spec.runDir, spec.jobId);
    const mark = jobMark(spec.runDir, spec.jobId);
    try {
      const child = spawn(
        '/bin/bash',
        ['-c', WRAPPER, 'axon-job', spec.cmd, file, pidFile(spec.runDir, spec.jobId)],
        {
          cwd: spec.cwd,
          env: { ...spec.env, [MARK_VAR]: mark },
          detached: true,
          stdio: ['ignore', fd, fd],
        },
      );
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      const done = new Promise<JobOutcome>((resolve) =>
        child.once(
          'exit',
          (code, signal) => void afterWrapper(file, mark, spec.jobId, code, signal).then(resolve),
        ),
      );
      return {
        handle: { pid, startTime: processStartTime(pid) ?? '' },
        done,
        stop: (graceMs) => stopJob(pid, mark, graceMs, spec.logPath),
      };
    } finally {
      fs.closeSync(fd);
    }
  }

  async reattach(job: { handle: JobHandle; runDir: string; jobId: number; run?: RunSpec; logPath?: string }) {
    const file = exitFile(job.runDir, job.jobId);
    let pid = job.handle.pid ?? null;
    let startTime = job.handle.startTime ?? '';
    if (!pid) {
      // The engine stopped before it stored the pid: the wrapper's own record tells whether it started.
      let rec = readRecord(pidFile(job.runDir, job.jobId));
      // Created but not yet complete: the wrapper is writing it this very moment, or died doing so.
      for (let i = 0; rec === 'partial' && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 50));
        rec = readRecord(pidFile(job.runDir, job.jobId));
      }
      if (rec === 'absent') return fs.existsSync(file) ? readOutcome(file, null, null) : null;
      // A wrapper that started but never finished its pid record: it ran, so it is never launched again.
      if (rec === 'partial') return readOutcome(file, null, null);
      pid = rec;
      startTime = processStartTime(pid) ?? '';
    }
    const id = pid;
    const mark = jobMark(job.runDir, job.jobId);
    const wrapperAlive = !!startTime && isAlive(id, startTime);
    // The wrapper is gone: ended (its exit record tells), or killed while the job goes on without it.
    if (!wrapperAlive && (readRecord(file) !== 'absent' || !markedProcesses(mark).length))
      return readOutcome(file, null, null);
    // Not our child any more: poll until it is gone, then read the wrapper's exit record.
    let poll: ReturnType<typeof setInterval> | undefined;
    const done = new Promise<JobOutcome>((resolve) => {
      let checking = false;
      poll = setInterval(() => {
        if (checking || (wrapperAlive && isAlive(id, startTime))) return;
        checking = true;
        clearInterval(poll);
        void afterWrapper(file, mark, job.jobId, null, null).then(resolve);
      }, POLL_MS);
    });
    const followed: RunningJob = {
      handle: { pid: id, startTime },
      done,
      stop: (graceMs: number) => stopJob(id, mark, graceMs, job.logPath),
      // An engine that closes stops polling: a short command (`axon ps`) that re-attached a running job must
      // not wait for it to end.
      detach: () => clearInterval(poll),
    };
    return watchMemory(job.logPath ? endLeftovers(followed, mark, job.logPath) : followed, job.run, mark);
  }
}

/** A wrapper record (pid or exit code): complete once it ends with a newline. */
export function readRecord(file: string): number | 'absent' | 'partial' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 'absent';
  }
  const n = Number.parseInt(text, 10);
  return text.endsWith('\n') && Number.isInteger(n) ? n : 'partial';
}

function writtenAt(file: string): { finishedAt?: string } {
  try {
    return { finishedAt: fs.statSync(file).mtime.toISOString() };
  } catch {
    return {};
  }
}

function readOutcome(file: string, code: number | null, signal: NodeJS.Signals | null): JobOutcome {
  // No record, or an unfinished one: the wrapper itself was killed.
  const rc = readRecord(file);
  // When the wrapper wrote it is when the command ended: an engine that was frozen meanwhile (a laptop's lid
  // closed: SIGSTOP) or not running learns of the end later, and would otherwise record that later time.
  if (typeof rc === 'number') return { exitCode: rc, signal: null, lost: false, ...writtenAt(file) };
  if (code !== null || signal !== null) return { exitCode: code, signal, lost: false };
  return { exitCode: null, signal: null, lost: true };
}

/** `environment.resources.memory` (limits, else requests) in MiB, if any. */
function memoryLimit(run: RunSpec | undefined): number | undefined {
  return amount(run?.environment?.resources?.memory);
}

/** How long the processes a command left behind get between SIGTERM and SIGKILL once it has ended. */
const LEFTOVER_GRACE_MS = 10_000;

/**
 * Processes a command left running when it ended (`cmd &`, a daemon in its own session): stopped, as a
 * container's or a pod's end stops them, so a finished run holds no CPU, GPU or port and a sweep's concurrency
 * means what it says; the run's log says which. Not after a wrapper that was killed (its processes were
 * followed to their end: `afterWrapper`).
 */
function endLeftovers(job: RunningJob, mark: string, logPath: string): RunningJob {
  const pgid = job.handle.pid;
  let stopped = false; // a stop signals them itself (and SIGKILLs after its own grace)
  const done = job.done.then((o) => {
    const left = o.lost || !pgid || stopped ? [] : markedProcesses(mark);
    if (left.length) {
      fs.appendFileSync(
        logPath,
        `[axon] the command ended with ${left.length} of its processes still running (pid ${left.join(', ')}): ` +
          `they are stopped (SIGTERM, then SIGKILL after ${LEFTOVER_GRACE_MS / 1000} s), as a container's end stops them\n`,
      );
      void stopJob(pgid!, mark, LEFTOVER_GRACE_MS);
    }
    return o;
  });
  return {
    ...job,
    done,
    stop: (graceMs) => {
      stopped = true;
      return job.stop(graceMs);
    },
  };
}

/** A job held to its memory limit by the watchdog (memory-watchdog.ts): killed above it, with that reason. */
function watchMemory(job: RunningJob, run: RunSpec | undefined, mark: string): RunningJob {
  const limit = memoryLimit(run);
  const pgid = job.handle.pid;
  if (!limit || !pgid || !MemoryWatchdog.supported()) return job;
  const wd = new MemoryWatchdog(pgid, mark, limit * 1024 * 1024).start();
  // A command that exited 0 was not the one killed (a child in its own session was, and it went on): success.
  const done = job.done.then((o) =>
    wd.killedAt === null || (o.exitCode === 0 && !o.signal) ? o : { ...o, reason: wd.reason() },
  );
  void done.finally(() => wd.stop());
  return {
    ...job,
    done,
    detach: () => {
      wd.stop();
      job.detach?.();
    },
  };
}

/**
 * The wrapper has exited. With its exit record, that is the job's ending. Without one it was killed: if the
 * job's processes go on without it, they are followed (log and metrics too) until the last is gone; the exit
 * code is then unknown, and said so.
 */
async function afterWrapper(
  file: string,
  mark: string,
  jobId: number,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<JobOutcome> {
  if (readRecord(file) !== 'absent') return readOutcome(file, code, signal);
  const followed = markedProcesses(mark).length > 0;
  if (!followed && (code !== null || signal !== null)) return readOutcome(file, code, signal);
  if (followed) {
    log.warn(
      `job ${jobId}: its wrapper was killed but the job goes on; following its processes to their end`,
    );
    while (markedProcesses(mark).length) await new Promise((r) => setTimeout(r, LAUNCHED_POLL_MS).unref());
  }
  return {
    exitCode: null,
    signal: null,
    lost: true,
    reason: `lost: its wrapper was killed, so its exit code is unknown${followed ? ' (the job was followed to its end: its log and metrics are whole)' : ''}`,
  };
}

/**
 * SIGTERM to the job's process group and to every process carrying its mark (children in their own session
 * too), then SIGKILL to whatever of them is left after `graceMs`, even once the wrapper has ended.
 */
async function stopJob(pid: number, mark: string, graceMs: number, logPath?: string): Promise<void> {
  signalJob(pid, mark, 'SIGTERM');
  const timer = setTimeout(() => {
    const left = markedProcesses(mark);
    // (Where processes cannot be found by their mark, not Linux, the group tells whether any is left.)
    let groupAlive = false;
    try {
      process.kill(-pid, 0);
      groupAlive = true;
    } catch {
      /* gone */
    }
    // Said in the log: a checkpoint cut short by the SIGKILL otherwise looks like a clean stop.
    if ((left.length || groupAlive) && logPath)
      try {
        fs.appendFileSync(
          logPath,
          `[axon] still running ${graceMs / 1000} s after SIGTERM: SIGKILL${left.length ? ` to pid ${left.join(', ')}` : ''}\n`,
        );
      } catch {
        /* the run's folder is gone */
      }
    signalJob(pid, mark, 'SIGKILL');
  }, graceMs);
  timer.unref();
}
