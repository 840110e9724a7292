// Launches experiments on their backend, follows their logs and metrics, records how they end, and after an
// engine restart finds them again (re-attach) or records the exit code they left.
import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import type { Store } from '../store';
import type { ExperimentRow } from '../store/experiments';
import type { EventBus } from '../events';
import type { Lifecycle } from './lifecycle';
import type { Backend, JobOutcome, RunningJob } from '../backends/backend';
import { describeOutcome } from '../backends/backend';
import { LogFollower } from '../tracking/follower';
import { paths } from '../home';
import { ACTIVE, isDone } from '../../../shared/statuses';
import { log } from '../log';
import { jobEnv } from './job-env';

/** At most this many output files are indexed per run; the files themselves are all kept. */
const MAX_OUTPUT_FILES = 10_000;

async function listFiles(root: string): Promise<Array<{ path: string; size: number }>> {
  const out: Array<{ path: string; size: number }> = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_OUTPUT_FILES) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push({ path: r, size: (await fs.promises.stat(path.join(root, r))).size });
    }
  };
  await walk('');
  return out;
}

interface Active {
  experimentId: number;
  jobId: number;
  job: RunningJob;
  follower: LogFollower;
  stopRequested: boolean;
  stopReason?: string;
  stopMessage?: string;
}

export interface RunnerOptions {
  home: string;
  backends: Record<string, Backend>;
  stopGraceMs: number;
  secret: string;
  apiUrl: () => string;
  onFinished: (experimentId: number) => void;
}

export class Runner {
  private active = new Map<number, Active>();
  private finishing = new Set<Promise<void>>();
  private pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private store: Store,
    private events: EventBus,
    private lifecycle: Lifecycle,
    private opts: RunnerOptions,
  ) {}

  get runningCount(): number {
    return this.active.size;
  }

  isActive(experimentId: number): boolean {
    return this.active.has(experimentId);
  }

  runToken(experimentId: number): string {
    return createHmac('sha256', this.opts.secret).update(`run:${experimentId}`).digest('hex');
  }

  /** created → scheduled → starting → running, or failed with the reason the launch gave. */
  launch(x: ExperimentRow): Promise<void> {
    return this.inflight(async () => {
      if (!(await this.lifecycle.experiment(x.id, 'scheduled'))) return;
      await this.start(await this.store.experiments.row(x.id));
    });
  }

  /**
   * From `scheduled` (or `starting` after a crash that left no process): the job row, the run folder, the
   * process. Each step checks what is already there, so a launch cut short by a crash is finished, not doubled.
   */
  private async start(x: ExperimentRow): Promise<void> {
    const backend = this.opts.backends[x.backend];
    if (!backend) {
      await this.lifecycle.experiment(
        x.id,
        'failed',
        'no backend',
        `backend "${x.backend}" is not available`,
      );
      return;
    }
    const runDir = x.run_dir || paths(this.opts.home).runDir(x.id);
    const outputs = x.outputs_dir || path.join(runDir, 'outputs');
    const logPath = path.join(runDir, 'logs', 'master-0.log');
    await fs.promises.mkdir(path.dirname(logPath), { recursive: true });
    await fs.promises.mkdir(outputs, { recursive: true });
    const exp = await this.store.experiments.get(x.id);
    await fs.promises.writeFile(
      path.join(runDir, 'spec.json'),
      JSON.stringify({ cmd: x.cmd, params: exp.params, spec: JSON.parse(x.spec_json) }, null, 2),
    );
    const existing = (await this.store.jobs.forExperiment(x.id)).find((j) => !isDone(j.status));
    const jobId =
      existing?.id ??
      (await this.store.db.transaction(async () => {
        await this.store.experiments.update(x.id, { run_dir: runDir, outputs_dir: outputs });
        return this.store.jobs.insert(x.id, 'master', 0, logPath);
      }));
    if (exp.status !== 'starting' && !(await this.lifecycle.experiment(x.id, 'starting'))) {
      await this.lifecycle.job(jobId, 'stopped', 'stopped before it started');
      return; // stopped while being scheduled
    }
    if (!existing || existing.status === 'created') await this.lifecycle.job(jobId, 'starting');
    const none = { exitCode: null, signal: null, lost: false };
    if (!x.cmd) return this.finalize(x.id, jobId, none, 'no command', 'run.cmd is empty');
    const env = jobEnv(x, exp.params, outputs, { url: this.opts.apiUrl(), token: this.runToken(x.id) });
    let job: RunningJob;
    try {
      job = await backend.launch({
        jobId,
        experimentId: x.id,
        cmd: x.cmd,
        cwd: x.code_path,
        env,
        logPath,
        runDir,
      });
    } catch (e) {
      return this.finalize(x.id, jobId, none, 'launch failed', e instanceof Error ? e.message : String(e));
    }
    await this.store.jobs.setProcess(jobId, job.handle.pid, job.handle.startTime);
    // `running` is recorded before the end is watched, so a job that exits at once still passes through it.
    await this.lifecycle.job(jobId, 'running');
    const stoppedMeanwhile = !(await this.lifecycle.experiment(x.id, 'running'));
    await this.track(x.id, jobId, logPath, job);
    if (stoppedMeanwhile) await this.stop(x.id);
  }

  /** Runs `fn` as tracked work, so close() can wait for it; after close its failures are expected. */
  private inflight(fn: () => Promise<void>): Promise<void> {
    const p = fn()
      .catch((e) => {
        if (!this.closed) log.warn(`runner: ${e instanceof Error ? e.stack : e}`);
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    return p;
  }

  private async track(experimentId: number, jobId: number, logPath: string, job: RunningJob): Promise<void> {
    const follower = this.follower(experimentId, jobId, logPath);
    const a: Active = { experimentId, jobId, job, follower, stopRequested: false };
    this.active.set(experimentId, a);
    await follower.start();
    const p = job.done
      .then((outcome) =>
        this.closed
          ? undefined
          : this.inflight(async () => {
              await follower.finish();
              this.active.delete(experimentId);
              await this.finalize(
                experimentId,
                jobId,
                outcome,
                a.stopReason ?? null,
                a.stopMessage ?? null,
                a.stopRequested,
              );
            }),
      )
      .finally(() => this.finishing.delete(p));
    this.finishing.add(p);
  }

  private async finalize(
    experimentId: number,
    jobId: number,
    o: JobOutcome,
    reason: string | null,
    message: string | null,
    stopped = false,
  ): Promise<void> {
    const ok = !o.lost && o.signal === null && o.exitCode === 0;
    const status = stopped ? 'stopped' : ok ? 'succeeded' : 'failed';
    const why = reason ?? (stopped ? 'stopped by user' : ok ? null : describeOutcome(o));
    await this.store.db.transaction(() =>
      this.store.experiments.update(experimentId, { exit_code: o.exitCode }),
    );
    const row = await this.store.experiments.row(experimentId);
    if (row.outputs_dir) await this.store.outputs.record(experimentId, await listFiles(row.outputs_dir));
    await this.lifecycle.job(jobId, status, why, o.exitCode);
    await this.lifecycle.experiment(experimentId, status, why, message);
    this.opts.onFinished(experimentId);
  }

  /** Graceful stop (SIGTERM to the group), forced after the grace period. */
  async stop(experimentId: number, reason?: string, message?: string): Promise<boolean> {
    const a = this.active.get(experimentId);
    if (!a) return false;
    a.stopRequested = true;
    a.stopReason = reason;
    a.stopMessage = message;
    await a.job.stop(this.opts.stopGraceMs);
    return true;
  }

  /** After a restart: every experiment the store thinks is active is re-attached or given its real ending. */
  async reattachAll(): Promise<void> {
    const rows = await this.store.experiments.rowsWithStatus([...ACTIVE]);
    for (const x of rows) {
      const j = (await this.store.jobs.forExperiment(x.id)).find((jb) => !isDone(jb.status));
      const backend = this.opts.backends[x.backend];
      const r =
        j && backend
          ? await backend.reattach({ pid: j.pid, startTime: j.pid_start, runDir: x.run_dir, jobId: j.id })
          : null;
      if (r === null) {
        // The engine stopped between scheduling and spawning: nothing ran, so the launch is finished now.
        log.debug(`experiment ${x.id}: never started; launching it`);
        await this.inflight(() => this.start(x));
      } else if ('handle' in r) {
        log.debug(`re-attached experiment ${x.id} (pid ${r.handle.pid})`);
        if (!j!.pid) await this.store.jobs.setProcess(j!.id, r.handle.pid, r.handle.startTime);
        if (j!.status !== 'running') await this.lifecycle.job(j!.id, 'running');
        if (x.status !== 'running') await this.lifecycle.experiment(x.id, 'running');
        await this.track(x.id, j!.id, j!.log_path, r);
      } else {
        // It ended while no engine watched: read the rest of its log, then record the real exit code.
        const follower = this.follower(x.id, j!.id, j!.log_path);
        await follower.start();
        await follower.finish();
        await this.finalize(x.id, j!.id, r, null, null);
      }
    }
  }

  private follower(experimentId: number, jobId: number, logPath: string): LogFollower {
    return new LogFollower(this.store, experimentId, jobId, logPath, {
      onLog: (offset, nextOffset, text) =>
        this.events.emit('logs.appended', { experimentId, offset, nextOffset, text }),
      onMetrics: (points) => this.events.emit('metrics.appended', { experimentId, points }),
    });
  }

  /** Lets launches in flight finish, then stops following logs; the jobs keep running for the next engine. */
  async detachAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending]);
    await Promise.all([...this.active.values()].map((a) => a.follower.stop()));
    this.active.clear();
  }

  async settled(): Promise<void> {
    await Promise.all([...this.finishing]);
  }
}
