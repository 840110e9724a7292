// Launches experiments on their backend, follows their logs and metrics, records how they end, and after an
// engine restart finds them again (re-attach) or records the exit code they left.
import fs from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import type { Store } from '../store';
import type { ExperimentRow } from '../store/experiments';
import type { EventBus } from '../events';
import type { Lifecycle } from './lifecycle';
import type { Backend, JobOutcome, RunningJob, RunSpec } from '../backends/backend';
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
  /** Builds in progress, so that stop() can cancel them. */
  private building = new Map<number, AbortController>();
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

  /** created → (building →) scheduled → starting → running, or failed with the reason the launch gave. */
  launch(x: ExperimentRow): Promise<void> {
    return this.inflight(async () => {
      const first = this.opts.backends[x.backend]?.prepare ? 'building' : 'scheduled';
      if (!(await this.lifecycle.experiment(x.id, first))) return;
      await this.start(await this.store.experiments.row(x.id));
    });
  }

  /**
   * From `building`/`scheduled` (or `starting` after a crash that left no process): the job row, the run
   * folder, the image, the process. Each step checks what is already there, so a launch cut short by a crash
   * is finished, not doubled.
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
    const run = (x.run_json ? JSON.parse(x.run_json) : {}) as RunSpec;
    await fs.promises.writeFile(
      path.join(runDir, 'spec.json'),
      JSON.stringify({ cmd: x.cmd, params: exp.params, run, spec: JSON.parse(x.spec_json) }, null, 2),
    );
    const existing = (await this.store.jobs.forExperiment(x.id)).find((j) => !isDone(j.status));
    const jobId =
      existing?.id ??
      (await this.store.db.transaction(async () => {
        await this.store.experiments.update(x.id, { run_dir: runDir, outputs_dir: outputs });
        return this.store.jobs.insert(x.id, 'master', 0, logPath);
      }));
    const none = { exitCode: null, signal: null, lost: false };
    let image: string | undefined;
    if (backend.prepare) {
      const abort = new AbortController();
      this.building.set(x.id, abort);
      try {
        if (exp.status === 'building') await this.lifecycle.job(jobId, 'building');
        image = (
          await backend.prepare({
            experimentId: x.id,
            projectName: x.project_name,
            codePath: x.code_path,
            run,
            onOutput: (text) => this.appendLog(x.id, logPath, text),
            signal: abort.signal,
          })
        ).image;
      } catch (e) {
        const err = e as Error & { step?: string | null; output?: string };
        if (abort.signal.aborted)
          return this.finalize(x.id, jobId, none, 'stopped by user', 'stopped while building', true);
        const reason = err.step ? `build failed at ${err.step}` : `build failed: ${err.message}`;
        return this.finalize(x.id, jobId, none, reason, (err.output ?? err.message).slice(-4000));
      } finally {
        this.building.delete(x.id);
      }
      const now = await this.store.experiments.row(x.id);
      if (now.status === 'building' && !(await this.lifecycle.experiment(x.id, 'scheduled'))) return;
    }
    const current = (await this.store.experiments.row(x.id)).status;
    if (current !== 'starting' && !(await this.lifecycle.experiment(x.id, 'starting'))) {
      await this.lifecycle.job(jobId, 'stopped', 'stopped before it started');
      return; // stopped while being scheduled
    }
    const jobNow = await this.store.jobs.get(jobId);
    if (jobNow && jobNow.status !== 'starting') await this.lifecycle.job(jobId, 'starting');
    if (!x.cmd) return this.finalize(x.id, jobId, none, 'no command', 'run.cmd is empty');
    const env = jobEnv(x, exp.params, outputs, { url: this.opts.apiUrl(), token: this.runToken(x.id) });
    let job: RunningJob;
    try {
      job = await backend.launch({
        jobId,
        experimentId: x.id,
        groupId: x.group_id,
        role: 'master',
        index: 0,
        cmd: x.cmd,
        cwd: x.code_path,
        env,
        logPath,
        runDir,
        outputsDir: outputs,
        image,
        run,
      });
    } catch (e) {
      return this.finalize(x.id, jobId, none, 'launch failed', e instanceof Error ? e.message : String(e));
    }
    await this.store.jobs.setHandle(jobId, job.handle);
    // `running` is recorded before the end is watched, so a job that exits at once still passes through it.
    await this.lifecycle.job(jobId, 'running');
    const stoppedMeanwhile = !(await this.lifecycle.experiment(x.id, 'running'));
    await this.track(x.id, jobId, logPath, job);
    if (stoppedMeanwhile) await this.stop(x.id);
  }

  /** Engine-written log text (build output): appended and announced with its offsets. */
  private appendLog(experimentId: number, logPath: string, text: string): void {
    const offset = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
    fs.appendFileSync(logPath, text);
    this.events.emit('logs.appended', {
      experimentId,
      offset,
      nextOffset: offset + Buffer.byteLength(text),
      text,
    });
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
    const follower = this.follower(experimentId, jobId, logPath, job.confirmedLogSize?.bind(job));
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
    const build = this.building.get(experimentId);
    if (build) {
      build.abort();
      return true;
    }
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
          ? await backend.reattach({
              handle: {
                pid: j.pid ?? undefined,
                startTime: j.pid_start ?? undefined,
                container: j.external_id ?? undefined,
              },
              runDir: x.run_dir,
              jobId: j.id,
              logPath: j.log_path,
            })
          : null;
      if (r === null) {
        // The engine stopped between scheduling and spawning: nothing ran, so the launch is finished now.
        log.debug(`experiment ${x.id}: never started; launching it`);
        await this.inflight(() => this.start(x));
      } else if ('handle' in r) {
        log.debug(`re-attached experiment ${x.id} (pid ${r.handle.pid})`);
        if (!j!.pid && !j!.external_id) await this.store.jobs.setHandle(j!.id, r.handle);
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

  private follower(experimentId: number, jobId: number, logPath: string, limit?: () => number): LogFollower {
    return new LogFollower(this.store, experimentId, jobId, logPath, {
      limit,
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
